package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;
import io.srm4j.train.autograd.MatMulKernel.View;

/**
 * Causal scaled dot-product attention with grouped KV heads over rows laid out [batch·seq, heads·dim]: query head h
 * reads KV head {@code h / (heads/kvHeads)}. Softmax with the max subtracted and the sum in double, as the runtime.
 *
 * <p>Backward with P the saved probabilities: {@code dP = dO·Vᵀ}, {@code dV += Pᵀ·dO},
 * {@code dS = P ⊙ (dP − rowsum(P ⊙ dP))}, {@code dQ += scale·dS·K}, {@code dK += scale·dSᵀ·Q}.
 *
 * <p>Every product is a matrix product on the {@link MatMulKernel}, reading each head's columns in place through
 * strided views. Queries go in blocks of {@value #QUERY_BLOCK}; a block only multiplies against the keys up to its
 * last position, which skips most of the masked upper triangle. Forward and backward run in parallel over
 * (sequence, KV head): the query heads sharing a KV head reuse its transposed keys (values, backward) and never
 * write its gradient concurrently.
 * Packed rows (several documents per row, given by their positions) run the same products from the block's first
 * document start, with the other documents' keys masked in the softmax, so SFT needs no separate slow path.
 * {@link ScalarAttention} is the plain twin the tests hold this to.
 */
public final class Attention {
    static final int QUERY_BLOCK = 64;

    private Attention() {}

    public record Shape(int heads, int kvHeads, int headDim, int valueDim) {
        public Shape {
            if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads " + heads + " must be a positive multiple of kv heads " + kvHeads);
            }
            if (headDim <= 0 || valueDim <= 0) throw new IllegalArgumentException("head dimensions must be positive");
        }
    }

    public static Tensor apply(Tape tape, Tensor q, Tensor k, Tensor v, Shape s, int seqLen) {
        return apply(tape, q, k, v, s, seqLen, MatMulKernel.defaultKernel());
    }

    public static Tensor apply(Tape tape, Tensor q, Tensor k, Tensor v, Shape s, int seqLen, MatMulKernel kernel) {
        return apply(tape, q, k, v, s, seqLen, null, kernel);
    }

    /**
     * Attention over packed rows: several documents laid end to end in one row of {@code seqLen}, each attending
     * causally to itself only. Row r's document started {@code positions[r]} rows earlier, so the query at t reads
     * keys {@code t − positions[t] .. t}; null positions mean one document per row. With {@code positions[r] = r %
     * seqLen} this is plain causal attention, bit for bit.
     */
    public static Tensor apply(Tape tape, Tensor q, Tensor k, Tensor v, Shape s, int seqLen, int[] positions, MatMulKernel kernel) {
        int rows = q.rows();
        if (q.cols() != s.heads() * s.headDim()) throw new IllegalArgumentException("queries have " + q.cols() + " columns, expected " + s.heads() * s.headDim());
        if (k.cols() != s.kvHeads() * s.headDim() || k.rows() != rows) throw new IllegalArgumentException("keys " + k + " do not match " + s + " over " + rows + " rows");
        if (v.cols() != s.kvHeads() * s.valueDim() || v.rows() != rows) throw new IllegalArgumentException("values " + v + " do not match " + s + " over " + rows + " rows");
        if (seqLen <= 0 || rows % seqLen != 0) throw new IllegalArgumentException(rows + " rows are not a whole number of sequences of " + seqLen);
        if (positions != null) checkPositions(positions, rows, seqLen);
        final int T = seqLen;
        // first key row each query sees: its document's start (0 without positions); a query block's products start
        // at its first query's document, the masked keys before a later query's start get probability 0
        int[] start = new int[rows];
        if (positions != null) for (int r = 0; r < rows; r++) start[r] = r % T - positions[r];
        int batch = rows / T, H = s.heads(), KV = s.kvHeads(), hd = s.headDim(), vd = s.valueDim(), group = H / KV;
        int qCols = H * hd, kCols = KV * hd, vCols = KV * vd, oCols = H * vd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        Tensor out = Tensor.result(tape, q.requiresGrad() || k.requiresGrad() || v.requiresGrad(), rows, oCols);
        float[] qs = q.data(), ks = k.data(), vs = v.data(), os = out.data();
        // probabilities [batch, heads, seq, seq]; row t holds keys 0..t, the rest of a block's rows stays zero
        long probCount = (long) batch * H * T * T;
        if (probCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("attention over " + batch + " sequences × " + H + " heads × " + T + "² positions needs "
                    + probCount + " probabilities, more than one array holds: use shorter sequences or smaller micro-batches");
        }
        // every entry a later product reads (keys up to the end of its query block) is written below
        float[] probs = tape.records(out) ? tape.allocateOverwritten((int) probCount) : new float[(int) probCount];
        WorkerPool.shared().parallelFor(0, batch * KV, 1, (from, to) -> {
            float[] keysT = new float[hd * T];
            for (int bk = from; bk < to; bk++) {
                int b = bk / KV, kvh = bk % KV;
                // the sequence's keys for this KV head transposed once, [hd][T], for all its query heads and blocks:
                // the score products then read B in rows, which packs by vectors rather than element by element
                transpose(ks, b * T * kCols + kvh * hd, kCols, T, hd, keysT);
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    int pBase = (b * H + h) * T * T;
                    for (int t0 = 0; t0 < T; t0 += QUERY_BLOCK) {
                        int t1 = Math.min(T, t0 + QUERY_BLOCK), k0 = start[b * T + t0], keys = t1 - k0;
                        // scores of the block against keys k0..t1, then a masked softmax per row
                        kernel.multiply(View.rowMajor(qs, (b * T + t0) * qCols + h * hd, qCols), View.rowMajor(keysT, k0, T), probs,
                                pBase + t0 * T + k0, T, t1 - t0, hd, keys, false);
                        for (int t = t0; t < t1; t++) softmaxRow(probs, pBase + t * T, k0, start[b * T + t], t, t1, scale);
                        kernel.multiply(View.rowMajor(probs, pBase + t0 * T + k0, T), View.rowMajor(vs, (b * T + k0) * vCols + kvh * vd, vCols),
                                os, (b * T + t0) * oCols + h * vd, oCols, t1 - t0, keys, vd, false);
                    }
                }
            }
        });
        if (tape.records(out)) {
            tape.record(() -> {
                float[] dO = out.grad();
                float[] dq = q.requiresGrad() ? q.grad() : null;
                float[] dk = k.requiresGrad() ? k.grad() : null;
                float[] dv = v.requiresGrad() ? v.grad() : null;
                WorkerPool.shared().parallelFor(0, batch * KV, 1, (from, to) -> {
                    float[] dS = new float[Math.min(T, QUERY_BLOCK) * T];
                    float[] valuesT = new float[vd * T];
                    for (int bk = from; bk < to; bk++) {
                        int b = bk / KV, kvh = bk % KV;
                        int kBase = b * T * kCols + kvh * hd, vBase = b * T * vCols + kvh * vd;
                        transpose(vs, vBase, vCols, T, vd, valuesT); // as the keys forward: dP's B read in rows
                        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                            int pBase = (b * H + h) * T * T;
                            for (int t0 = 0; t0 < T; t0 += QUERY_BLOCK) {
                                int t1 = Math.min(T, t0 + QUERY_BLOCK), n = t1 - t0, k0 = start[b * T + t0], keys = t1 - k0;
                                View dOBlock = View.rowMajor(dO, (b * T + t0) * oCols + h * vd, oCols);
                                View pBlockT = new View(probs, pBase + t0 * T + k0, 1, T);
                                // dV[k0..t1) += P_blockᵀ · dO_block
                                if (dv != null) kernel.multiply(pBlockT, dOBlock, dv, vBase + k0 * vCols, vCols, keys, n, vd, true);
                                // dP = dO_block · Vᵀ (keys k0..t1 at dS columns 0..), then dS = scale · P ⊙ (dP − rowsum(P ⊙ dP))
                                kernel.multiply(dOBlock, View.rowMajor(valuesT, k0, T), dS, 0, T, n, vd, keys, false);
                                for (int t = t0; t < t1; t++) {
                                    softmaxBackwardRow(probs, pBase + t * T + k0, dS, (t - t0) * T, start[b * T + t] - k0, t + 1 - k0, keys, scale);
                                }
                                if (dq != null) {
                                    kernel.multiply(View.rowMajor(dS, 0, T), View.rowMajor(ks, kBase + k0 * kCols, kCols), dq,
                                            (b * T + t0) * qCols + h * hd, qCols, n, keys, hd, true);
                                }
                                if (dk != null) {
                                    kernel.multiply(new View(dS, 0, 1, T), View.rowMajor(qs, (b * T + t0) * qCols + h * hd, qCols), dk,
                                            kBase + k0 * kCols, kCols, keys, n, hd, true);
                                }
                            }
                        }
                    }
                });
            });
        }
        return out;
    }

    /**
     * Row t of a block, whose scores sit at keys k0..end: those at the visible keys first..t scaled and softmaxed,
     * the masked ones (another document's, or later than t) zeroed.
     */
    private static void softmaxRow(float[] p, int o, int k0, int first, int t, int end, float scale) {
        for (int u = k0; u < first; u++) p[o + u] = 0f;
        VectorMath.softmax(p, o + first, t + 1 - first, scale);
        for (int u = t + 1; u < end; u++) p[o + u] = 0f;
    }

    /**
     * {@code dS[u] = scale · P[u] · (dP[u] − Σ P·dP)} over the visible keys {@code from..to} (relative to the block's
     * first key), zero over the masked ones up to {@code keys}.
     */
    private static void softmaxBackwardRow(float[] p, int po, float[] d, int d0, int from, int to, int keys, float scale) {
        for (int u = 0; u < from; u++) d[d0 + u] = 0f;
        VectorMath.softmaxBackward(p, po + from, d, d0 + from, to - from, scale);
        for (int u = to; u < keys; u++) d[d0 + u] = 0f;
    }

    /**
     * Checks that {@code positions} describe whole documents inside rows of {@code seqLen}: each position is 0 (a
     * document starts) or one more than the previous row's.
     */
    public static void checkPositions(int[] positions, int rows, int seqLen) {
        if (positions.length != rows) throw new IllegalArgumentException(positions.length + " positions for " + rows + " rows");
        for (int r = 0; r < rows; r++) {
            int p = positions[r], t = r % seqLen;
            boolean ok = p == 0 || (t > 0 && p == positions[r - 1] + 1);
            if (!ok) throw new IllegalArgumentException("position " + p + " at row " + r + " (offset " + t + " of its sequence)"
                    + " neither starts a document (0) nor continues the previous row's (" + (t > 0 ? positions[r - 1] : "none") + ")");
        }
    }

    /** {@code dst[c·T + r] = src[offset + r·stride + c]} for r < rows, c < cols: one head's columns transposed. */
    private static void transpose(float[] src, int offset, int stride, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int s = offset + r * stride;
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[s + c];
        }
    }
}
