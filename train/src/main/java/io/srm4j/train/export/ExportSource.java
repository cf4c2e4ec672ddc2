package io.srm4j.train.export;

import io.srm4j.runtime.gguf.GgufArray;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.gguf.GgufTensorInfo;
import io.srm4j.runtime.gguf.GgufValueType;
import io.srm4j.runtime.model.ModelConfig;
import io.srm4j.runtime.tensor.Dequantize;
import io.srm4j.train.model.Parameter;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What every export format writes: GGUF-style metadata (architecture, hyper-parameters, tokenizer) and the weights
 * as float tensors under their GGUF names. Made from a trained {@link TransformerModel} or from any GGUF file the
 * runtime can run (dequantised tensor by tensor when asked for, so a large file is never held as floats whole).
 */
public final class ExportSource {
    /**
     * One tensor. {@code shape} lists dimensions fastest-first as GGUF does ({cols, rows} for a matrix);
     * {@code values} produces its floats row-major (a fresh array or the model's own; callers do not modify it).
     */
    public record Tensor(String name, long[] shape, Supplier<float[]> values) {
        public Tensor {
            if (shape.length < 1 || shape.length > 2) throw new IllegalArgumentException("tensor " + name + " has " + shape.length + " dimensions; export handles 1 or 2");
            shape = shape.clone();
        }

        public int cols() {
            return Math.toIntExact(shape[0]);
        }

        public int rows() {
            return shape.length == 1 ? 1 : Math.toIntExact(shape[1]);
        }

        public boolean isMatrix() {
            return shape.length == 2;
        }
    }

    private final GgufMetadata metadata;
    private final List<Tensor> tensors;
    private final ModelConfig config;

    private ExportSource(GgufMetadata metadata, List<Tensor> tensors) throws GgufFormatException {
        this.metadata = metadata;
        this.tensors = List.copyOf(tensors);
        Tensor embedding = tensor("token_embd.weight");
        if (embedding == null) throw new GgufFormatException("the model has no token_embd.weight");
        this.config = ModelConfig.fromMetadata(metadata, embedding.rows());
    }

    /** A trained model with a vocabulary made here (see {@link Vocabulary}). */
    public static ExportSource of(TransformerModel model, Vocabulary vocab, String name) {
        if (vocab.size() != model.config().vocab()) {
            throw new IllegalArgumentException("vocabulary has " + vocab.size() + " tokens, the model " + model.config().vocab());
        }
        Meta m = modelMetadata(model, name);
        m.put("tokenizer.ggml.model", GgufValueType.STRING, "llama");
        m.put("tokenizer.ggml.tokens", GgufValueType.ARRAY, new GgufArray(GgufValueType.STRING, vocab.tokens().toArray(String[]::new)));
        m.put("tokenizer.ggml.scores", GgufValueType.ARRAY, new GgufArray(GgufValueType.FLOAT32, vocab.scores()));
        m.put("tokenizer.ggml.token_type", GgufValueType.ARRAY, new GgufArray(GgufValueType.INT32, vocab.types()));
        m.put("tokenizer.ggml.unknown_token_id", GgufValueType.UINT32, vocab.unk());
        m.put("tokenizer.ggml.bos_token_id", GgufValueType.UINT32, vocab.bos());
        m.put("tokenizer.ggml.eos_token_id", GgufValueType.UINT32, vocab.eos());
        return build(m, model);
    }

    /**
     * A trained model with the tokenizer (every {@code tokenizer.*} entry, chat template included) of another file,
     * typically the one it was loaded from or a vocabulary-only GGUF.
     */
    public static ExportSource of(TransformerModel model, GgufMetadata tokenizerSource, String name) {
        String[] tokens = tokenizerSource.getStringArray("tokenizer.ggml.tokens").orElseThrow(() ->
                new IllegalArgumentException("the tokenizer source has no tokenizer.ggml.tokens"));
        if (tokens.length != model.config().vocab()) {
            throw new IllegalArgumentException("the source tokenizer has " + tokens.length + " tokens, the model " + model.config().vocab());
        }
        Meta m = modelMetadata(model, name);
        for (var e : tokenizerSource.asMap().entrySet()) {
            if (e.getKey().startsWith("tokenizer.")) m.put(e.getKey(), tokenizerSource.typeOf(e.getKey()), e.getValue());
        }
        return build(m, model);
    }

    /**
     * Every tensor and metadata entry of a GGUF model the runtime supports, any tensor type it reads. The file must
     * stay open while the source is written out.
     */
    public static ExportSource of(GgufFile file) throws GgufFormatException {
        List<Tensor> ts = new ArrayList<>();
        for (GgufTensorInfo info : file.tensors()) {
            if (!info.type().isSupported()) {
                throw new GgufFormatException(file.path() + ": tensor " + info.name() + " is " + info.type() + ", which srm4j cannot read");
            }
            long[] shape = info.shape();
            for (int i = 2; i < shape.length; i++) {
                if (shape[i] != 1) throw new GgufFormatException(file.path() + ": tensor " + info.name() + " has shape " + java.util.Arrays.toString(shape) + "; export handles matrices and vectors");
            }
            long[] s = shape.length >= 2 && shape[1] != 1 ? new long[]{shape[0], shape[1]} : new long[]{shape[0]};
            if (info.elementCount() > Integer.MAX_VALUE - 16) {
                throw new GgufFormatException(file.path() + ": tensor " + info.name() + " has " + info.elementCount() + " values, too many for one array");
            }
            ts.add(new Tensor(info.name(), s, () -> dequantize(file, info)));
        }
        return new ExportSource(file.metadata(), ts).checked();
    }

    private static float[] dequantize(GgufFile file, GgufTensorInfo info) {
        int cols = Math.toIntExact(info.shape()[0]);
        int rows = Math.toIntExact(info.rows());
        float[] out = new float[Math.multiplyExact(rows, cols)];
        var data = file.data(info);
        long rowBytes = info.type().rowBytes(cols);
        for (int r = 0; r < rows; r++) Dequantize.row(info.type(), data, r * rowBytes, out, r * cols, cols);
        return out;
    }

    private ExportSource checked() throws GgufFormatException {
        String arch = config.architecture();
        if (arch.equals("granite")) throw new GgufFormatException("granite models carry extra scale factors that export does not handle");
        return this;
    }

    private static Meta modelMetadata(TransformerModel model, String name) {
        TransformerConfig c = model.config();
        String a = c.architecture() + ".";
        Meta m = new Meta();
        m.put("general.architecture", GgufValueType.STRING, c.architecture());
        m.put("general.name", GgufValueType.STRING, name);
        m.put(a + "context_length", GgufValueType.UINT32, c.context());
        m.put(a + "embedding_length", GgufValueType.UINT32, c.dim());
        m.put(a + "block_count", GgufValueType.UINT32, c.layers());
        m.put(a + "feed_forward_length", GgufValueType.UINT32, c.ffn());
        m.put(a + "attention.head_count", GgufValueType.UINT32, c.heads());
        m.put(a + "attention.head_count_kv", GgufValueType.UINT32, c.kvHeads());
        m.put(a + "rope.dimension_count", GgufValueType.UINT32, c.headDim());
        m.put(a + "rope.freq_base", GgufValueType.FLOAT32, c.ropeTheta());
        m.put(a + "attention.layer_norm_rms_epsilon", GgufValueType.FLOAT32, c.eps());
        return m;
    }

    private static ExportSource build(Meta m, TransformerModel model) {
        List<Tensor> ts = new ArrayList<>();
        TransformerConfig c = model.config();
        for (Parameter p : model.parameters()) {
            var t = p.tensor();
            long[] shape = t.rank() == 1 ? new long[]{t.dim(0)} : new long[]{t.dim(1), t.dim(0)};
            ts.add(new Tensor(p.name(), shape, t::data));
            if (c.architecture().equals("qwen2") && p.name().endsWith(".attn_v.weight")) {
                // llama.cpp's qwen2 loader (de.kherud's build among others) requires q/k/v biases; zeros change nothing
                String layer = p.name().substring(0, p.name().length() - "attn_v.weight".length());
                int q = c.heads() * c.headDim(), kv = c.kvDim();
                ts.add(new Tensor(layer + "attn_q.bias", new long[]{q}, () -> new float[q]));
                ts.add(new Tensor(layer + "attn_k.bias", new long[]{kv}, () -> new float[kv]));
                ts.add(new Tensor(layer + "attn_v.bias", new long[]{kv}, () -> new float[kv]));
            }
        }
        try {
            return new ExportSource(m.toMetadata(), ts);
        } catch (GgufFormatException e) {
            throw new IllegalStateException("a trained model's own metadata does not parse: " + e.getMessage(), e);
        }
    }

    /** Metadata in insertion order with the GGUF type of each value. */
    private static final class Meta {
        final Map<String, Object> values = new LinkedHashMap<>();
        final Map<String, GgufValueType> types = new LinkedHashMap<>();

        void put(String key, GgufValueType type, Object value) {
            values.put(key, value);
            types.put(key, type);
        }

        GgufMetadata toMetadata() {
            return new GgufMetadata(values, types);
        }
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    /** The tensor with this GGUF name, or null. */
    public Tensor tensor(String name) {
        for (Tensor t : tensors) if (t.name().equals(name)) return t;
        return null;
    }

    /** The runtime's reading of the hyper-parameters. */
    public ModelConfig config() {
        return config;
    }

    /** Whether the output layer is the token embedding (no output.weight). */
    public boolean tiedOutput() {
        return tensor("output.weight") == null;
    }
}
