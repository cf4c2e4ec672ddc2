package io.srm4j.runtime.engine;

import io.srm4j.runtime.sampling.SampledToken;

import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param tokens  generated ids (the stop token included when generation ended on one, as llama.cpp reports it)
 * @param text    the generated text, cut before a matched stop string; end-of-generation tokens are not rendered
 * @param sampled per generated token: its log-probability and, if asked for, alternatives
 */
public record Generation(int[] promptTokens, int[] tokens, String text, FinishReason finishReason, String matchedStop,
                         List<SampledToken> sampled, Timings timings) {

    /**
     * Wall-clock timings; {@code promptTokensEvaluated} excludes tokens reused from the session's cache. (Loading the
     * model is timed once, by {@link LanguageModel#loadNanos()}.)
     */
    public record Timings(long promptNanos, long generateNanos, int promptTokensEvaluated, int generatedTokens) {
        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : promptTokensEvaluated * 1e9 / promptNanos;
        }

        public double generatedTokensPerSecond() {
            // the first token comes out of the prompt pass; decode speed counts the steps after it
            return generateNanos == 0 || generatedTokens <= 1 ? 0 : (generatedTokens - 1) * 1e9 / generateNanos;
        }
    }
}
