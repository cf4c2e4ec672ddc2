package io.srm4j.train.model;

import io.srm4j.runtime.model.ModelConfig;
import io.srm4j.runtime.model.RopeScaling;

/**
 * The shape of a trainable transformer, the same family the runtime runs: RMSNorm, RoPE, GQA attention, SwiGLU and
 * an output layer tied to the token embedding. NEOX-style RoPE exports as architecture "qwen2", normal style as
 * "llama" (the runtime derives the style from the architecture).
 */
public record TransformerConfig(int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int context,
                                float ropeTheta, float eps, boolean ropeNeox) {
    public TransformerConfig {
        if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || ffn <= 0 || vocab <= 0 || context <= 0) {
            throw new IllegalArgumentException("every size must be positive: " + this);
        }
        if (dim % heads != 0) throw new IllegalArgumentException("dim " + dim + " is not a multiple of heads " + heads);
        if (heads % kvHeads != 0) throw new IllegalArgumentException("heads " + heads + " is not a multiple of kv heads " + kvHeads);
        if ((dim / heads) % 2 != 0) throw new IllegalArgumentException("head dimension " + dim / heads + " must be even for RoPE");
        if (!(ropeTheta > 0) || !(eps > 0)) throw new IllegalArgumentException("rope theta and eps must be positive");
    }

    public int headDim() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    public String architecture() {
        return ropeNeox ? "qwen2" : "llama";
    }

    /** The runtime's view of this shape. */
    public ModelConfig toModelConfig() {
        return new ModelConfig(architecture(), dim, layers, heads, kvHeads, headDim(), headDim(), ffn, context, vocab,
                eps, ropeTheta, headDim(), ropeNeox, RopeScaling.NONE);
    }
}
