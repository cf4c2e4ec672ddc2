package io.srm4j.runtime.sampling;

/**
 * How the next token is chosen. Temperature 0 means greedy. Filters apply in llama.cpp's default order:
 * penalties, top-k, top-p, min-p, then temperature and a draw from the seeded generator.
 *
 * @param topK              keep the k most likely tokens (0: off)
 * @param topP              keep the smallest set whose probability reaches p (1: off)
 * @param minP              drop tokens less likely than minP × the most likely one (0: off)
 * @param repetitionPenalty divide positive / multiply negative logits of recent tokens (1: off)
 * @param presencePenalty   subtract from logits of tokens seen in the window (0: off)
 * @param frequencyPenalty  subtract count × this from logits of tokens seen in the window (0: off)
 * @param penaltyWindow     how many recent tokens the penalties look at (-1: all)
 * @param seed              makes sampling reproducible
 * @param topLogprobs       how many most likely alternatives to report with each token (0: none)
 */
public record SamplingParams(float temperature, int topK, float topP, float minP,
                             float repetitionPenalty, float presencePenalty, float frequencyPenalty, int penaltyWindow,
                             long seed, int topLogprobs) {
    public SamplingParams {
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        if (!Float.isFinite(presencePenalty) || !Float.isFinite(frequencyPenalty)) throw new IllegalArgumentException("penalties must be finite");
        if (topLogprobs < 0 || topLogprobs > 100) throw new IllegalArgumentException("top logprobs must be in [0, 100], got " + topLogprobs);
    }

    public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0L, 0);

    /** The defaults of llama.cpp's CLI (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05). */
    public static SamplingParams defaults(long seed) {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, seed, 0);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyWindow, seed, topLogprobs);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyWindow, seed, topLogprobs);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyWindow, seed, topLogprobs);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(temperature, topK, topP, p, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyWindow, seed, topLogprobs);
    }

    public SamplingParams withPenalties(float repetition, float presence, float frequency, int window) {
        return new SamplingParams(temperature, topK, topP, minP, repetition, presence, frequency, window, seed, topLogprobs);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyWindow, s, topLogprobs);
    }

    public SamplingParams withTopLogprobs(int n) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyWindow, seed, n);
    }
}
