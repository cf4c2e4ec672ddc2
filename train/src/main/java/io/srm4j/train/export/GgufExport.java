package io.srm4j.train.export;

import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.gguf.GgufWriter;
import io.srm4j.train.model.Parameter;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a trained model as an F32 GGUF the runtime (and llama.cpp) loads: the architecture's hyper-parameters,
 * a SentencePiece-style tokenizer, and the parameters under their GGUF names. GGUF lists dimensions fastest-first,
 * so a [rows][cols] matrix is shape {cols, rows}. A tied output layer writes no output.weight.
 */
public final class GgufExport {
    private GgufExport() {}

    /** The model with a vocabulary made here. */
    public static GgufWriter writer(TransformerModel model, Vocabulary vocab, String name) {
        if (vocab.size() != model.config().vocab()) {
            throw new IllegalArgumentException("vocabulary has " + vocab.size() + " tokens, the model " + model.config().vocab());
        }
        return modelWriter(model, name)
                .putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", vocab.tokens().toArray(String[]::new))
                .putFloats("tokenizer.ggml.scores", vocab.scores())
                .putInts("tokenizer.ggml.token_type", vocab.types())
                .putUInt32("tokenizer.ggml.unknown_token_id", vocab.unk())
                .putUInt32("tokenizer.ggml.bos_token_id", vocab.bos())
                .putUInt32("tokenizer.ggml.eos_token_id", vocab.eos());
    }

    /**
     * The model with the tokenizer (every {@code tokenizer.*} entry, chat template included) of the file it was
     * loaded from: what fine-tuning a downloaded model exports.
     */
    public static GgufWriter writer(TransformerModel model, GgufMetadata tokenizerSource, String name) {
        String[] tokens = tokenizerSource.getStringArray("tokenizer.ggml.tokens").orElseThrow(() ->
                new IllegalArgumentException("the source metadata has no tokenizer.ggml.tokens"));
        if (tokens.length != model.config().vocab()) {
            throw new IllegalArgumentException("the source tokenizer has " + tokens.length + " tokens, the model " + model.config().vocab());
        }
        GgufWriter w = modelWriter(model, name);
        for (var e : tokenizerSource.asMap().entrySet()) {
            if (e.getKey().startsWith("tokenizer.")) w.put(e.getKey(), tokenizerSource.typeOf(e.getKey()), e.getValue());
        }
        return w;
    }

    private static GgufWriter modelWriter(TransformerModel model, String name) {
        TransformerConfig c = model.config();
        String a = c.architecture() + ".";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", c.architecture())
                .putString("general.name", name)
                .putUInt32(a + "context_length", c.context())
                .putUInt32(a + "embedding_length", c.dim())
                .putUInt32(a + "block_count", c.layers())
                .putUInt32(a + "feed_forward_length", c.ffn())
                .putUInt32(a + "attention.head_count", c.heads())
                .putUInt32(a + "attention.head_count_kv", c.kvHeads())
                .putUInt32(a + "rope.dimension_count", c.headDim())
                .putFloat32(a + "rope.freq_base", c.ropeTheta())
                .putFloat32(a + "attention.layer_norm_rms_epsilon", c.eps());
        for (Parameter p : model.parameters()) {
            var t = p.tensor();
            long[] shape = t.rank() == 1 ? new long[]{t.dim(0)} : new long[]{t.dim(1), t.dim(0)};
            w.addTensor(p.name(), shape, t.data());
        }
        return w;
    }

    public static void write(TransformerModel model, Vocabulary vocab, String name, Path path) throws IOException {
        writer(model, vocab, name).write(path);
    }
}
