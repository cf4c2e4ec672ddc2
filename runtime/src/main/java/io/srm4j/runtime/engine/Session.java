package io.srm4j.runtime.engine;

import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.model.Transformer;

import java.util.Arrays;
import java.util.List;

/**
 * One sequence being generated: its KV cache and the tokens it holds. A new prompt that starts with tokens the
 * session already evaluated reuses them (a multi-turn chat only evaluates the new turn). Not thread-safe.
 */
public final class Session {
    private final LanguageModel model;
    private final Transformer transformer;
    private final KvCache cache;
    private final Transformer.Scratch scratch;
    private int[] history = new int[256];
    private float[] lastLogits;

    Session(LanguageModel model, KvCache cache) {
        this.model = model;
        this.transformer = model.transformer();
        this.cache = cache;
        this.scratch = transformer.newScratch();
    }

    /** Tokens held in the cache, in order. */
    public int[] tokens() {
        return Arrays.copyOf(history, cache.length());
    }

    public int contextSize() {
        return cache.maxPositions();
    }

    public KvCache cache() {
        return cache;
    }

    /** Forgets everything. */
    public void reset() {
        cache.truncate(0);
        lastLogits = null;
    }

    /**
     * Brings the cache to exactly {@code prompt}, evaluating only what is not already cached, and returns the logits
     * for the next token. Returns the number of tokens actually evaluated via {@code evaluated[0]} when given.
     */
    public float[] ingest(int[] prompt, int[] evaluated) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: nothing to condition on");
        if (prompt.length > cache.maxPositions()) {
            throw new KvCache.ContextOverflowException("prompt of " + prompt.length + " tokens does not fit the context of " + cache.maxPositions());
        }
        int common = 0, held = cache.length();
        while (common < held && common < prompt.length && history[common] == prompt[common]) common++;
        if (common == prompt.length && common == held && lastLogits != null) {
            if (evaluated != null) evaluated[0] = 0;
            return lastLogits;
        }
        if (common == prompt.length) common--; // re-evaluate the last token to get its logits
        cache.truncate(common);
        float[] logits = append(prompt, common, prompt.length - common);
        if (evaluated != null) evaluated[0] = prompt.length - common;
        return logits;
    }

    private float[] append(int[] tokens, int from, int count) {
        int start = cache.length();
        if (history.length < start + count) history = Arrays.copyOf(history, Math.max(start + count, history.length * 2));
        System.arraycopy(tokens, from, history, start, count);
        lastLogits = transformer.forward(cache, tokens, from, count, scratch);
        return lastLogits;
    }

    /** Generates after {@code prompt} (token ids, BOS included if wanted). */
    public Generation generate(int[] prompt, GenerationParams params, TokenListener listener) {
        long t0 = System.nanoTime();
        int[] evaluated = new int[1];
        float[] logits = ingest(prompt, evaluated);
        long t1 = System.nanoTime();
        SequenceDecoder d = new SequenceDecoder(params, model.tokenizer(), params.sampling().seed(), listener);
        int vocab = transformer.config().vocabSize();
        while (!d.finished()) {
            boolean full = cache.length() >= cache.maxPositions();
            if (!d.accept(logits, 0, vocab, history, cache.length(), full)) break;
            logits = append(new int[]{d.lastToken()}, 0, 1);
        }
        long t2 = System.nanoTime();
        return d.result(prompt, new Generation.Timings(t1 - t0, t2 - t1, evaluated[0], d.generated()));
    }

    /**
     * Accumulates generated text and finds stop strings, holding back any tail that could still become one so that a
     * stop string never reaches the listener.
     */
    static final class StopMatcher {
        private final List<String> stops;
        private final StringBuilder text = new StringBuilder();
        private int emitted;
        private String matched;

        StopMatcher(List<String> stops) {
            this.stops = stops;
        }

        /** Appends a piece and returns the text that is now safe to show. */
        String add(String piece, boolean last) {
            int searchFrom = Math.max(0, text.length() - maxStopLength() + 1);
            text.append(piece);
            int cut = -1;
            for (String s : stops) {
                int i = text.indexOf(s, searchFrom);
                if (i >= 0 && (cut < 0 || i < cut)) {
                    cut = i;
                    matched = s;
                }
            }
            if (cut >= 0) text.setLength(cut);
            int safe = text.length();
            if (cut < 0 && !last) safe -= heldBack();
            safe = Math.max(safe, emitted);
            String delta = text.substring(emitted, safe);
            emitted = safe;
            return delta;
        }

        private int maxStopLength() {
            int m = 1;
            for (String s : stops) m = Math.max(m, s.length());
            return m;
        }

        /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
        private int heldBack() {
            int best = 0;
            for (String s : stops) {
                for (int len = Math.min(s.length() - 1, text.length()); len > best; len--) {
                    if (endsWithPrefix(s, len)) {
                        best = len;
                        break;
                    }
                }
            }
            return best;
        }

        private boolean endsWithPrefix(String s, int len) {
            int start = text.length() - len;
            for (int i = 0; i < len; i++) if (text.charAt(start + i) != s.charAt(i)) return false;
            return true;
        }

        String matched() {
            return matched;
        }

        String text() {
            return text.toString();
        }
    }
}
