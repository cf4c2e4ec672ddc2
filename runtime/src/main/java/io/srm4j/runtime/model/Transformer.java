package io.srm4j.runtime.model;

import io.srm4j.runtime.tensor.MatMul;
import io.srm4j.runtime.tensor.Matrix;

/**
 * The decoder-only transformer shared by every supported family (Llama, Qwen2, Qwen3, ...): RMSNorm, rotary
 * attention with grouped KV heads, SwiGLU feed-forward. Family differences (biases, q/k norms, RoPE style and
 * scaling, tied output) come from {@link ModelConfig} and the tensors present.
 *
 * <p>Numerics follow ggml's CPU backend where it matters for token-for-token agreement with llama.cpp:
 * RMSNorm and softmax sums in double, RoPE angles advanced by repeated multiplication in float, keys and values
 * cached as half floats with the query rounded to half for the key dot product.
 */
public final class Transformer {
    /** Prompt tokens processed together (matrix-matrix) per forward block. */
    public static final int MAX_BLOCK = 64;

    private final ModelConfig c;
    private final TransformerWeights w;
    private final float[] ropeThetaScales; // per rotated pair: base^(-2i/n) as ggml computes it, divided by freq factors
    private final float ropeMscale;
    private final float ropeCorrLow, ropeCorrHigh;

    /**
     * Receives intermediate results for diagnostics (comparing with llama.cpp op by op): {@code name} as llama.cpp
     * names the tensor (e.g. "ffn_inp"), the layer (-1 after the last), and {@code rows} rows of {@code width} values.
     */
    public interface Trace {
        void tensor(String name, int layer, float[] data, int rows, int width);
    }

    private volatile Trace trace;

    /** Installs (or with null removes) a {@link Trace}; costs nothing when none is installed. */
    public void setTrace(Trace t) {
        trace = t;
    }

    private void trace(String name, int layer, float[] data, int rows, int width) {
        Trace t = trace;
        if (t != null) t.tensor(name, layer, data, rows, width);
    }

    public Transformer(ModelConfig config, TransformerWeights weights) {
        this.c = config;
        this.w = weights;
        int pairs = c.ropeDims() / 2;
        ropeThetaScales = new float[pairs];
        float thetaScale = (float) Math.pow(c.ropeTheta(), -2.0 / c.ropeDims());
        float t = 1f;
        for (int i = 0; i < pairs; i++) {
            float ff = weights.ropeFreqFactors() != null ? weights.ropeFreqFactors()[i] : 1f;
            ropeThetaScales[i] = t / ff;
            t *= thetaScale;
        }
        RopeScaling rs = c.ropeScaling();
        ropeMscale = rs.attnFactor();
        if (rs.type() == RopeScaling.Type.YARN) {
            ropeCorrLow = Math.max(0, (float) Math.floor(yarnCorrDim(c.ropeDims(), rs.originalContextLength(), rs.yarnBetaFast(), c.ropeTheta())));
            ropeCorrHigh = Math.min(c.ropeDims() - 1, (float) Math.ceil(yarnCorrDim(c.ropeDims(), rs.originalContextLength(), rs.yarnBetaSlow(), c.ropeTheta())));
        } else {
            ropeCorrLow = ropeCorrHigh = 0;
        }
    }

    /** Builds the transformer described by a GGUF file's metadata and tensors. */
    public static Transformer fromGguf(io.srm4j.runtime.gguf.GgufFile file) throws io.srm4j.runtime.gguf.GgufFormatException {
        var embd = file.tensor("token_embd.weight");
        if (embd == null || embd.shape().length < 2) {
            throw new io.srm4j.runtime.gguf.GgufFormatException(file.path() + ": tensor 'token_embd.weight' is missing or not a matrix");
        }
        long vocab = embd.shape()[1];
        if (vocab > Integer.MAX_VALUE) throw new io.srm4j.runtime.gguf.GgufFormatException("vocabulary too large: " + vocab);
        ModelConfig config = ModelConfig.fromMetadata(file.metadata(), (int) vocab);
        return new Transformer(config, TransformerWeights.load(file, config));
    }

    private static float yarnCorrDim(int nDims, int nCtxOrig, float nRot, float base) {
        return (float) (nDims * Math.log(nCtxOrig / (nRot * 2 * Math.PI)) / (2 * Math.log(base)));
    }

    public ModelConfig config() {
        return c;
    }

    public TransformerWeights weights() {
        return w;
    }

    /** Scratch buffers for one forward block; reuse across calls of one thread. */
    public final class Scratch {
        final int block;
        final float[] x, xb, q, k, v, att, ffnGate, ffnUp, out, logits, qh;
        float[] scores; // grows with the context
        float[] batchLogits = new float[0];
        final KvCache[] rowCache;
        final int[] rowPos;

        public Scratch(int block) {
            this.block = block;
            int dim = c.embeddingLength();
            x = new float[block * dim];
            xb = new float[block * Math.max(dim, c.heads() * c.valueDim())];
            q = new float[block * c.queryDim()];
            k = new float[block * c.kvDim()];
            v = new float[block * c.kvValueDim()];
            att = new float[block * c.heads() * c.valueDim()];
            ffnGate = new float[block * c.feedForwardLength()];
            ffnUp = new float[block * c.feedForwardLength()];
            out = new float[block * dim];
            scores = new float[256];
            logits = new float[c.vocabSize()];
            qh = new float[c.headDim()];
            rowCache = new KvCache[block];
            rowPos = new int[block];
        }

        /** Most rows one forward pass takes. */
        public int rowCapacity() {
            return block;
        }
    }

    public Scratch newScratch() {
        return new Scratch(MAX_BLOCK);
    }

    /**
     * Runs {@code tokens[from .. from+count)} at the next positions of {@code cache} and returns the logits after the
     * last of them (a view of the scratch buffer, valid until the next call).
     */
    public float[] forward(KvCache cache, int[] tokens, int from, int count, Scratch s) {
        if (count <= 0) throw new IllegalArgumentException("nothing to evaluate");
        checkTokens(tokens, from, count);
        cache.reserve(count);
        int done = 0;
        while (done < count) {
            int n = Math.min(s.block, count - done);
            for (int r = 0; r < n; r++) {
                s.rowCache[r] = cache;
                s.rowPos[r] = cache.length() + r;
            }
            forwardRows(tokens, from + done, n, s);
            cache.advance(n);
            done += n;
        }
        // The last block left its final token's hidden state in row (its size - 1) of s.x.
        int dim = c.embeddingLength();
        int lastRow = (count - 1) % s.block;
        rmsNorm(s.xb, 0, s.x, lastRow * dim, w.outputNorm(), dim);
        trace("result_norm", -1, s.xb, 1, dim);
        MatMul.matVec(w.output(), s.xb, 0, s.logits, 0);
        java.util.Arrays.fill(s.rowCache, null);
        return s.logits;
    }

    /**
     * One forward pass over rows of several sequences at once (batched decoding, chunked prefill): row r evaluates
     * {@code tokens[r]} at the next free position of {@code caches[r]}; a cache may appear in several rows, which
     * then take consecutive positions in row order. Each weight matrix is read once for all rows.
     *
     * @param wantLogits rows whose next-token logits are wanted (null: all)
     * @return the wanted rows' logits, packed in row order ({@code vocab} floats each), a view of the scratch buffer
     */
    public float[] forwardBatch(KvCache[] caches, int[] tokens, int n, boolean[] wantLogits, Scratch s) {
        if (n <= 0 || n > s.block) throw new IllegalArgumentException("batch of " + n + " rows (1.." + s.block + " allowed)");
        checkTokens(tokens, 0, n);
        // positions: each cache continues where it stands, rows of one cache in order
        java.util.IdentityHashMap<KvCache, Integer> counts = new java.util.IdentityHashMap<>();
        for (int r = 0; r < n; r++) {
            int k = counts.merge(caches[r], 1, Integer::sum);
            s.rowCache[r] = caches[r];
            s.rowPos[r] = caches[r].length() + k - 1;
        }
        for (var e : counts.entrySet()) e.getKey().reserve(e.getValue());
        forwardRows(tokens, 0, n, s);
        for (var e : counts.entrySet()) e.getKey().advance(e.getValue());
        int dim = c.embeddingLength(), vocab = c.vocabSize();
        int k = 0;
        for (int r = 0; r < n; r++) {
            if (wantLogits != null && !wantLogits[r]) continue;
            rmsNorm(s.xb, k * dim, s.x, r * dim, w.outputNorm(), dim);
            k++;
        }
        if (s.batchLogits.length < k * vocab) s.batchLogits = new float[k * vocab];
        if (k > 0) matMul(w.output(), s.xb, k, s.batchLogits);
        java.util.Arrays.fill(s.rowCache, null);
        return s.batchLogits;
    }

    private void checkTokens(int[] tokens, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (tokens[i] < 0 || tokens[i] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
        }
    }

    /** The layers over n rows whose caches and positions are in s.rowCache / s.rowPos (already reserved). */
    private void forwardRows(int[] tokens, int from, int n, Scratch s) {
        int dim = c.embeddingLength();
        for (int t = 0; t < n; t++) w.tokenEmbedding().dequantizeRow(tokens[from + t], s.x, t * dim);

        for (int l = 0; l < c.layers(); l++) {
            TransformerWeights.Layer L = w.layers()[l];
            for (int t = 0; t < n; t++) rmsNorm(s.xb, t * dim, s.x, t * dim, L.attnNorm(), dim);
            trace("attn_norm", l, s.xb, n, dim);
            matMul(L.wq(), s.xb, n, s.q);
            matMul(L.wk(), s.xb, n, s.k);
            matMul(L.wv(), s.xb, n, s.v);
            for (int t = 0; t < n; t++) {
                int pos = s.rowPos[t];
                int qo = t * c.queryDim(), ko = t * c.kvDim(), vo = t * c.kvValueDim();
                if (L.bq() != null) addInPlace(s.q, qo, L.bq());
                if (L.bk() != null) addInPlace(s.k, ko, L.bk());
                if (L.bv() != null) addInPlace(s.v, vo, L.bv());
                for (int h = 0; h < c.heads(); h++) {
                    int off = qo + h * c.headDim();
                    if (L.qNorm() != null) rmsNorm(s.q, off, s.q, off, L.qNorm(), c.headDim());
                    rope(s.q, off, pos);
                }
                for (int h = 0; h < c.kvHeads(); h++) {
                    int off = ko + h * c.headDim();
                    if (L.kNorm() != null) rmsNorm(s.k, off, s.k, off, L.kNorm(), c.headDim());
                    rope(s.k, off, pos);
                }
                s.rowCache[t].store(l, pos, s.k, ko, s.v, vo);
            }
            trace("Qcur", l, s.q, n, c.queryDim());
            trace("Kcur", l, s.k, n, c.kvDim());
            trace("Vcur", l, s.v, n, c.kvValueDim());
            for (int t = 0; t < n; t++) {
                attention(s.rowCache[t], l, s.rowPos[t], s.q, t * c.queryDim(), s.att, t * c.heads() * c.valueDim(), s);
            }
            trace("kqv_out", l, s.att, n, c.heads() * c.valueDim());
            matMul(L.wo(), s.att, n, s.out);
            trace("attn_out", l, s.out, n, dim);
            addInPlace(s.x, s.out, n * dim);
            trace("ffn_inp", l, s.x, n, dim);

            for (int t = 0; t < n; t++) rmsNorm(s.xb, t * dim, s.x, t * dim, L.ffnNorm(), dim);
            trace("ffn_norm", l, s.xb, n, dim);
            matMul(L.wGate(), s.xb, n, s.ffnGate);
            matMul(L.wUp(), s.xb, n, s.ffnUp);
            trace("ffn_gate", l, s.ffnGate, n, c.feedForwardLength());
            trace("ffn_up", l, s.ffnUp, n, c.feedForwardLength());
            int ffn = n * c.feedForwardLength();
            for (int i = 0; i < ffn; i++) s.ffnGate[i] = silu(s.ffnGate[i]) * s.ffnUp[i];
            trace("ffn_swiglu", l, s.ffnGate, n, c.feedForwardLength());
            matMul(L.wDown(), s.ffnGate, n, s.out);
            trace("ffn_out", l, s.out, n, dim);
            addInPlace(s.x, s.out, n * dim);
            trace("l_out", l, s.x, n, dim);
        }
    }

    private static void matMul(Matrix m, float[] x, int n, float[] out) {
        if (n == 1) MatMul.matVec(m, x, 0, out, 0);
        else MatMul.matMul(m, x, n, out);
    }

    private void attention(KvCache cache, int layer, int pos, float[] q, int qOff, float[] out, int outOff, Scratch s) {
        int hd = c.headDim(), vd = c.valueDim();
        int group = c.heads() / c.kvHeads();
        boolean f16 = cache.precision() == KvCache.Precision.F16;
        float scale = (float) (1.0 / Math.sqrt(hd));
        int n = pos + 1;
        if (s.scores.length < n) s.scores = new float[Math.max(n, s.scores.length * 2)];
        float[] scores = s.scores;
        float[] qh = s.qh;
        for (int h = 0; h < c.heads(); h++) {
            int kvh = h / group;
            // llama.cpp multiplies the query with an F16 key cache in F16, so round the query the same way.
            for (int i = 0; i < hd; i++) {
                float v = q[qOff + h * hd + i];
                qh[i] = f16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) {
                scores[t] = cache.keyDot(layer, t, kvh * hd, qh, 0, hd) * scale;
                if (scores[t] > max) max = scores[t];
            }
            double sum = 0;
            for (int t = 0; t < n; t++) {
                float e = (float) Math.exp(scores[t] - max);
                scores[t] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            if (trace != null) {
                float[] p = new float[n];
                for (int t = 0; t < n; t++) p[t] = scores[t] * inv;
                trace("kq_soft_max.h" + h, layer, p, 1, n);
            }
            int o = outOff + h * vd;
            for (int i = 0; i < vd; i++) out[o + i] = 0;
            for (int t = 0; t < n; t++) {
                float prob = scores[t] * inv;
                // ...and multiplies the probabilities with an F16 value cache in F16 as well.
                if (f16) prob = Float.float16ToFloat(Float.floatToFloat16(prob));
                cache.addScaledValue(layer, t, kvh * vd, prob, out, o, vd);
            }
        }
    }

    private void rope(float[] x, int off, int pos) {
        int nd = c.ropeDims();
        RopeScaling rs = c.ropeScaling();
        float freqScale = rs.freqScale();
        boolean yarn = rs.type() == RopeScaling.Type.YARN;
        for (int i = 0; i < nd / 2; i++) {
            float thetaExtrap = pos * ropeThetaScales[i];
            float theta = freqScale * thetaExtrap;
            float mscale = ropeMscale;
            if (yarn) {
                float y = (i - ropeCorrLow) / Math.max(0.001f, ropeCorrHigh - ropeCorrLow);
                float rampMix = 1 - Math.min(1, Math.max(0, y));
                theta = theta * (1 - rampMix) + thetaExtrap * rampMix;
                mscale *= 1.0f + 0.1f * (float) Math.log(1.0f / freqScale);
            }
            float cos = (float) Math.cos(theta) * mscale, sin = (float) Math.sin(theta) * mscale;
            int i0, i1;
            if (c.ropeNeox()) {
                i0 = off + i;
                i1 = off + i + nd / 2;
            } else {
                i0 = off + 2 * i;
                i1 = i0 + 1;
            }
            float x0 = x[i0], x1 = x[i1];
            x[i0] = x0 * cos - x1 * sin;
            x[i1] = x0 * sin + x1 * cos;
        }
    }

    private void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (double) (x[xOff + i] * x[xOff + i]);
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + c.rmsNormEps());
        for (int i = 0; i < n; i++) out[outOff + i] = x[xOff + i] * scale * weight[i];
    }

    private static float silu(float x) {
        return x / (1.0f + (float) Math.exp(-x));
    }

    private static void addInPlace(float[] x, int off, float[] b) {
        for (int i = 0; i < b.length; i++) x[off + i] += b[i];
    }

    private static void addInPlace(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) x[i] += y[i];
    }
}
