package io.srm4j.eval.generation;

import java.util.List;

/**
 * Sampling settings for one request. {@code temperature == 0} means greedy. {@code topK <= 0}, {@code topP >= 1}
 * and {@code minP <= 0} disable those filters, as in llama.cpp.
 *
 * @param seed base seed; the runner derives one seed per (problem, sample) from it so a sample is reproducible
 *             regardless of how samples are batched or resumed
 */
public record SamplingParams(double temperature, double topP, int topK, double minP, int maxTokens, long seed,
                             List<String> stop) {
    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new IllegalArgumentException("min_p must be in [0, 1), got " + minP);
        if (maxTokens <= 0) throw new IllegalArgumentException("max_tokens must be > 0, got " + maxTokens);
        stop = stop == null ? List.of() : List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) throw new IllegalArgumentException("empty stop string");
        }
    }

    /** The settings DeepSeek-R1 distills and Qwen3 thinking models recommend for evaluation. */
    public static SamplingParams reasoningDefaults() {
        return new SamplingParams(0.6, 0.95, 20, 0.0, 32768, 0, List.of());
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0.0, 1.0, 0, 0.0, maxTokens, 0, List.of());
    }

    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topP, topK, minP, maxTokens, newSeed, stop);
    }

    public SamplingParams withMaxTokens(int newMaxTokens) {
        return new SamplingParams(temperature, topP, topK, minP, newMaxTokens, seed, stop);
    }

    public SamplingParams withTemperature(double newTemperature) {
        return new SamplingParams(newTemperature, topP, topK, minP, maxTokens, seed, stop);
    }
}
