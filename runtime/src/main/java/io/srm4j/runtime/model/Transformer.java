package io.srm4j.runtime.model;

import io.srm4j.runtime.tensor.GgmlExp;
import io.srm4j.runtime.tensor.GgmlOrderDots;
import io.srm4j.runtime.tensor.MatMul;
import io.srm4j.runtime.tensor.Matrix;
import io.srm4j.runtime.tensor.WorkerPool;

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
    private final float ropeThetaScale; // base^(-2/n): the ratio of consecutive pairs' angles
    private final float ropeMscale;
    private final float ropeCorrLow, ropeCorrHigh;
    /** Per layer, {@code wq, wk, wv}: decode takes them as one product job. */
    private final Matrix[][] qkvWeights;

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
        qkvWeights = new Matrix[weights.layers().length][];
        for (int l = 0; l < qkvWeights.length; l++) {
            TransformerWeights.Layer L = weights.layers()[l];
            qkvWeights[l] = new Matrix[] {L.wq(), L.wk(), L.wv()};
        }
        // ggml: theta_scale = powf(freq_base, -2.0f/n_dims)
        ropeThetaScale = (float) Math.pow(c.ropeTheta(), -2.0f / c.ropeDims());
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
        final float[] x, xb, q, k, v, att, ffnGate, ffnUp, out, logits;
        /** {@code q, k, v} as one decode product's outputs. */
        final float[][] qkv;
        float[] batchLogits = new float[0];
        final KvCache[] rowCache;
        final int[] rowPos;
        final int[] rowsOfCache;
        /** Per row: its Q4_K products in the order of llama.cpp's repacked gemm (else gemv), see RepackedQ4. */
        final boolean[] gemm;
        /** Per row: the rotary cos and sin of each pair at the row's position, shared by every head and layer. */
        final float[] ropeCos, ropeSin;
        /** A decoded token's down projection input, re-armed layer after layer in the same arrays (see MatMul.streamed). */
        MatMul.StreamedInput downInput;

        public Scratch(int block) {
            this.block = block;
            int dim = c.embeddingLength();
            x = new float[block * dim];
            xb = new float[block * Math.max(dim, c.heads() * c.valueDim())];
            q = new float[block * c.queryDim()];
            k = new float[block * c.kvDim()];
            v = new float[block * c.kvValueDim()];
            qkv = new float[][] {q, k, v};
            att = new float[block * c.heads() * c.valueDim()];
            ffnGate = new float[block * c.feedForwardLength()];
            ffnUp = new float[block * c.feedForwardLength()];
            out = new float[block * dim];
            logits = new float[c.vocabSize()];
            rowCache = new KvCache[block];
            rowPos = new int[block];
            rowsOfCache = new int[block];
            gemm = new boolean[block];
            ropeCos = new float[block * (c.ropeDims() / 2)];
            ropeSin = new float[block * (c.ropeDims() / 2)];
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
                // llama.cpp evaluates the whole call as one batch: its gemm takes the first count - count % 4 rows
                s.gemm[r] = done + r < count - count % 4;
            }
            // only the final token's output is wanted: earlier blocks need the last layer only for the KV cache
            forwardRows(tokens, from + done, n, s, done + n == count ? n - 1 : -1);
            cache.advance(n);
            done += n;
        }
        // The last block left its final token's hidden state in row 0 of s.x.
        int dim = c.embeddingLength();
        rmsNorm(s.xb, 0, s.x, 0, w.outputNorm(), dim);
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
        return forwardBatch(caches, tokens, n, wantLogits, null, s);
    }

    /**
     * As {@link #forwardBatch(KvCache[], int[], int, boolean[], Scratch)}, with {@code gemmRows[r]} (null: none)
     * marking the rows llama.cpp would multiply in its repacked gemm order if the row's sequence were evaluated alone
     * ({@link io.srm4j.runtime.tensor.RepackedQ4#gemmRows} of the prompt it belongs to): so a Q4_K sequence sums the
     * same in a batch as alone, whatever else is batched.
     */
    public float[] forwardBatch(KvCache[] caches, int[] tokens, int n, boolean[] wantLogits, boolean[] gemmRows, Scratch s) {
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
        for (int r = 0; r < n; r++) s.gemm[r] = gemmRows != null && gemmRows[r];
        int k = forwardRows(tokens, 0, n, s, wantLogits);
        for (var e : counts.entrySet()) e.getKey().advance(e.getValue());
        int dim = c.embeddingLength(), vocab = c.vocabSize();
        for (int r = 0; r < k; r++) rmsNorm(s.xb, r * dim, s.x, r * dim, w.outputNorm(), dim);
        if (s.batchLogits.length < k * vocab) s.batchLogits = new float[k * vocab];
        // each row as its sequence alone would have it: one output row, gemv
        if (k > 0) matMul(w.output(), s.xb, k, s.batchLogits, new boolean[k]);
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

    /** {@link #forwardRows(int[], int, int, Scratch, boolean[])} wanting row {@code outRow} only (none when -1). */
    private void forwardRows(int[] tokens, int from, int n, Scratch s, int outRow) {
        boolean[] want = new boolean[n];
        if (outRow >= 0) want[outRow] = true;
        forwardRows(tokens, from, n, s, want);
    }

    /**
     * The layers over n rows whose caches and positions are in s.rowCache / s.rowPos (already reserved). As in
     * llama.cpp, the last layer's feed-forward runs only on the rows whose output is wanted ({@code wantOut}, null:
     * all), which its attention leaves compacted at the front of s.x: the number of them is returned. (Besides the
     * work saved, Q4_K products sum differently in groups of four rows, see RepackedQ4, so the row count matters.)
     */
    private int forwardRows(int[] tokens, int from, int n, Scratch s, boolean[] wantOut) {
        int dim = c.embeddingLength();
        for (int t = 0; t < n; t++) w.tokenEmbedding().dequantizeRow(tokens[from + t], s.x, t * dim);
        // llama.cpp sums attention products in another order when a sequence evaluates several tokens at once
        for (int t = 0; t < n; t++) {
            int k = 0;
            for (int u = 0; u < n; u++) if (s.rowCache[u] == s.rowCache[t]) k++;
            s.rowsOfCache[t] = k;
        }
        int pairs = c.ropeDims() / 2;
        for (int t = 0; t < n; t++) ropeTable(s.rowPos[t], s.ropeCos, s.ropeSin, t * pairs);

        for (int l = 0; l < c.layers(); l++) {
            TransformerWeights.Layer L = w.layers()[l];
            for (int t = 0; t < n; t++) rmsNorm(s.xb, t * dim, s.x, t * dim, L.attnNorm(), dim);
            trace("attn_norm", l, s.xb, n, dim);
            // one token: the three products as one job on the pool (one hand-off instead of three)
            if (n == 1 && !s.gemm[0]) {
                MatMul.matVecs(WorkerPool.shared(), s.xb, 0, qkvWeights[l], s.qkv);
            } else {
                // the normed input quantised (and laid out for the tiles) once for the three products
                MatMul.Tokens in = new MatMul.Tokens(s.xb, n, dim, s.gemm);
                MatMul.matMul(L.wq(), in, s.q);
                MatMul.matMul(L.wk(), in, s.k);
                MatMul.matMul(L.wv(), in, s.v);
            }
            for (int t = 0; t < n; t++) {
                int pos = s.rowPos[t];
                int qo = t * c.queryDim(), ko = t * c.kvDim(), vo = t * c.kvValueDim();
                if (L.bq() != null) addInPlace(s.q, qo, L.bq());
                if (L.bk() != null) addInPlace(s.k, ko, L.bk());
                if (L.bv() != null) addInPlace(s.v, vo, L.bv());
                for (int h = 0; h < c.heads(); h++) {
                    int off = qo + h * c.headDim();
                    if (L.qNorm() != null) rmsNorm(s.q, off, s.q, off, L.qNorm(), c.headDim());
                    rope(s.q, off, s.ropeCos, s.ropeSin, t * pairs);
                }
                for (int h = 0; h < c.kvHeads(); h++) {
                    int off = ko + h * c.headDim();
                    if (L.kNorm() != null) rmsNorm(s.k, off, s.k, off, L.kNorm(), c.headDim());
                    rope(s.k, off, s.ropeCos, s.ropeSin, t * pairs);
                }
                s.rowCache[t].store(l, pos, s.k, ko, s.v, vo);
            }
            trace("Qcur", l, s.q, n, c.queryDim());
            trace("Kcur", l, s.k, n, c.kvDim());
            trace("Vcur", l, s.v, n, c.kvValueDim());
            attention(l, n, s);
            trace("kqv_out", l, s.att, n, c.heads() * c.valueDim());
            matMul(L.wo(), s.att, n, s.out, s.gemm);
            trace("attn_out", l, s.out, n, dim);
            addInPlace(s.x, s.out, n * dim);
            if (l == c.layers() - 1 && wantOut != null) {
                int k = 0;
                for (int t = 0; t < n; t++) {
                    if (!wantOut[t]) continue;
                    if (k != t) System.arraycopy(s.x, t * dim, s.x, k * dim, dim);
                    k++;
                }
                n = k;
                if (n == 0) break;
                // llama.cpp's rows here are the outputs alone: one for a sequence evaluated alone, so gemv
                java.util.Arrays.fill(s.gemm, 0, n, false);
            }
            trace("ffn_inp", l, s.x, n, dim);

            for (int t = 0; t < n; t++) rmsNorm(s.xb, t * dim, s.x, t * dim, L.ffnNorm(), dim);
            trace("ffn_norm", l, s.xb, n, dim);
            MatMul.StreamedInput downInput = null;
            if (n == 1 && !s.gemm[0] && trace == null) {
                // one token: gate, up, their SwiGLU and the down projection's quantised input as one job, block by block
                float[] gate = s.ffnGate, up = s.ffnUp;
                MatMul.StreamedInput down = downInput = s.downInput = MatMul.streamed(L.wDown(), gate, 0, s.downInput);
                MatMul.matVecPair(WorkerPool.shared(), s.xb, 0, L.wGate(), gate, L.wUp(), up, down.alignment(), (r0, r1) -> {
                    SwiGlu.apply(gate, up, r0, r1);
                    down.fill(r0, r1);
                });
            } else {
                MatMul.Tokens in = new MatMul.Tokens(s.xb, n, dim, s.gemm);
                MatMul.matMul(L.wGate(), in, s.ffnGate);
                MatMul.matMul(L.wUp(), in, s.ffnUp);
                trace("ffn_gate", l, s.ffnGate, n, c.feedForwardLength());
                trace("ffn_up", l, s.ffnUp, n, c.feedForwardLength());
                int ffn = n * c.feedForwardLength();
                float[] gate = s.ffnGate, up = s.ffnUp;
                WorkerPool.shared().parallelFor(0, ffn, 4096, (i0, i1) -> SwiGlu.apply(gate, up, i0, i1));
            }
            trace("ffn_swiglu", l, s.ffnGate, n, c.feedForwardLength());
            if (downInput != null) MatMul.matVec(WorkerPool.shared(), L.wDown(), downInput, s.out);
            else matMul(L.wDown(), s.ffnGate, n, s.out, s.gemm);
            trace("ffn_out", l, s.out, n, dim);
            addInPlace(s.x, s.out, n * dim);
            trace("l_out", l, s.x, n, dim);
        }
        return n;
    }

    private static void matMul(Matrix m, float[] x, int n, float[] out, boolean[] gemm) {
        if (n == 1 && !gemm[0]) MatMul.matVec(m, x, 0, out, 0);
        else MatMul.matMul(m, x, n, out, gemm);
    }

    /** One thread's attention scratch, reused across calls. */
    private static final class AttentionScratch {
        float[] scores = new float[256], keys = new float[0], values = new float[0], work = new float[0], qh = new float[0];
        final float[] lane8 = new float[8];
        /** ggml's 32 accumulators of every value column ({@link GgmlOrderDots#vecDotF16Columns}). */
        float[] columnSums = new float[0];
        /** Where each cached value row lies, for the F16 kernels that read the cache in place. */
        short[][] valueRows = new short[0][];
        int[] valueOffsets = new int[0];
    }

    /**
     * Which cache rows a thread's {@link AttentionScratch} holds converted to floats, for one piece of one layer's
     * attention: the rows of a prompt attend to the same cache at rising positions, so each takes over the rows the
     * previous one converted and converts only the new ones (once per piece instead of once per row: a 256-token
     * prompt converted ~n²/2 cache rows per layer and head); rows of sequences forked from one prompt (a batch of
     * samples) take over the positions in the blocks they share. Local to a piece, so it never outlives the layer's
     * pass, during which no cache changes.
     */
    private static final class ConvertedRows {
        KvCache cache;
        int kvHead = -1, upTo;

        /** The first position still to convert for rows 0..n of (cache, kvHead). */
        int from(KvCache cache, int kvHead, int n) {
            if (this.cache == null || this.kvHead != kvHead) return 0;
            int valid = this.cache == cache ? upTo : Math.min(upTo, cache.sharedPositions(this.cache));
            return Math.min(valid, n);
        }

        void held(KvCache cache, int kvHead, int n) {
            this.cache = cache;
            this.kvHead = kvHead;
            this.upTo = n;
        }
    }

    private final ThreadLocal<AttentionScratch> attentionScratch = ThreadLocal.withInitial(AttentionScratch::new);

    /**
     * Attention of every row with its own sequence's cache, one task per (row, key head) on the worker pool (on this
     * thread alone while a {@link Trace} is installed, which need not be thread-safe).
     */
    private void attention(int layer, int n, Scratch s) {
        int kvHeads = c.kvHeads(), qDim = c.queryDim(), attDim = c.heads() * c.valueDim();
        KvCache[] caches = s.rowCache;
        int[] positions = s.rowPos, rowsOfCache = s.rowsOfCache;
        // key head outermost, so a piece holds consecutive rows of one head (see ConvertedRows)
        WorkerPool.RangeTask task = (from, to) -> {
            ConvertedRows converted = new ConvertedRows();
            for (int i = from; i < to; i++) {
                int t = i % n;
                attention(caches[t], layer, positions[t], rowsOfCache[t] > 1, i / n, s.q, t * qDim, s.att, t * attDim, converted);
            }
        };
        if (trace != null) task.run(0, n * kvHeads);
        else WorkerPool.shared().parallelFor(0, n * kvHeads, 1, task);
    }

    /**
     * The query heads sharing key head {@code kvHead} (GQA), of one row at {@code pos}, attending to positions
     * 0..pos; each cached key and value is converted once for the whole group. With an F16 or F32 cache this is the
     * arithmetic of llama.cpp's CPU backend without flash attention, bit for bit: query, probabilities and cache in
     * F16 (F32 with an F32 cache); key and value products summed in the order of the ggml kernel llama.cpp picks
     * ({@link GgmlOrderDots#tinyBlas} when the sequence evaluates several tokens in this pass, as llamafile's sgemm does for a
     * prompt; {@link GgmlOrderDots#vecDotF16} for a single token, as ggml_vec_dot_f16); the softmax with ggml's vectorised exp
     * and its sum of eight-lane partial sums in double. Any last-bit difference here can flip an F16 rounding of a
     * probability, which changes the attention output by ~1e-4 and, through the next 8-bit activation
     * quantisation, logits by up to ~0.1. A Q8_0 cache (no llama.cpp counterpart without flash attention) takes the
     * integer block products of {@link KvCache#keyScores}.
     */
    private void attention(KvCache cache, int layer, int pos, boolean promptOrder, int kvHead, float[] q, int qOff, float[] out, int outOff,
                           ConvertedRows converted) {
        int hd = c.headDim(), vd = c.valueDim();
        int group = c.heads() / c.kvHeads();
        boolean f16 = cache.precision() == KvCache.Precision.F16;
        float scale = 1.0f / (float) Math.sqrt(hd); // as llama.cpp: 1.0f/sqrtf(float(n_embd_head))
        int n = pos + 1;
        // ggml sums the cache in lanes from position 0; positions past the sequence are masked to probability 0
        int padded = (n + 31) & ~31;
        AttentionScratch a = attentionScratch.get();
        if (a.scores.length < group * padded) a.scores = new float[Math.max(group * padded, a.scores.length * 2)];
        float[] scores = a.scores;
        int o = outOff + kvHead * group * vd;
        if (cache.precision() == KvCache.Precision.Q8_0) {
            if (a.work.length < KvCache.workLength(c, group)) a.work = new float[KvCache.workLength(c, group)];
            cache.keyScores(layer, n, kvHead, q, qOff + kvHead * group * hd, group, scale, scores, padded, a.work);
            for (int g = 0; g < group; g++) softmax(scores, g * padded, n, padded, false, a.lane8, layer, kvHead * group + g);
            java.util.Arrays.fill(out, o, o + group * vd, 0f);
            cache.addValues(layer, n, kvHead, scores, padded, group, out, o, a.work);
            return;
        }
        if (a.columnSums.length < 64 * vd) a.columnSums = new float[64 * vd];
        if (f16 && !promptOrder && hd % 32 == 0 && vd % 32 == 0 && cache.finiteF16(n)) {
            // a decode step reads the F16 cache in place, converting each half in registers: converting the group's
            // cached rows to floats first was ~20% of Qwen3-0.6B's decode at a few hundred positions
            if (a.qh.length < group * hd) a.qh = new float[group * hd];
            float[] qh = a.qh;
            for (int i = 0; i < group * hd; i++) {
                qh[i] = Float.float16ToFloat(Float.floatToFloat16(q[qOff + kvHead * group * hd + i])) * GgmlOrderDots.HALF_BITS_SCALE;
            }
            cache.keyScoresF16(layer, n, kvHead, qh, 0, group, scale, scores, padded);
            if (a.valueRows.length < n) {
                a.valueRows = new short[Math.max(n, 2 * a.valueRows.length)][];
                a.valueOffsets = new int[a.valueRows.length];
            }
            cache.valueRowsF16(layer, n, kvHead, a.valueRows, a.valueOffsets);
            for (int g = 0; g < group; g++) {
                int so = g * padded;
                softmax(scores, so, n, padded, true, a.lane8, layer, kvHead * group + g);
                for (int t = 0; t < n; t++) scores[so + t] *= GgmlOrderDots.HALF_BITS_SCALE;
            }
            GgmlOrderDots.vecDotF16HalfColumns(a.valueRows, a.valueOffsets, n, padded, vd, group, scores, 0, padded, out, o, a.columnSums);
            java.util.Arrays.fill(a.valueRows, 0, n, null); // the thread's scratch must not keep a closed cache's blocks
            return;
        }
        int from = converted.from(cache, kvHead, n);
        if (a.keys.length < padded * hd) {
            a.keys = new float[padded * hd * 2];
            from = 0;
        }
        if (a.values.length < padded * vd) {
            a.values = new float[padded * vd * 2];
            from = 0;
        }
        if (a.qh.length < group * hd) a.qh = new float[group * hd];
        float[] keys = a.keys, values = a.values, qh = a.qh;
        cache.keys(layer, from, n, kvHead * hd, keys, from * hd, hd);
        cache.values(layer, from, n, kvHead * vd, values, from * vd, vd);
        converted.held(cache, kvHead, n);
        // llama.cpp multiplies the query with an F16 key cache in F16, so round the query the same way.
        for (int i = 0; i < group * hd; i++) {
            float v = q[qOff + kvHead * group * hd + i];
            qh[i] = f16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
        }
        // tinyBLAS takes only multiples of 8; ggml falls back to its vec_dot otherwise
        boolean tiny = promptOrder && hd % 8 == 0;
        int tiled = 0, pairedHeads = 0;
        if (tiny) {
            // four positions times two query heads at a time: eight independent chains, each tinyBlas's own
            tiled = n & ~3;
            pairedHeads = group & ~1;
            for (int g = 0; g < pairedHeads; g += 2) {
                for (int t = 0; t < tiled; t += 4) GgmlOrderDots.tinyBlas4x2(keys, t * hd, qh, g * hd, hd, scores, g * padded + t, padded);
            }
        }
        for (int g = 0; g < group; g++) {
            int h = kvHead * group + g, so = g * padded;
            if (tiny) {
                int done = g < pairedHeads ? tiled : 0;
                for (int t = 0; t < n; t++) {
                    float dot = t < done ? scores[so + t] : GgmlOrderDots.tinyBlas(keys, t * hd, qh, g * hd, hd);
                    scores[so + t] = dot * scale;
                }
            } else {
                GgmlOrderDots.vecDotF16Rows(keys, 0, n, qh, g * hd, hd, scale, scores, so);
            }
            softmax(scores, so, n, padded, f16, a.lane8, layer, h);
        }
        // the value cache transposed: element i of the output is a dot over positions (those past n read as zeros)
        java.util.Arrays.fill(values, n * vd, padded * vd, 0f);
        for (int g = 0; g < group; g++) {
            int so = g * padded, og = o + g * vd;
            if (promptOrder) GgmlOrderDots.tinyBlasColumns(values, 0, vd, scores, so, padded, out, og);
            else GgmlOrderDots.vecDotF16Columns(values, 0, vd, scores, so, padded, out, og, a.columnSums);
        }
    }

    /**
     * Scores {@code p[so .. so+n)} to probabilities in place, zeros up to {@code padded}: ggml_vec_soft_max_f32
     * (AVX2) — exp of eight lanes at a time, each eight summed in float, then in double — and, for an F16 value
     * cache, rounded to F16 as llama.cpp multiplies them with it.
     */
    private void softmax(float[] p, int so, int n, int padded, boolean f16, float[] lane, int layer, int head) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < n; t++) if (p[so + t] > max) max = p[so + t];
        double sum = GgmlExp.expSum(p, so, n, max, true, lane);
        float inv = (float) (1.0 / sum);
        if (trace != null) {
            float[] probs = new float[n];
            for (int t = 0; t < n; t++) probs[t] = p[so + t] * inv;
            trace("kq_soft_max.h" + head, layer, probs, 1, n);
        }
        for (int t = 0; t < padded; t++) {
            float prob = t < n ? p[so + t] * inv : 0;
            p[so + t] = f16 ? Float.float16ToFloat(Float.floatToFloat16(prob)) : prob;
        }
    }

    /**
     * The rotation of each pair at position {@code pos} into {@code cos[o ..]} and {@code sin[o ..]}: the same for every
     * head and layer, so computed once per row and pass (the trigonometry was most of RoPE's time).
     */
    private void ropeTable(int pos, float[] cosOut, float[] sinOut, int o) {
        int nd = c.ropeDims();
        RopeScaling rs = c.ropeScaling();
        float freqScale = rs.freqScale();
        boolean yarn = rs.type() == RopeScaling.Type.YARN;
        float[] ff = w.ropeFreqFactors();
        // ggml_rope_cache_init: theta starts at the position and is multiplied by theta_scale pair after pair
        float thetaBase = pos;
        for (int i = 0; i < nd / 2; i++) {
            float thetaExtrap = ff != null ? thetaBase / ff[i] : thetaBase;
            thetaBase *= ropeThetaScale;
            float theta = freqScale * thetaExtrap;
            float mscale = ropeMscale;
            if (yarn) {
                float y = (i - ropeCorrLow) / Math.max(0.001f, ropeCorrHigh - ropeCorrLow);
                float rampMix = 1 - Math.min(1, Math.max(0, y));
                theta = theta * (1 - rampMix) + thetaExtrap * rampMix;
                mscale *= 1.0f + 0.1f * (float) Math.log(1.0f / freqScale);
            }
            cosOut[o + i] = (float) Math.cos(theta) * mscale;
            sinOut[o + i] = (float) Math.sin(theta) * mscale;
        }
    }

    /** Rotates the pairs of one head at {@code x[off ..]} by a row's {@link #ropeTable}. */
    private void rope(float[] x, int off, float[] cosT, float[] sinT, int o) {
        int nd = c.ropeDims();
        for (int i = 0; i < nd / 2; i++) {
            float cos = cosT[o + i], sin = sinT[o + i];
            int i0, i1;
            if (c.ropeNeox()) {
                i0 = off + i;
                i1 = off + i + nd / 2;
            } else {
                i0 = off + 2 * i;
                i1 = i0 + 1;
            }
            float x0 = x[i0], x1 = x[i1];
            // as compiled for x86 with FMA: the second product rounded, the first fused
            x[i0] = Math.fma(x0, cos, -(x1 * sin));
            x[i1] = Math.fma(x0, sin, x1 * cos);
        }
    }

    private void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (double) (x[xOff + i] * x[xOff + i]);
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + c.rmsNormEps());
        for (int i = 0; i < n; i++) out[outOff + i] = x[xOff + i] * scale * weight[i];
    }

    /** ggml_v_silu: x / (1 + e^-x) with ggml's vectorised exp (every lane of llama.cpp's SwiGLU when ffn % 8 == 0). */
    static float silu(float x) {
        return x / (1.0f + GgmlExp.expf(0.0f - x));
    }

    private static void addInPlace(float[] x, int off, float[] b) {
        for (int i = 0; i < b.length; i++) x[off + i] += b[i];
    }

    private static void addInPlace(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) x[i] += y[i];
    }
}
