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
 * last position, which skips most of the masked upper triangle. Forward runs in parallel over (sequence, head);
 * backward over (sequence, KV head), so the query heads that share a KV head never write its gradient concurrently.
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
        int rows = q.rows();
        if (q.cols() != s.heads() * s.headDim()) throw new IllegalArgumentException("queries have " + q.cols() + " columns, expected " + s.heads() * s.headDim());
        if (k.cols() != s.kvHeads() * s.headDim() || k.rows() != rows) throw new IllegalArgumentException("keys " + k + " do not match " + s + " over " + rows + " rows");
        if (v.cols() != s.kvHeads() * s.valueDim() || v.rows() != rows) throw new IllegalArgumentException("values " + v + " do not match " + s + " over " + rows + " rows");
        if (seqLen <= 0 || rows % seqLen != 0) throw new IllegalArgumentException(rows + " rows are not a whole number of sequences of " + seqLen);
        final int T = seqLen;
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
        WorkerPool.shared().parallelFor(0, batch * H, 1, (from, to) -> {
            for (int bh = from; bh < to; bh++) {
                int b = bh / H, h = bh % H, kvh = h / group;
                int pBase = bh * T * T;
                View keysT = new View(ks, b * T * kCols + kvh * hd, 1, kCols);
                View values = View.rowMajor(vs, b * T * vCols + kvh * vd, vCols);
                for (int t0 = 0; t0 < T; t0 += QUERY_BLOCK) {
                    int t1 = Math.min(T, t0 + QUERY_BLOCK), keys = t1;
                    // scores of the block against keys 0..t1, then a masked softmax per row
                    kernel.multiply(View.rowMajor(qs, (b * T + t0) * qCols + h * hd, qCols), keysT, probs, pBase + t0 * T, T,
                            t1 - t0, hd, keys, false);
                    for (int t = t0; t < t1; t++) softmaxRow(probs, pBase + t * T, t, keys, scale);
                    kernel.multiply(View.rowMajor(probs, pBase + t0 * T, T), values, os, (b * T + t0) * oCols + h * vd, oCols,
                            t1 - t0, keys, vd, false);
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
                    for (int bk = from; bk < to; bk++) {
                        int b = bk / KV, kvh = bk % KV;
                        int kBase = b * T * kCols + kvh * hd, vBase = b * T * vCols + kvh * vd;
                        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                            int pBase = (b * H + h) * T * T;
                            for (int t0 = 0; t0 < T; t0 += QUERY_BLOCK) {
                                int t1 = Math.min(T, t0 + QUERY_BLOCK), n = t1 - t0, keys = t1;
                                View dOBlock = View.rowMajor(dO, (b * T + t0) * oCols + h * vd, oCols);
                                View pBlockT = new View(probs, pBase + t0 * T, 1, T);
                                // dV[0..keys) += P_blockᵀ · dO_block
                                if (dv != null) kernel.multiply(pBlockT, dOBlock, dv, vBase, vCols, keys, n, vd, true);
                                // dP = dO_block · Vᵀ, then dS = scale · P ⊙ (dP − rowsum(P ⊙ dP)) in place
                                kernel.multiply(dOBlock, new View(vs, vBase, 1, vCols), dS, 0, T, n, vd, keys, false);
                                for (int t = t0; t < t1; t++) softmaxBackwardRow(probs, pBase + t * T, dS, (t - t0) * T, t + 1, keys, scale);
                                if (dq != null) {
                                    kernel.multiply(View.rowMajor(dS, 0, T), View.rowMajor(ks, kBase, kCols), dq,
                                            (b * T + t0) * qCols + h * hd, qCols, n, keys, hd, true);
                                }
                                if (dk != null) {
                                    kernel.multiply(new View(dS, 0, 1, T), View.rowMajor(qs, (b * T + t0) * qCols + h * hd, qCols), dk,
                                            kBase, kCols, keys, n, hd, true);
                                }
                            }
                        }
                    }
                });
            });
        }
        return out;
    }

    /** Row t of a block: scores at keys 0..t scaled and softmaxed, keys t+1..keys (masked) zeroed. */
    private static void softmaxRow(float[] p, int o, int t, int keys, float scale) {
        VectorMath.softmax(p, o, t + 1, scale);
        for (int u = t + 1; u < keys; u++) p[o + u] = 0f;
    }

    /** {@code dS[u] = scale · P[u] · (dP[u] − Σ P·dP)} over the visible keys, zero over the masked ones. */
    private static void softmaxBackwardRow(float[] p, int po, float[] d, int d0, int visible, int keys, float scale) {
        double rowDot = 0;
        for (int u = 0; u < visible; u++) rowDot += p[po + u] * d[d0 + u];
        float r = (float) rowDot;
        for (int u = 0; u < visible; u++) d[d0 + u] = p[po + u] * (d[d0 + u] - r) * scale;
        for (int u = visible; u < keys; u++) d[d0 + u] = 0f;
    }
}
