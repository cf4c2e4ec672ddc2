package io.srm4j.runtime.engine;

import io.srm4j.runtime.model.KvBlockPool;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.model.Transformer;
import io.srm4j.runtime.sampling.SampledToken;

import io.srm4j.runtime.tensor.WorkerPool;

import java.util.ArrayDeque;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Batched generation with continuous batching: one worker thread runs forward passes over the rows of every active
 * sequence at once (each weight matrix read once per step for all of them), admits queued requests as memory frees
 * and retires finished sequences while the batch runs.
 *
 * <p>A request asks for N samples of one prompt: the prompt is evaluated once (chunked into the batch alongside other
 * sequences' decode steps), then its KV cache is forked N ways, sharing the prompt's blocks. Memory is bounded: a
 * request is admitted only when the pool can hold its worst case (prompt plus every sample's token budget), so a
 * running sequence never runs out of blocks; requests that could never fit fail at once with a clear error.
 */
public final class BatchEngine implements AutoCloseable {
    /** Receives each sample's tokens as they come; return false to stop that sample. */
    @FunctionalInterface
    public interface SampleListener {
        boolean onToken(int sample, SampledToken token, String textDelta);

        /** Called (on the engine thread) as soon as one sample is finished, before the whole request is. */
        default void onFinished(int sample, Generation generation) {}

        SampleListener NONE = (i, t, d) -> true;
    }

    private final LanguageModel model;
    private final Transformer transformer;
    private final KvBlockPool pool;
    private final int maxSequences;
    private final int maxContext;
    private final Transformer.Scratch scratch;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Deque<Request> pending = new ArrayDeque<>();
    private final List<Seq> active = new ArrayList<>();
    private final Thread worker;
    private int budgetBlocks;
    private volatile boolean closed;

    /**
     * @param maxSequences sequences decoded together (at most {@link Transformer#MAX_BLOCK})
     * @param kvBytes      memory for cached keys and values, shared by all sequences
     * @param maxContext   longest sequence (prompt + generated), capped at the model's context
     */
    public BatchEngine(LanguageModel model, int maxSequences, long kvBytes, int maxContext, KvCache.Precision precision) {
        if (maxSequences < 1 || maxSequences > Transformer.MAX_BLOCK) {
            throw new IllegalArgumentException("batch size must be in 1.." + Transformer.MAX_BLOCK + ", got " + maxSequences);
        }
        this.model = model;
        this.transformer = model.transformer();
        this.pool = KvBlockPool.ofBytes(model.config(), precision, kvBytes, KvBlockPool.DEFAULT_BLOCK_SIZE);
        this.maxSequences = maxSequences;
        this.maxContext = Math.min(maxContext, model.config().contextLength());
        this.scratch = transformer.newScratch();
        this.budgetBlocks = pool.maxBlocks();
        this.worker = Thread.ofPlatform().name("srm4j-batch-engine").daemon(true).start(this::loop);
    }

    public KvBlockPool pool() {
        return pool;
    }

    /** N samples of {@code prompt}; sample i draws with seed {@code params.sampling().seed() + i}. */
    public CompletableFuture<List<Generation>> submit(int[] prompt, GenerationParams params, int samples, SampleListener listener) {
        long[] seeds = new long[Math.max(samples, 0)];
        for (int i = 0; i < seeds.length; i++) seeds[i] = params.sampling().seed() + i;
        return submit(prompt, params, seeds, listener);
    }

    /** One sample of {@code prompt} per seed, sample i drawn with {@code seeds[i]}. */
    public CompletableFuture<List<Generation>> submit(int[] prompt, GenerationParams params, long[] seeds, SampleListener listener) {
        int samples = seeds.length;
        if (samples < 1 || samples > maxSequences) throw new IllegalArgumentException("samples must be in 1.." + maxSequences + ", got " + samples);
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: nothing to condition on");
        Request r = new Request(prompt.clone(), params, seeds.clone(), listener);
        if (prompt.length + 1 > maxContext) {
            r.future.completeExceptionally(new KvCache.ContextOverflowException("prompt of " + prompt.length + " tokens does not fit the context of " + maxContext));
            return r.future;
        }
        if (r.blocks > pool.maxBlocks()) {
            r.future.completeExceptionally(new KvCache.OutOfBlocksException("request needs up to " + r.blocks + " KV blocks ("
                    + samples + " samples of up to " + r.maxLength + " tokens) but the pool holds only " + pool.maxBlocks() + "; raise the KV memory or lower samples/max tokens"));
            return r.future;
        }
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("the engine is closed");
            pending.add(r);
            work.signal();
        } finally {
            lock.unlock();
        }
        return r.future;
    }

    /** Blocking convenience: N samples of one prompt. */
    public List<Generation> generate(int[] prompt, GenerationParams params, int samples) {
        return submit(prompt, params, samples, SampleListener.NONE).join();
    }

    private final class Request {
        final int[] prompt;
        final GenerationParams params;
        final int samples;
        final long[] seeds;
        final SampleListener listener;
        final CompletableFuture<List<Generation>> future = new CompletableFuture<>();
        final Generation[] results;
        final int maxLength;
        final int blocks;
        int remaining;
        long admitted, prefilled;
        boolean released;

        /** Returns the request's KV budget to the engine, once. Holds the lock. */
        void release() {
            if (!released) {
                released = true;
                budgetBlocks += blocks;
            }
        }

        Request(int[] prompt, GenerationParams params, long[] seeds, SampleListener listener) {
            this.prompt = prompt;
            this.params = params;
            this.seeds = seeds;
            this.samples = seeds.length;
            this.listener = listener;
            this.results = new Generation[samples];
            this.remaining = samples;
            this.maxLength = (int) Math.min(maxContext, (long) prompt.length + params.maxTokens());
            int bs = pool.blockSize();
            int promptBlocks = (prompt.length + bs - 1) / bs;
            int perSample = (maxLength - prompt.length + bs - 1) / bs + 1; // own tail, plus a copy of the shared last block
            this.blocks = promptBlocks + samples * perSample;
        }
    }

    private final class Seq {
        final Request req;
        final int index;
        final KvCache cache;
        int[] history;
        int length;
        int prefilled; // prompt tokens evaluated (prefill phase while < prompt length)
        final SequenceDecoder decoder;

        Seq(Request req, int index, KvCache cache, int[] history, int length) {
            this.req = req;
            this.index = index;
            this.cache = cache;
            this.history = history;
            this.length = length;
            this.prefilled = req.prompt.length;
            this.decoder = new SequenceDecoder(req.params, model.tokenizer(), req.seeds[index],
                    (t, d) -> req.listener.onToken(index, t, d));
        }

        boolean inPrefill() {
            return prefilled < req.prompt.length;
        }

        void append(int token) {
            if (length == history.length) history = Arrays.copyOf(history, history.length * 2);
            history[length++] = token;
        }
    }

    private void loop() {
        while (true) {
            lock.lock();
            try {
                admit();
                while (active.isEmpty()) {
                    if (closed) return;
                    work.await(100, TimeUnit.MILLISECONDS);
                    admit();
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            try {
                step();
            } catch (RuntimeException | Error e) {
                failAll(e);
            }
        }
    }

    /** Moves pending requests in, first come first served, while sequences and memory allow. Holds the lock. */
    private void admit() {
        while (!pending.isEmpty()) {
            Request r = pending.peek();
            int running = 0;
            for (Seq s : active) running += s.inPrefill() ? s.req.samples : 1;
            if (running + r.samples > maxSequences || r.blocks > budgetBlocks) return;
            pending.poll();
            budgetBlocks -= r.blocks;
            r.admitted = System.nanoTime();
            Seq first = new Seq(r, 0, new KvCache(pool, maxContext), Arrays.copyOf(r.prompt, r.prompt.length + 16), r.prompt.length);
            first.prefilled = 0;
            active.add(first);
        }
    }

    /** One forward pass over every active sequence: a decode row each, and prompt chunks in the room left. */
    private void step() {
        int cap = scratch.rowCapacity();
        KvCache[] caches = new KvCache[cap];
        int[] tokens = new int[cap];
        boolean[] want = new boolean[cap], gemm = new boolean[cap];
        Seq[] owner = new Seq[cap];
        int n = 0;
        for (Seq s : active) {
            if (!s.inPrefill()) {
                caches[n] = s.cache;
                tokens[n] = s.history[s.length - 1];
                want[n] = true;
                owner[n++] = s;
            }
        }
        List<Seq> prefilling = new ArrayList<>();
        for (Seq s : active) {
            if (!s.inPrefill() || n == cap) continue;
            int chunk = Math.min(cap - n, s.req.prompt.length - s.prefilled);
            for (int i = 0; i < chunk; i++) {
                caches[n] = s.cache;
                tokens[n] = s.req.prompt[s.prefilled + i];
                want[n] = s.prefilled + i == s.req.prompt.length - 1;
                gemm[n] = s.prefilled + i < s.req.prompt.length - s.req.prompt.length % 4; // as a Session ingesting it
                owner[n++] = s;
            }
            s.prefilled += chunk;
            prefilling.add(s);
        }
        float[] logits = transformer.forwardBatch(caches, tokens, n, want, gemm, scratch);
        int vocab = transformer.config().vocabSize();
        int k = 0;
        List<Seq> spawned = new ArrayList<>();
        List<Seq> drawing = new ArrayList<>();
        int[] offsets = new int[Math.max(1, n)];
        for (int r = 0; r < n; r++) {
            if (!want[r]) continue;
            Seq s = owner[r];
            int off = k++ * vocab;
            if (s.index == 0 && s.prefilled == s.req.prompt.length && prefilling.contains(s)) {
                // the prompt is in: fork it for the other samples, which all draw from the same logits
                s.req.prefilled = System.nanoTime();
                for (int i = 1; i < s.req.samples; i++) {
                    Seq f = new Seq(s.req, i, s.cache.fork(), s.history.clone(), s.length);
                    spawned.add(f);
                    if (drawing.size() == offsets.length) offsets = Arrays.copyOf(offsets, 2 * offsets.length);
                    offsets[drawing.size()] = off;
                    drawing.add(f);
                }
            }
            if (drawing.size() == offsets.length) offsets = Arrays.copyOf(offsets, 2 * offsets.length);
            offsets[drawing.size()] = off;
            drawing.add(s);
        }
        // Sampling reads a whole vocabulary row per sequence: spread it over the pool. Each sequence has its own
        // sampler and seed, so the tokens do not depend on the threads; streaming stays in order on this thread.
        SampledToken[] drawn = new SampledToken[drawing.size()];
        int[] rowOffsets = offsets;
        WorkerPool.shared().parallelFor(0, drawn.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                Seq s = drawing.get(i);
                drawn[i] = s.decoder.draw(logits, rowOffsets[i], vocab, s.history, s.length);
            }
        });
        for (int i = 0; i < drawn.length; i++) {
            Seq s = drawing.get(i);
            boolean full = s.cache.length() + 1 > s.cache.maxPositions();
            if (s.decoder.accept(drawn[i], full)) s.append(s.decoder.lastToken());
        }
        active.addAll(spawned);
        retire();
    }

    private void retire() {
        List<Seq> done = new ArrayList<>();
        for (Seq s : active) if (!s.inPrefill() && s.decoder.finished()) done.add(s);
        if (done.isEmpty()) return;
        long now = System.nanoTime();
        lock.lock();
        try {
            for (Seq s : done) {
                active.remove(s);
                s.cache.close();
                Request r = s.req;
                var timings = new Generation.Timings(r.prefilled - r.admitted, now - r.prefilled, s.index == 0 ? r.prompt.length : 0, s.decoder.generated());
                r.results[s.index] = s.decoder.result(r.prompt, timings);
                try {
                    r.listener.onFinished(s.index, r.results[s.index]);
                } catch (RuntimeException e) {
                    r.future.completeExceptionally(e);
                }
                if (--r.remaining == 0) {
                    r.release();
                    if (!r.future.isDone()) r.future.complete(List.of(r.results));
                }
            }
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    private void failAll(Throwable e) {
        lock.lock();
        try {
            for (Seq s : active) {
                s.cache.close();
                s.req.release();
                s.req.future.completeExceptionally(e);
            }
            active.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Stops accepting requests, finishes the running ones, and ends the worker. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            for (Request r : pending) r.future.completeExceptionally(new IllegalStateException("the engine was closed"));
            pending.clear();
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
