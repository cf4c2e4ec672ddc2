package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Attention} for packed sequences: several documents laid end to end in one training row, each attending
 * causally to itself only (document-masked causal attention). Row r's document is given by its position: the
 * document starts {@code positions[r]} rows earlier, so a query at t reads keys {@code t − positions[t] .. t}.
 * With {@code positions[r] = r % seqLen} (one document per row) this is exactly {@link Attention}.
 *
 * <p>Kept apart from {@link Attention} so the plain path stays as it is; the math, the parallel split and the
 * backward are the same with the key range starting at the document's first row instead of 0. One difference:
 * dot products sum their vector lanes in index order ({@link #dot}), so that results do not depend on whether the
 * JIT has compiled the code yet, which bit-exact resumption of training in a fresh process needs.
 */
public final class PackedAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private PackedAttention() {}

    /**
     * Σ a[ao+i]·b[bo+i] over i < n, lanes summed in index order: {@code reduceLanes(ADD)} sums in one order when
     * interpreted and another when compiled, so the same inputs could give different last bits early and late in
     * a run. {@code lanes} is scratch of {@code S.length()} floats.
     */
    static float dot(float[] a, int ao, float[] b, int bo, int n, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        acc.intoArray(lanes, 0);
        float s = 0;
        for (int l = 0; l < lanes.length; l++) s += lanes[l];
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
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

    public static Tensor apply(Tape tape, Tensor q, Tensor k, Tensor v, Attention.Shape s, int seqLen, int[] positions) {
        int rows = q.rows();
        if (q.cols() != s.heads() * s.headDim()) throw new IllegalArgumentException("queries have " + q.cols() + " columns, expected " + s.heads() * s.headDim());
        if (k.cols() != s.kvHeads() * s.headDim() || k.rows() != rows) throw new IllegalArgumentException("keys " + k + " do not match " + s + " over " + rows + " rows");
        if (v.cols() != s.kvHeads() * s.valueDim() || v.rows() != rows) throw new IllegalArgumentException("values " + v + " do not match " + s + " over " + rows + " rows");
        if (seqLen <= 0 || rows % seqLen != 0) throw new IllegalArgumentException(rows + " rows are not a whole number of sequences of " + seqLen);
        checkPositions(positions, rows, seqLen);
        int batch = rows / seqLen, H = s.heads(), KV = s.kvHeads(), hd = s.headDim(), vd = s.valueDim(), group = H / KV;
        int qCols = H * hd, kCols = KV * hd, vCols = KV * vd, oCols = H * vd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        Tensor out = Tensor.result(q.requiresGrad() || k.requiresGrad() || v.requiresGrad(), rows, oCols);
        float[] qs = q.data(), ks = k.data(), vs = v.data(), os = out.data();
        long probCount = (long) batch * H * seqLen * seqLen;
        if (probCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("attention over " + batch + " sequences × " + H + " heads × " + seqLen + "² positions needs "
                    + probCount + " probabilities, more than one array holds: use shorter sequences or smaller micro-batches");
        }
        int[] pos = positions.clone();
        float[] probs = new float[(int) probCount];
        WorkerPool.shared().parallelFor(0, batch * H, 1, (from, to) -> {
            float[] lanes = new float[S.length()];
            for (int bh = from; bh < to; bh++) {
                int b = bh / H, h = bh % H, kvh = h / group;
                int pBase = bh * seqLen * seqLen;
                for (int t = 0; t < seqLen; t++) {
                    int start = t - pos[b * seqLen + t];
                    int qo = (b * seqLen + t) * qCols + h * hd;
                    int pRow = pBase + t * seqLen;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int u = start; u <= t; u++) {
                        int ko = (b * seqLen + u) * kCols + kvh * hd;
                        float sc = dot(qs, qo, ks, ko, hd, lanes) * scale;
                        probs[pRow + u] = sc;
                        if (sc > max) max = sc;
                    }
                    double sum = 0;
                    for (int u = start; u <= t; u++) {
                        float e = (float) Math.exp(probs[pRow + u] - max);
                        probs[pRow + u] = e;
                        sum += e;
                    }
                    float inv = (float) (1.0 / sum);
                    int oo = (b * seqLen + t) * oCols + h * vd;
                    for (int u = start; u <= t; u++) {
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
                    float[] dP = new float[seqLen], lanes = new float[S.length()];
                    for (int bk = from; bk < to; bk++) {
                        int b = bk / KV, kvh = bk % KV;
                        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                            int pBase = (b * H + h) * seqLen * seqLen;
                            for (int t = 0; t < seqLen; t++) {
                                int start = t - pos[b * seqLen + t];
                                int pRow = pBase + t * seqLen;
                                int oo = (b * seqLen + t) * oCols + h * vd;
                                int qo = (b * seqLen + t) * qCols + h * hd;
                                double rowDot = 0;
                                for (int u = start; u <= t; u++) {
                                    int vo = (b * seqLen + u) * vCols + kvh * vd;
                                    float d = dot(dO, oo, vs, vo, vd, lanes);
                                    dP[u] = d;
                                    rowDot += probs[pRow + u] * d;
                                    if (dv != null) VectorMath.axpy(probs[pRow + u], dO, oo, dv, vo, vd);
                                }
                                for (int u = start; u <= t; u++) {
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
