package io.srm4j.train.export;

import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.gguf.GgufWriter;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.runtime.tensor.Quantize;
import io.srm4j.train.model.TransformerModel;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a model as a GGUF the runtime and llama.cpp load: the architecture's hyper-parameters, the tokenizer and
 * the tensors under their GGUF names, in F32 or a smaller {@link WeightType} (which tensor gets which ggml type
 * follows llama.cpp's quantiser). GGUF lists dimensions fastest-first, so a [rows][cols] matrix is shape
 * {cols, rows}. A tied output layer writes no output.weight.
 */
public final class GgufExport {
    /** llama.cpp's GGML_QNT_VERSION: written by every quantising tool. */
    static final int QUANTIZATION_VERSION = 2;

    private GgufExport() {}

    /** The model in F32 with a vocabulary made here. */
    public static GgufWriter writer(TransformerModel model, Vocabulary vocab, String name) {
        return writer(ExportSource.of(model, vocab, name), WeightType.F32);
    }

    /**
     * The model in F32 with the tokenizer (every {@code tokenizer.*} entry, chat template included) of the file it
     * was loaded from: what fine-tuning a downloaded model exports.
     */
    public static GgufWriter writer(TransformerModel model, GgufMetadata tokenizerSource, String name) {
        return writer(ExportSource.of(model, tokenizerSource, name), WeightType.F32);
    }

    /** Every tensor of {@code source} encoded as {@code type} decides; metadata copied, file type updated. */
    public static GgufWriter writer(ExportSource source, WeightType type) {
        GgufWriter w = new GgufWriter();
        GgufMetadata md = source.metadata();
        for (var e : md.asMap().entrySet()) {
            String k = e.getKey();
            if (k.equals("general.file_type") || k.equals("general.quantization_version")) continue;
            w.put(k, md.typeOf(k), e.getValue());
        }
        w.putUInt32("general.file_type", type.fileType);
        if (type.isQuantized()) w.putUInt32("general.quantization_version", QUANTIZATION_VERSION);
        boolean tied = source.tiedOutput();
        for (ExportSource.Tensor t : source.tensors()) {
            GgmlType g = type.typeFor(t.name(), t.cols(), t.isMatrix(), tied);
            float[] values = t.values().get();
            if (values.length != (long) t.rows() * t.cols()) {
                throw new IllegalStateException("tensor " + t.name() + " has " + values.length + " values for shape " + t.rows() + "x" + t.cols());
            }
            w.addTensor(t.name(), g, t.shape(), Quantize.matrix(g, values, t.rows(), t.cols()));
        }
        return w;
    }

    public static void write(ExportSource source, WeightType type, Path path) throws IOException {
        writer(source, type).write(path);
    }

    public static void write(TransformerModel model, Vocabulary vocab, String name, Path path) throws IOException {
        writer(model, vocab, name).write(path);
    }

    public static void write(TransformerModel model, Vocabulary vocab, String name, WeightType type, Path path) throws IOException {
        write(ExportSource.of(model, vocab, name), type, path);
    }
}
