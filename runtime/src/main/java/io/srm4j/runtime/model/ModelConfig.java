package io.srm4j.runtime.model;

import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.gguf.GgufMetadata;

import java.util.Locale;

/**
 * The shape of a decoder-only transformer, read from GGUF metadata. One transformer serves every supported
 * architecture; the differences between families are flags here, not separate model classes.
 *
 * @param ropeNeox    rotate halves (NEOX style, Qwen) rather than interleaved pairs (GPT-J style, Llama)
 * @param ropeDims    how many leading dimensions of each head are rotated
 * @param headDim     query/key dimension per head
 * @param valueDim    value dimension per head
 */
public record ModelConfig(
        String architecture,
        int embeddingLength,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int valueDim,
        int feedForwardLength,
        int contextLength,
        int vocabSize,
        float rmsNormEps,
        float ropeTheta,
        int ropeDims,
        boolean ropeNeox,
        RopeScaling ropeScaling) {

    /** Architectures whose layers this transformer implements. */
    public static boolean isSupported(String arch) {
        return switch (arch) {
            case "llama", "qwen2", "qwen3", "mistral", "granite" -> true;
            default -> false;
        };
    }

    public int queryDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int kvValueDim() {
        return kvHeads * valueDim;
    }

    public static ModelConfig fromMetadata(GgufMetadata md, int vocabSize) throws GgufFormatException {
        String arch = md.requireString("general.architecture");
        if (!isSupported(arch)) {
            throw new GgufFormatException("architecture '" + arch + "' is not supported (supported: llama, qwen2, qwen3)");
        }
        String p = arch + ".";
        int dim = positive(md, p + "embedding_length");
        int layers = positive(md, p + "block_count");
        int heads = positive(md, p + "attention.head_count");
        int kvHeads = md.getInt(p + "attention.head_count_kv", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new GgufFormatException(p + "attention.head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        }
        int headDim = md.getInt(p + "attention.key_length", dim / heads);
        int valueDim = md.getInt(p + "attention.value_length", headDim);
        if (headDim <= 0 || valueDim <= 0 || headDim % 2 != 0) throw new GgufFormatException("invalid head dimension " + headDim);
        int ffn = positive(md, p + "feed_forward_length");
        int ctx = md.getInt(p + "context_length", 4096);
        float eps = md.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        float theta = md.getFloat(p + "rope.freq_base", 10000f);
        int ropeDims = md.getInt(p + "rope.dimension_count", headDim);
        if (ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0) throw new GgufFormatException(p + "rope.dimension_count " + ropeDims + " is invalid for head dimension " + headDim);
        boolean neox = switch (arch) {
            case "qwen2", "qwen3" -> true;
            default -> false;
        };
        return new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, valueDim, ffn, ctx, vocabSize, eps, theta,
                ropeDims, neox, ropeScaling(md, p, ctx));
    }

    private static RopeScaling ropeScaling(GgufMetadata md, String p, int ctx) throws GgufFormatException {
        String type = md.getString(p + "rope.scaling.type").orElse("none").toLowerCase(Locale.ROOT);
        float factor = md.getFloat(p + "rope.scaling.factor", 0f);
        if (factor == 0f && md.contains(p + "rope.scale_linear")) {
            factor = md.getFloat(p + "rope.scale_linear", 1f);
            if (type.equals("none")) type = "linear";
        }
        if (factor <= 0f) factor = 1f;
        int orig = md.getInt(p + "rope.scaling.original_context_length", ctx);
        float betaFast = md.getFloat(p + "rope.scaling.yarn_beta_fast", 32f);
        float betaSlow = md.getFloat(p + "rope.scaling.yarn_beta_slow", 1f);
        float attnFactor = md.getFloat(p + "rope.scaling.attn_factor", 1f);
        return switch (type) {
            case "none", "" -> RopeScaling.NONE;
            case "linear" -> factor == 1f ? RopeScaling.NONE : new RopeScaling(RopeScaling.Type.LINEAR, factor, orig, betaFast, betaSlow, attnFactor);
            case "yarn" -> new RopeScaling(RopeScaling.Type.YARN, factor, orig, betaFast, betaSlow, attnFactor);
            default -> throw new GgufFormatException("rope scaling type '" + type + "' is not supported (none, linear, yarn; llama3 uses rope_freqs)");
        };
    }

    private static int positive(GgufMetadata md, String key) throws GgufFormatException {
        int v = md.requireInt(key);
        if (v <= 0) throw new GgufFormatException("metadata '" + key + "' = " + v + " must be positive");
        return v;
    }
}
