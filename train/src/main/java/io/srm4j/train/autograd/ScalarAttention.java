package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;

/**
 * The plain reference twin of {@link Attention}: the same maths by dot products and axpys, one query position at a
 * time. Causal scaled dot-product attention with grouped KV heads over rows laid out [batch·seq, heads·dim]: query head h
 * reads KV head {@code h / (heads/kvHeads)}. Softmax with the max subtracted and the sum in double, as the runtime.
 *
 * <p>Backward with P the saved probabilities: {@code dP = dO·Vᵀ}, {@code dV += Pᵀ·dO},
 * {@code dS = P ⊙ (dP − rowsum(P ⊙ dP))}, {@code dQ += scale·dS·K}, {@code dK += scale·dSᵀ·Q}.
 * Forward runs in parallel over (sequence, head); backward over (sequence, KV head), so the query heads that share
 * a KV head never write its gradient concurrently.
 */
final class ScalarAttention {
    private ScalarAttention() {}

    static Tensor apply(Tape tape, Tensor q, Tensor k, Tensor v, Attention.Shape s, int seqLen) {
        int rows = q.rows();
        if (q.cols() != s.heads() * s.headDim()) throw new IllegalArgumentException("queries have " + q.cols() + " columns, expected " + s.heads() * s.headDim());
        if (k.cols() != s.kvHeads() * s.headDim() || k.rows() != rows) throw new IllegalArgumentException("keys " + k + " do not match " + s + " over " + rows + " rows");
        if (v.cols() != s.kvHeads() * s.valueDim() || v.rows() != rows) throw new IllegalArgumentException("values " + v + " do not match " + s + " over " + rows + " rows");
        if (seqLen <= 0 || rows % seqLen != 0) throw new IllegalArgumentException(rows + " rows are not a whole number of sequences of " + seqLen);
        int batch = rows / seqLen, H = s.heads(), KV = s.kvHeads(), hd = s.headDim(), vd = s.valueDim(), group = H / KV;
        int qCols = H * hd, kCols = KV * hd, vCols = KV * vd, oCols = H * vd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        Tensor out = Tensor.result(q.requiresGrad() || k.requiresGrad() || v.requiresGrad(), rows, oCols);
        float[] qs = q.data(), ks = k.data(), vs = v.data(), os = out.data();
        // probabilities [batch, heads, seq, seq], lower triangle used
        long probCount = (long) batch * H * seqLen * seqLen;
        if (probCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("attention over " + batch + " sequences × " + H + " heads × " + seqLen + "² positions needs "
                    + probCount + " probabilities, more than one array holds: use shorter sequences or smaller micro-batches");
        }
        float[] probs = new float[(int) probCount];
        WorkerPool.shared().parallelFor(0, batch * H, 1, (from, to) -> {
            for (int bh = from; bh < to; bh++) {
                int b = bh / H, h = bh % H, kvh = h / group;
                int pBase = bh * seqLen * seqLen;
                for (int t = 0; t < seqLen; t++) {
                    int qo = (b * seqLen + t) * qCols + h * hd;
                    int pRow = pBase + t * seqLen;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        int ko = (b * seqLen + u) * kCols + kvh * hd;
                        float sc = VectorMath.dot(qs, qo, ks, ko, hd) * scale;
                        probs[pRow + u] = sc;
                        if (sc > max) max = sc;
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) {
                        float e = (float) Math.exp(probs[pRow + u] - max);
                        probs[pRow + u] = e;
                        sum += e;
                    }
                    float inv = (float) (1.0 / sum);
                    int oo = (b * seqLen + t) * oCols + h * vd;
                    for (int u = 0; u <= t; u++) {
                        float p = probs[pRow + u] * inv;
                        probs[pRow + u] = p;
                        int vo = (b * seqLen + u) * vCols + kvh * vd;
                        VectorMath.axpy(p, vs, vo, os, oo, vd);
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
                    float[] dP = new float[seqLen];
                    for (int bk = from; bk < to; bk++) {
                        int b = bk / KV, kvh = bk % KV;
                        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                            int pBase = (b * H + h) * seqLen * seqLen;
                            for (int t = 0; t < seqLen; t++) {
                                int pRow = pBase + t * seqLen;
                                int oo = (b * seqLen + t) * oCols + h * vd;
                                int qo = (b * seqLen + t) * qCols + h * hd;
                                double rowDot = 0;
                                for (int u = 0; u <= t; u++) {
                                    int vo = (b * seqLen + u) * vCols + kvh * vd;
                                    float d = VectorMath.dot(dO, oo, vs, vo, vd);
                                    dP[u] = d;
                                    rowDot += probs[pRow + u] * d;
                                    if (dv != null) {
                                        float p = probs[pRow + u];
                                        VectorMath.axpy(p, dO, oo, dv, vo, vd);
                                    }
                                }
                                for (int u = 0; u <= t; u++) {
                                    float dS = probs[pRow + u] * (dP[u] - (float) rowDot) * scale;
                                    int ko = (b * seqLen + u) * kCols + kvh * hd;
                                    if (dq != null) VectorMath.axpy(dS, ks, ko, dq, qo, hd);
                                    if (dk != null) VectorMath.axpy(dS, qs, qo, dk, ko, hd);
                                }
                            }
                        }
                    }
                });
            });
        }
        return out;
    }
}
