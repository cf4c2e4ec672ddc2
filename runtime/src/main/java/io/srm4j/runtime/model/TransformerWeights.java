package io.srm4j.runtime.model;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.gguf.GgufTensorInfo;
import io.srm4j.runtime.tensor.Dequantize;
import io.srm4j.runtime.tensor.Matrix;

import java.util.Arrays;

/**
 * The tensors of a transformer, checked against its {@link ModelConfig}. Matrices stay in the mapped file;
 * small vectors (norms, biases) are dequantised to float arrays.
 */
public record TransformerWeights(
        Matrix tokenEmbedding,
        Layer[] layers,
        float[] outputNorm,
        Matrix output,
        float[] ropeFreqFactors) {

    /** One decoder block. Optional parts are null when the architecture has none. */
    public record Layer(
            float[] attnNorm,
            Matrix wq, Matrix wk, Matrix wv, Matrix wo,
            float[] bq, float[] bk, float[] bv,
            float[] qNorm, float[] kNorm,
            float[] ffnNorm,
            Matrix wGate, Matrix wUp, Matrix wDown) {}

    public static TransformerWeights load(GgufFile file, ModelConfig c) throws GgufFormatException {
        Loader l = new Loader(file);
        Matrix embed = l.matrix("token_embd.weight", c.vocabSize(), c.embeddingLength());
        Layer[] layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "blk." + i + ".";
            layers[i] = new Layer(
                    l.vector(p + "attn_norm.weight", c.embeddingLength()),
                    l.matrix(p + "attn_q.weight", c.queryDim(), c.embeddingLength()),
                    l.matrix(p + "attn_k.weight", c.kvDim(), c.embeddingLength()),
                    l.matrix(p + "attn_v.weight", c.kvValueDim(), c.embeddingLength()),
                    l.matrix(p + "attn_output.weight", c.embeddingLength(), c.heads() * c.valueDim()),
                    l.optionalVector(p + "attn_q.bias", c.queryDim()),
                    l.optionalVector(p + "attn_k.bias", c.kvDim()),
                    l.optionalVector(p + "attn_v.bias", c.kvValueDim()),
                    l.optionalVector(p + "attn_q_norm.weight", c.headDim()),
                    l.optionalVector(p + "attn_k_norm.weight", c.headDim()),
                    l.vector(p + "ffn_norm.weight", c.embeddingLength()),
                    l.matrix(p + "ffn_gate.weight", c.feedForwardLength(), c.embeddingLength()),
                    l.matrix(p + "ffn_up.weight", c.feedForwardLength(), c.embeddingLength()),
                    l.matrix(p + "ffn_down.weight", c.embeddingLength(), c.feedForwardLength()));
        }
        float[] outNorm = l.vector("output_norm.weight", c.embeddingLength());
        // Tied embeddings: llama.cpp falls back to token_embd when output.weight is absent.
        Matrix output = file.hasTensor("output.weight") ? l.matrix("output.weight", c.vocabSize(), c.embeddingLength()) : embed;
        float[] ropeFreqs = l.optionalVector("rope_freqs.weight", c.ropeDims() / 2);
        return new TransformerWeights(embed, layers, outNorm, output, ropeFreqs);
    }

    private record Loader(GgufFile file) {
        GgufTensorInfo info(String name) throws GgufFormatException {
            GgufTensorInfo t = file.tensor(name);
            if (t == null) throw new GgufFormatException(file.path() + ": tensor '" + name + "' is missing");
            if (!t.type().isSupported()) {
                throw new GgufFormatException(file.path() + ": tensor '" + name + "' has type " + t.type()
                        + ", which srm4j does not support (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K..Q6_K)");
            }
            return t;
        }

        Matrix matrix(String name, int rows, int cols) throws GgufFormatException {
            GgufTensorInfo t = info(name);
            long[] s = t.shape();
            boolean ok = s.length >= 2 && s[0] == cols && s[1] == rows;
            for (int i = 2; i < s.length; i++) ok &= s[i] == 1;
            if (!ok) {
                throw new GgufFormatException(file.path() + ": tensor '" + name + "' has shape " + Arrays.toString(s)
                        + ", expected [" + cols + ", " + rows + "] from the model's metadata");
            }
            return new Matrix(name, t.type(), rows, cols, file.data(t));
        }

        float[] vector(String name, int n) throws GgufFormatException {
            GgufTensorInfo t = info(name);
            if (t.elementCount() != n) {
                throw new GgufFormatException(file.path() + ": tensor '" + name + "' has " + t.elementCount()
                        + " elements, expected " + n + " from the model's metadata");
            }
            float[] v = new float[n];
            Dequantize.row(t.type(), file.data(t), 0, v, 0, n);
            return v;
        }

        float[] optionalVector(String name, int n) throws GgufFormatException {
            return file.hasTensor(name) ? vector(name, n) : null;
        }
    }
}
