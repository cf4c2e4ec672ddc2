package io.srm4j.runtime.model;

/**
 * How rotary position embeddings are stretched beyond the trained context (llama.cpp's rope scaling types).
 * {@code factor} is the context extension factor (llama.cpp's freq_scale = 1 / factor).
 * LLAMA3 needs no parameters here: its per-dimension factors come from the {@code rope_freqs.weight} tensor.
 */
public record RopeScaling(Type type, float factor, int originalContextLength,
                          float yarnBetaFast, float yarnBetaSlow, float attnFactor) {
    public enum Type { NONE, LINEAR, YARN }

    public static final RopeScaling NONE = new RopeScaling(Type.NONE, 1f, 0, 32f, 1f, 1f);

    public float freqScale() {
        return type == Type.NONE ? 1f : 1f / factor;
    }
}
