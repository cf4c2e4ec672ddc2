package io.srm4j.eval.generation;

import io.srm4j.runtime.chat.ReasoningParser;
import io.srm4j.runtime.engine.BatchEngine;
import io.srm4j.runtime.engine.Generation;
import io.srm4j.runtime.engine.GenerationParams;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.tokenizer.Detokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * The local runtime behind evaluation's {@link Generator}: chat prompts rendered with the model's own template,
 * all samples of a prompt decoded together by a {@link BatchEngine} (the prompt evaluated once, its KV cache shared).
 */
public final class LocalGenerator implements Generator, AutoCloseable {
    private final LanguageModel model;
    private final BatchEngine engine;
    private final int maxSequences;
    private final String description;
    private final Map<String, Object> templateArgs;

    /**
     * @param maxSequences sequences decoded together (samples of one prompt share one batch)
     * @param kvBytes      KV cache memory shared by those sequences
     */
    public LocalGenerator(LanguageModel model, Path modelFile, int maxSequences, long kvBytes, int context, Map<String, Object> templateArgs) {
        this(model, modelFile, maxSequences, kvBytes, context, KvCache.Precision.F16, templateArgs);
    }

    /** As above with the KV cache stored in {@code kvPrecision} (part of the description: it changes what is generated). */
    public LocalGenerator(LanguageModel model, Path modelFile, int maxSequences, long kvBytes, int context, KvCache.Precision kvPrecision,
                          Map<String, Object> templateArgs) {
        this.model = model;
        this.maxSequences = maxSequences;
        this.engine = new BatchEngine(model, maxSequences, kvBytes, context, kvPrecision);
        this.templateArgs = Map.copyOf(templateArgs);
        this.description = "srm4j local " + modelFile.getFileName() + " sha256:" + digest(modelFile)
                + (kvPrecision == KvCache.Precision.F16 ? "" : " kv:" + kvPrecision)
                + (templateArgs.isEmpty() ? "" : " template-args:" + new java.util.TreeMap<>(templateArgs));
    }

    /** A cheap, stable identity: size plus a hash of the first and last MiB (hashing gigabytes would take seconds). */
    private static String digest(Path file) {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long size = ch.size();
            md.update(Long.toString(size).getBytes());
            var buf = java.nio.ByteBuffer.allocate(1 << 20);
            ch.read(buf, 0);
            md.update(buf.flip());
            buf.clear();
            ch.read(buf, Math.max(0, size - (1 << 20)));
            md.update(buf.flip());
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void generate(GenerationRequest request, SampleSink sink) throws IOException {
        String promptText;
        int[] prompt;
        switch (request.prompt()) {
            case Prompt.Chat chat -> {
                promptText = model.renderChat(chat.messages(), templateArgs);
                prompt = model.tokenizeTemplated(promptText);
            }
            case Prompt.Raw raw -> {
                promptText = raw.text();
                prompt = model.tokenizePrompt(promptText);
            }
        }
        boolean startsInThought = model.chatTemplate().endsInsideThink(promptText);
        SamplingParams p = request.params();
        var sampling = io.srm4j.runtime.sampling.SamplingParams.GREEDY
                .withTemperature((float) p.temperature()).withTopK(Math.max(0, p.topK()))
                .withTopP((float) Math.min(1.0, p.topP())).withMinP((float) Math.max(0, p.minP()));
        GenerationParams gp = new GenerationParams(sampling, p.maxTokens(), p.stop(), Set.of(), false);
        long[] all = request.sampleSeeds().stream().mapToLong(Long::longValue).toArray();
        // More samples than the engine decodes at once go in successive batches.
        for (int from = 0; from < all.length; from += maxSequences) {
            int base = from;
            long[] seeds = java.util.Arrays.copyOfRange(all, from, Math.min(all.length, from + maxSequences));
            submit(prompt, gp, seeds, base, sink, startsInThought);
        }
    }

    private void submit(int[] prompt, GenerationParams gp, long[] seeds, int base, SampleSink sink, boolean startsInThought) throws IOException {
        IOException[] failure = new IOException[1];
        try {
            engine.submit(prompt, gp, seeds, new BatchEngine.SampleListener() {
                @Override
                public boolean onToken(int sample, io.srm4j.runtime.sampling.SampledToken token, String textDelta) {
                    return failure[0] == null;
                }

                @Override
                public void onFinished(int sample, Generation g) {
                    try {
                        sink.accept(base + sample, toCompletion(g, prompt.length, startsInThought));
                    } catch (IOException e) {
                        failure[0] = e;
                    }
                }
            }).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException("generation failed: " + e.getCause(), e.getCause());
        }
        if (failure[0] != null) throw failure[0];
    }

    private Completion toCompletion(Generation g, int promptTokens, boolean startsInThought) {
        // Reasoning tokens: those up to and including the one that completes "</think>".
        int reasoningTokens = 0;
        if (startsInThought || g.text().contains(ReasoningParser.DEFAULT_OPEN)) {
            Detokenizer d = model.tokenizer().detokenizer(false);
            StringBuilder text = new StringBuilder();
            reasoningTokens = g.tokens().length;
            for (int i = 0; i < g.tokens().length; i++) {
                text.append(d.push(g.tokens()[i]));
                if (text.indexOf(ReasoningParser.DEFAULT_CLOSE) >= 0) {
                    reasoningTokens = i + 1;
                    break;
                }
            }
        }
        String text = startsInThought ? ReasoningParser.DEFAULT_OPEN + g.text() : g.text();
        FinishReason reason = g.finishReason().openAiName().equals("length") ? FinishReason.LENGTH : FinishReason.STOP;
        double seconds = (g.timings().promptNanos() + g.timings().generateNanos()) / 1e9;
        return Completion.of(text, promptTokens, reasoningTokens, g.tokens().length - reasoningTokens, reason, seconds);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        engine.close();
    }

}
