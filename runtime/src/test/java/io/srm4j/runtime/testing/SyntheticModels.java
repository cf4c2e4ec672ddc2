package io.srm4j.runtime.testing;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.gguf.GgufValueType;
import io.srm4j.runtime.gguf.GgufWriter;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.runtime.tensor.Quantize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Small random-weight GGUF models of the architectures srm4j runs (llama, qwen2, qwen3), written with srm4j's own
 * {@link GgufWriter} using the tensor names, shapes and metadata keys llama.cpp's loader expects. The tokenizer
 * metadata is copied from a real vocab GGUF, so the embedding has exactly as many rows as that vocabulary.
 *
 * <p>Weights are seeded per tensor (seed, tensor name), so a file is reproducible and changing one tensor's type
 * does not reshuffle the others. Scales keep activations near unit RMS and logits spread by a few units, so greedy
 * decoding wanders over many tokens instead of locking onto one, and top-1 margins are usually far above the
 * rounding noise of F16/BF16 arithmetic.
 *
 * <pre>{@code
 * Path vocab = SyntheticModels.vocab(shared, "qwen2");
 * Path file = SyntheticModels.write(SyntheticModels.Spec.tiny(Arch.QWEN3, vocab).withType(GgmlType.F16), tmp.resolve("q3.gguf"));
 * }</pre>
 */
public final class SyntheticModels {
    private SyntheticModels() {}

    public enum Arch {
        LLAMA("llama"), QWEN2("qwen2"), QWEN3("qwen3");

        /** The value of {@code general.architecture} and the prefix of the hyper-parameter keys. */
        public final String ggufName;

        Arch(String ggufName) {
            this.ggufName = ggufName;
        }
    }

    /** Optional RoPE scaling metadata ({@code <arch>.rope.scaling.*}); type is "linear", "yarn" or "none". */
    public record RopeScaling(String type, float factor, int originalContextLength) {}

    /**
     * What to write. {@code headDim} may differ from {@code dim / heads} (Qwen3 does this); {@code weightType} applies
     * to every 2-D weight, {@code embeddingType}/{@code outputType} to token_embd / output (norms and biases stay F32,
     * as llama.cpp's converters keep them). {@code outputScale} scales the logits (1 = standard deviation about 4): larger
     * means more peaked next-token distributions. {@code ropeScaling} may be null.
     */
    public record Spec(Arch arch, Path vocab, int dim, int layers, int heads, int kvHeads, int headDim, int ffn,
                       int contextLength, float ropeTheta, float rmsEps, boolean tiedEmbeddings,
                       GgmlType weightType, GgmlType embeddingType, GgmlType outputType,
                       float outputScale, long seed, RopeScaling ropeScaling, Map<String, GgmlType> tensorTypes) {
        /** Every 2-D weight in {@code weightType} except as {@link #withTensorType} says. */
        public Spec(Arch arch, Path vocab, int dim, int layers, int heads, int kvHeads, int headDim, int ffn,
                    int contextLength, float ropeTheta, float rmsEps, boolean tiedEmbeddings,
                    GgmlType weightType, GgmlType embeddingType, GgmlType outputType,
                    float outputScale, long seed, RopeScaling ropeScaling) {
            this(arch, vocab, dim, layers, heads, kvHeads, headDim, ffn, contextLength, ropeTheta, rmsEps, tiedEmbeddings,
                    weightType, embeddingType, outputType, outputScale, seed, ropeScaling, Map.of());
        }

        public Spec {
            tensorTypes = Map.copyOf(tensorTypes);
            if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || ffn <= 0 || contextLength <= 0) {
                throw new IllegalArgumentException("sizes must be positive: " + this);
            }
            if (heads % kvHeads != 0) throw new IllegalArgumentException("heads " + heads + " not a multiple of kv heads " + kvHeads);
            if (headDim % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head dimension, got " + headDim);
            if (arch != Arch.QWEN3 && headDim * heads != dim) {
                throw new IllegalArgumentException(arch.ggufName + " needs headDim * heads == dim (" + headDim + " * " + heads + " != " + dim + ")");
            }
        }

        /** A tiny model of the architecture: dim 64, 2 layers, 4 query / 2 KV heads (GQA), real-model rope/eps settings. */
        public static Spec tiny(Arch arch, Path vocab) {
            return switch (arch) {
                // Llama 3 style: untied classifier, theta 5e5.
                case LLAMA -> new Spec(arch, vocab, 64, 2, 4, 2, 16, 160, 4096, 500000f, 1e-5f, false,
                        GgmlType.F32, null, null, 1f, 1, null);
                // Qwen2.5-0.5B style: tied embeddings, q/k/v biases, NEOX rope, theta 1e6.
                case QWEN2 -> new Spec(arch, vocab, 64, 2, 4, 2, 16, 160, 4096, 1000000f, 1e-6f, true,
                        GgmlType.F32, null, null, 1f, 1, null);
                // Qwen3-0.6B style: head dim 32 != 64 / 4 (q projection wider than the model), q/k norms, tied.
                case QWEN3 -> new Spec(arch, vocab, 64, 2, 4, 2, 32, 160, 4096, 1000000f, 1e-6f, true,
                        GgmlType.F32, null, null, 1f, 1, null);
            };
        }

        /**
         * The smallest shape whose every weight row is a multiple of 256, as K-quants (Q2_K..Q6_K) need: dim 256,
         * 2 layers, 4 / 2 heads of 64 (qwen3: 128), ffn 512.
         */
        public static Spec kQuantFriendly(Arch arch, Path vocab) {
            return tiny(arch, vocab).withShape(256, 2, 4, 2, arch == Arch.QWEN3 ? 128 : 64, 512);
        }

        public Spec withType(GgmlType type) {
            return new Spec(arch, vocab, dim, layers, heads, kvHeads, headDim, ffn, contextLength, ropeTheta, rmsEps,
                    tiedEmbeddings, type, embeddingType, outputType, outputScale, seed, ropeScaling, tensorTypes);
        }

        public Spec withEmbeddingTypes(GgmlType embedding, GgmlType output) {
            return new Spec(arch, vocab, dim, layers, heads, kvHeads, headDim, ffn, contextLength, ropeTheta, rmsEps,
                    tiedEmbeddings, weightType, embedding, output, outputScale, seed, ropeScaling, tensorTypes);
        }

        public Spec withSeed(long newSeed) {
            return new Spec(arch, vocab, dim, layers, heads, kvHeads, headDim, ffn, contextLength, ropeTheta, rmsEps,
                    tiedEmbeddings, weightType, embeddingType, outputType, outputScale, newSeed, ropeScaling, tensorTypes);
        }

        public Spec withShape(int newDim, int newLayers, int newHeads, int newKvHeads, int newHeadDim, int newFfn) {
            return new Spec(arch, vocab, newDim, newLayers, newHeads, newKvHeads, newHeadDim, newFfn, contextLength, ropeTheta,
                    rmsEps, tiedEmbeddings, weightType, embeddingType, outputType, outputScale, seed, ropeScaling, tensorTypes);
        }

        public Spec withTied(boolean tied) {
            return new Spec(arch, vocab, dim, layers, heads, kvHeads, headDim, ffn, contextLength, ropeTheta, rmsEps,
                    tied, weightType, embeddingType, outputType, outputScale, seed, ropeScaling, tensorTypes);
        }

        public Spec withRope(float theta, RopeScaling scaling) {
            return new Spec(arch, vocab, dim, layers, heads, kvHeads, headDim, ffn, contextLength, theta, rmsEps,
                    tiedEmbeddings, weightType, embeddingType, outputType, outputScale, seed, scaling, tensorTypes);
        }

        public Spec withOutputScale(float scale) {
            return new Spec(arch, vocab, dim, layers, heads, kvHeads, headDim, ffn, contextLength, ropeTheta, rmsEps,
                    tiedEmbeddings, weightType, embeddingType, outputType, scale, seed, ropeScaling, tensorTypes);
        }

        /**
         * Stores the layer weight {@code name} ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
         * "ffn_down"; in every layer, or in one: "blk.3.ffn_down") as {@code type} instead of {@code weightType}:
         * narrows a numerical difference down to one product.
         */
        public Spec withTensorType(String name, GgmlType type) {
            Map<String, GgmlType> types = new LinkedHashMap<>(tensorTypes);
            types.put(name, type);
            return new Spec(arch, vocab, dim, layers, heads, kvHeads, headDim, ffn, contextLength, ropeTheta, rmsEps,
                    tiedEmbeddings, weightType, embeddingType, outputType, outputScale, seed, ropeScaling, types);
        }

        /** The type layer weight {@code name} (e.g. "ffn_down") is stored in, unless a layer says otherwise. */
        public GgmlType layerType(String name) {
            return tensorTypes.getOrDefault(name, weightType);
        }

        /** The type of {@code name} in layer {@code layer}: a per-layer key ("blk.3.ffn_down") before a per-name one. */
        public GgmlType layerType(int layer, String name) {
            GgmlType t = tensorTypes.get("blk." + layer + "." + name);
            return t != null ? t : layerType(name);
        }

        /**
         * The types llama.cpp's {@code llama-quantize ... Q4_K_M} picks for this shape (llama-quant.cpp, no importance
         * matrix): Q4_K, except the classifier (token_embd when tied) Q6_K, and attn_v and ffn_down Q6_K in the layers
         * {@code use_more_bits} picks (the first and last eighth, every third between); a tensor whose rows are not a
         * multiple of 256 falls back as llama.cpp's does (Q4_K to Q5_0, Q6_K to Q8_0): Qwen2.5-0.5B's 896-wide
         * matrices are Q5_0 / Q8_0 in real Q4_K_M files.
         */
        public Spec withQ4_K_M() {
            Spec s = withType(GgmlType.Q4_K);
            GgmlType classifier = kQuantFallback(GgmlType.Q6_K, dim);
            s = s.withEmbeddingTypes(tiedEmbeddings ? classifier : kQuantFallback(GgmlType.Q4_K, dim), classifier);
            int qDim = heads * headDim;
            for (int i = 0; i < layers; i++) {
                String p = "blk." + i + ".";
                GgmlType base = kQuantFallback(GgmlType.Q4_K, dim);
                for (String name : new String[] {"attn_q", "attn_k", "ffn_gate", "ffn_up"}) s = s.withTensorType(p + name, base);
                s = s.withTensorType(p + "attn_v", kQuantFallback(useMoreBits(i, layers) ? GgmlType.Q6_K : GgmlType.Q4_K, dim));
                s = s.withTensorType(p + "attn_output", kQuantFallback(GgmlType.Q4_K, qDim));
                s = s.withTensorType(p + "ffn_down", kQuantFallback(useMoreBits(i, layers) ? GgmlType.Q6_K : GgmlType.Q4_K, ffn));
            }
            return s;
        }

        /** llama-quant.cpp's use_more_bits: the first and last eighth of the layers and every third one between. */
        static boolean useMoreBits(int layer, int layers) {
            return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
        }

        /** llama-quant.cpp's fallback for a K-quant whose row length {@code cols} is not a multiple of 256. */
        static GgmlType kQuantFallback(GgmlType type, int cols) {
            if (cols % type.blockSize == 0) return type;
            return switch (type) {
                case Q4_K -> GgmlType.Q5_0;
                case Q5_K -> GgmlType.Q5_1;
                case Q6_K -> GgmlType.Q8_0;
                default -> throw new IllegalArgumentException("no fallback for " + type + " with rows of " + cols);
            };
        }

        /** Qwen2.5-0.5B's shape: dim 896, 24 layers, 14 / 2 heads of 64, ffn 4864, tied embeddings. */
        public static Spec qwen25_05b(Path vocab) {
            return new Spec(Arch.QWEN2, vocab, 896, 24, 14, 2, 64, 4864, 32768, 1000000f, 1e-6f, true,
                    GgmlType.F32, null, null, 1f, 1, null);
        }

        /** Qwen3-0.6B's shape: dim 1024, 28 layers, 16 / 8 heads of 128, ffn 3072, tied: every row a multiple of 256. */
        public static Spec qwen3_06b(Path vocab) {
            return new Spec(Arch.QWEN3, vocab, 1024, 28, 16, 8, 128, 3072, 40960, 1000000f, 1e-6f, true,
                    GgmlType.F32, null, null, 1f, 1, null);
        }

        public GgmlType effectiveEmbeddingType() {
            return embeddingType != null ? embeddingType : weightType;
        }

        public GgmlType effectiveOutputType() {
            return outputType != null ? outputType : weightType;
        }

        /** A short file-name friendly description, e.g. {@code qwen3-d64-l2-h4kv2-F16-s1}. */
        public String label() {
            return arch.ggufName + "-d" + dim + "-l" + layers + "-h" + heads + "kv" + kvHeads + "-" + weightType + "-s" + seed;
        }
    }

    /** The vocab GGUF under {@code <shared>/models/vocab}: {@code name} is e.g. "qwen2", "llama-bpe", "llama-spm". */
    public static Path vocab(Path shared, String name) {
        return shared.resolve("models/vocab/ggml-vocab-" + name + ".gguf");
    }

    /** The vocab that belongs with an architecture: llama-bpe (Llama 3) for llama, qwen2 for qwen2 and qwen3. */
    public static Path defaultVocab(Path shared, Arch arch) {
        return vocab(shared, arch == Arch.LLAMA ? "llama-bpe" : "qwen2");
    }

    /** Writes the model to {@code file} (atomically) and returns {@code file}. */
    public static Path write(Spec spec, Path file) throws IOException {
        GgufWriter w = new GgufWriter();
        String a = spec.arch.ggufName;
        GgufMetadata tokenizer = tokenizerMetadata(spec.vocab);
        String[] tokens = tokenizer.getStringArray("tokenizer.ggml.tokens")
                .orElseThrow(() -> new IllegalArgumentException(spec.vocab + " has no tokenizer.ggml.tokens"));
        int vocabSize = tokens.length;

        w.putString("general.architecture", a);
        w.putString("general.name", "srm4j-synthetic-" + spec.label());
        w.putUInt32("general.file_type", fileType(spec.weightType));
        w.putUInt32(a + ".vocab_size", vocabSize);
        w.putUInt32(a + ".context_length", spec.contextLength);
        w.putUInt32(a + ".embedding_length", spec.dim);
        w.putUInt32(a + ".block_count", spec.layers);
        w.putUInt32(a + ".feed_forward_length", spec.ffn);
        w.putUInt32(a + ".attention.head_count", spec.heads);
        w.putUInt32(a + ".attention.head_count_kv", spec.kvHeads);
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", spec.rmsEps);
        w.putFloat32(a + ".rope.freq_base", spec.ropeTheta);
        w.putUInt32(a + ".rope.dimension_count", spec.headDim);
        if (spec.arch == Arch.QWEN3) {
            w.putUInt32(a + ".attention.key_length", spec.headDim);
            w.putUInt32(a + ".attention.value_length", spec.headDim);
        }
        if (spec.ropeScaling != null) {
            w.putString(a + ".rope.scaling.type", spec.ropeScaling.type());
            w.putFloat32(a + ".rope.scaling.factor", spec.ropeScaling.factor());
            if (spec.ropeScaling.originalContextLength() > 0) {
                w.putUInt32(a + ".rope.scaling.original_context_length", spec.ropeScaling.originalContextLength());
            }
        }
        w.putAll(tokenizer);

        Weights weights = new Weights(spec.seed);
        int dim = spec.dim, qDim = spec.heads * spec.headDim, kvDim = spec.kvHeads * spec.headDim;
        // Small embeddings: the residual stream is then dominated by what the layers add rather than by the current
        // token, which keeps a tied classifier (logit = embedding . state) from echoing its input token forever.
        double embeddingStd = 0.1;
        double classifierStd = spec.tiedEmbeddings ? embeddingStd : 1 / Math.sqrt(dim);
        matrix(w, "token_embd.weight", spec.effectiveEmbeddingType(), dim, vocabSize, weights.gaussian("token_embd.weight", dim * (long) vocabSize, embeddingStd));
        // The final norm's gain sets the logit spread (real models' final norms have large gains too): standard
        // deviation about 4 * outputScale, so top-1 margins are usually far above F16/BF16 rounding noise.
        double gain = 4 * spec.outputScale / (classifierStd * Math.sqrt(dim));
        float[] outputNorm = weights.norm("output_norm.weight", dim);
        for (int i = 0; i < dim; i++) outputNorm[i] *= (float) gain;
        vector(w, "output_norm.weight", outputNorm);
        if (!spec.tiedEmbeddings) {
            matrix(w, "output.weight", spec.effectiveOutputType(), dim, vocabSize, weights.gaussian("output.weight", dim * (long) vocabSize, classifierStd));
        }
        for (int i = 0; i < spec.layers; i++) {
            String p = "blk." + i + ".";
            vector(w, p + "attn_norm.weight", weights.norm(p + "attn_norm.weight", dim));
            // Query/key scale 1/sqrt(dim) gives unit-variance q and k entries, so scores q.k/sqrt(hd) are O(1):
            // attention neither uniform nor one-hot.
            matrix(w, p + "attn_q.weight", spec.layerType(i, "attn_q"), dim, qDim, weights.gaussian(p + "attn_q.weight", (long) dim * qDim, 1.5 / Math.sqrt(dim)));
            matrix(w, p + "attn_k.weight", spec.layerType(i, "attn_k"), dim, kvDim, weights.gaussian(p + "attn_k.weight", (long) dim * kvDim, 1.5 / Math.sqrt(dim)));
            matrix(w, p + "attn_v.weight", spec.layerType(i, "attn_v"), dim, kvDim, weights.gaussian(p + "attn_v.weight", (long) dim * kvDim, 1 / Math.sqrt(dim)));
            if (spec.arch == Arch.QWEN2) {
                vector(w, p + "attn_q.bias", weights.gaussian(p + "attn_q.bias", qDim, 0.5));
                vector(w, p + "attn_k.bias", weights.gaussian(p + "attn_k.bias", kvDim, 0.5));
                vector(w, p + "attn_v.bias", weights.gaussian(p + "attn_v.bias", kvDim, 0.1));
            }
            if (spec.arch == Arch.QWEN3) {
                vector(w, p + "attn_q_norm.weight", weights.norm(p + "attn_q_norm.weight", spec.headDim));
                vector(w, p + "attn_k_norm.weight", weights.norm(p + "attn_k_norm.weight", spec.headDim));
            }
            matrix(w, p + "attn_output.weight", spec.layerType(i, "attn_output"), qDim, dim, weights.gaussian(p + "attn_output.weight", (long) qDim * dim, 1 / Math.sqrt(qDim)));
            vector(w, p + "ffn_norm.weight", weights.norm(p + "ffn_norm.weight", dim));
            matrix(w, p + "ffn_gate.weight", spec.layerType(i, "ffn_gate"), dim, spec.ffn, weights.gaussian(p + "ffn_gate.weight", (long) dim * spec.ffn, 1.5 / Math.sqrt(dim)));
            matrix(w, p + "ffn_up.weight", spec.layerType(i, "ffn_up"), dim, spec.ffn, weights.gaussian(p + "ffn_up.weight", (long) dim * spec.ffn, 1 / Math.sqrt(dim)));
            matrix(w, p + "ffn_down.weight", spec.layerType(i, "ffn_down"), spec.ffn, dim, weights.gaussian(p + "ffn_down.weight", (long) spec.ffn * dim, 1 / Math.sqrt(spec.ffn)));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
        return file;
    }

    /** The {@code tokenizer.*} entries of a vocab GGUF (its other keys describe some other model's shape). */
    static GgufMetadata tokenizerMetadata(Path vocab) throws IOException {
        try (GgufFile f = GgufFile.open(vocab)) {
            GgufMetadata m = f.metadata();
            Map<String, Object> values = new LinkedHashMap<>();
            Map<String, GgufValueType> types = new LinkedHashMap<>();
            for (var e : m.asMap().entrySet()) {
                if (e.getKey().startsWith("tokenizer.")) {
                    values.put(e.getKey(), e.getValue());
                    types.put(e.getKey(), m.typeOf(e.getKey()));
                }
            }
            // Values are decoded onto the heap by the reader, so they outlive the mapping closed here.
            return new GgufMetadata(values, types);
        }
    }

    /** llama.cpp's LLAMA_FTYPE of a file whose weights are mostly {@code type} (informational only). */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q3_K -> 12; // Q3_K_M
            case Q4_K -> 15; // Q4_K_M
            case Q5_K -> 17; // Q5_K_M
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> 0;
        };
    }

    private static void vector(GgufWriter w, String name, float[] values) {
        w.addTensor(name, new long[] {values.length}, values);
    }

    /** A weight of {@code rows} rows of {@code cols} elements (GGUF shape [cols, rows]) stored as {@code type}. */
    private static void matrix(GgufWriter w, String name, GgmlType type, int cols, int rows, float[] values) {
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": row length " + cols + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        w.addTensor(name, type, new long[] {cols, rows}, encode(type, values, cols));
    }

    /** Encodes row-major floats (rows of {@code rowLength}) into {@code type}'s on-disk layout. */
    static byte[] encode(GgmlType type, float[] values, int rowLength) {
        int rows = values.length / rowLength;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(type.rowBytes(rowLength) * rows)).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (float v : values) out.putFloat(v);
            }
            case F16 -> {
                for (float v : values) out.putShort(Float.floatToFloat16(v)); // round to nearest even, as ggml/F16C
            }
            case BF16 -> {
                for (float v : values) out.putShort(toBf16(v));
            }
            // Block types: ggml's reference quantisers (Quantize follows quantize_row_*_ref, byte for byte where ggml is
            // deterministic), as llama-quantize would write them without an importance matrix.
            default -> {
                for (int r = 0; r < rows; r++) out.put(Quantize.row(type, values, r * rowLength, rowLength));
            }
        }
        return out.array();
    }

    /** ggml_compute_fp32_to_bf16: round to nearest even, NaNs kept quiet. */
    static short toBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** Seeded weight values; each tensor's stream depends only on (seed, tensor name). */
    private record Weights(long seed) {
        SplittableRandom random(String name) {
            long h = seed * 0x9E3779B97F4A7C15L;
            for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ b) * 0x100000001B3L;
            return new SplittableRandom(h);
        }

        float[] gaussian(String name, long count, double std) {
            float[] v = new float[Math.toIntExact(count)];
            SplittableRandom r = random(name);
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * std);
            return v;
        }

        /** RMS-norm gains near 1, varied so that a wrong element order in a norm shows up. */
        float[] norm(String name, int n) {
            float[] v = new float[n];
            SplittableRandom r = random(name);
            for (int i = 0; i < n; i++) v[i] = (float) (1 + 0.2 * r.nextGaussian());
            return v;
        }
    }

    /**
     * Writes a model-sized benchmark file: {@code SHAPE MIX VOCAB OUT} with SHAPE {@code qwen2.5-0.5b} or
     * {@code qwen3-0.6b}, MIX {@code Q4_K_M} ({@link Spec#withQ4_K_M}) or one type for every matrix (e.g. {@code Q6_K}),
     * VOCAB a vocab GGUF (the tokenizer is copied from it). scripts/bench-side-by-side.sh calls this; needs ~3 GB heap.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: SyntheticModels qwen2.5-0.5b|qwen3-0.6b Q4_K_M|TYPE VOCAB.gguf OUT.gguf");
            System.exit(2);
        }
        Path vocab = Path.of(args[2]);
        Spec spec = switch (args[0]) {
            case "qwen2.5-0.5b" -> Spec.qwen25_05b(vocab);
            case "qwen3-0.6b" -> Spec.qwen3_06b(vocab);
            default -> throw new IllegalArgumentException("unknown shape " + args[0] + " (qwen2.5-0.5b, qwen3-0.6b)");
        };
        spec = args[1].equalsIgnoreCase("Q4_K_M") ? spec.withQ4_K_M() : spec.withType(GgmlType.valueOf(args[1].toUpperCase(java.util.Locale.ROOT)));
        Path out = Path.of(args[3]), tmp = out.resolveSibling(out.getFileName() + ".tmp");
        write(spec, tmp);
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.err.println("wrote " + out + " (" + Files.size(out) / 1_000_000 + " MB)");
    }

    /** Convenience for tests: writes into a directory, named after the spec. */
    public static Path writeInto(Spec spec, Path dir) {
        try {
            return write(spec, dir.resolve(spec.label() + ".gguf"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
