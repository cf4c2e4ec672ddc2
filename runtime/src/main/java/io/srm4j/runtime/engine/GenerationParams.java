package io.srm4j.runtime.engine;

import io.srm4j.runtime.sampling.SamplingParams;

import java.util.List;
import java.util.Set;

/**
 * What to generate: how to sample, how many tokens at most, and when to stop early.
 *
 * @param stopStrings  text that ends generation; it is not part of the returned text
 * @param stopTokens   extra token ids that end generation (the model's end-of-generation tokens always do,
 *                     unless {@code ignoreEndOfGeneration})
 */
public record GenerationParams(SamplingParams sampling, int maxTokens, List<String> stopStrings, Set<Integer> stopTokens,
                               boolean ignoreEndOfGeneration) {
    public GenerationParams {
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        stopStrings = List.copyOf(stopStrings);
        stopTokens = Set.copyOf(stopTokens);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
    }

    public static GenerationParams of(SamplingParams sampling, int maxTokens) {
        return new GenerationParams(sampling, maxTokens, List.of(), Set.of(), false);
    }

    public GenerationParams withStopStrings(List<String> stops) {
        return new GenerationParams(sampling, maxTokens, stops, stopTokens, ignoreEndOfGeneration);
    }

    public GenerationParams withStopTokens(Set<Integer> ids) {
        return new GenerationParams(sampling, maxTokens, stopStrings, ids, ignoreEndOfGeneration);
    }

    public GenerationParams ignoringEndOfGeneration() {
        return new GenerationParams(sampling, maxTokens, stopStrings, stopTokens, true);
    }
}
