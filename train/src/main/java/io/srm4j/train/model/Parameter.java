package io.srm4j.train.model;

import io.srm4j.train.autograd.Tensor;

/**
 * A named trainable tensor. The name is the GGUF tensor name ("blk.0.attn_q.weight"), so export, checkpoints and
 * LoRA targeting all address parameters the same way.
 *
 * @param decay whether AdamW applies weight decay (see {@link #decays(String, Tensor)})
 */
public record Parameter(String name, Tensor tensor, boolean decay) {
    /**
     * The weight-decay rule: decay the projection matrices (attention and feed-forward); leave out every vector (norm
     * weights, biases) and the token embedding, which is also the tied output layer — decaying it shrinks the
     * rows of rare tokens that seldom get a gradient.
     */
    public static boolean decays(String name, Tensor t) {
        return t.rank() >= 2 && !name.startsWith("token_embd");
    }

    public static Parameter of(String name, Tensor t) {
        return new Parameter(name, t, decays(name, t));
    }
}
