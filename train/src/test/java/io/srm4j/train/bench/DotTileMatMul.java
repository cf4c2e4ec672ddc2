package io.srm4j.train.bench;

import io.srm4j.runtime.tensor.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The first training kernel, kept as the benchmarks' anchor for the blocked {@link io.srm4j.train.autograd.VectorMatMul}:
 * {@code C = A·Bᵀ} by dot products with the Vector API, a 4×2 register tile (four rows of A against two rows of B, eight vector
 * accumulators) so each load feeds several fused multiply-adds, B swept in blocks that stay in L2, rows of A spread
 * over the worker pool.
 */
public final class DotTileMatMul {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int B_BLOCK = 64; // rows of B per sweep: 64 rows × k ≤ 1024 floats fits in L2

    private final WorkerPool pool;

    public DotTileMatMul(WorkerPool pool) {
        this.pool = pool;
    }

    public void multiplyTransposed(float[] a, float[] b, float[] c, int m, int k, int n, boolean accumulate) {
        long work = (long) m * n * k;
        if (work < 32_768) { // too small to be worth waking workers
            block(a, b, c, 0, m, 0, n, k, n, accumulate);
            return;
        }
        if (m >= 8 * pool.threads()) {
            pool.parallelFor(0, (m + 3) / 4, 1, (t0, t1) -> block(a, b, c, t0 * 4, Math.min(m, t1 * 4), 0, n, k, n, accumulate));
        } else {
            pool.parallelFor(0, (n + 1) / 2, 8, (t0, t1) -> block(a, b, c, 0, m, t0 * 2, Math.min(n, t1 * 2), k, n, accumulate));
        }
    }

    /** C[i0..i1) × [j0..j1). */
    private static void block(float[] a, float[] b, float[] c, int i0, int i1, int j0, int j1, int k, int ldc, boolean acc) {
        for (int jb = j0; jb < j1; jb += B_BLOCK) {
            int jbEnd = Math.min(j1, jb + B_BLOCK);
            int i = i0;
            for (; i + 4 <= i1; i += 4) {
                int j = jb;
                for (; j + 2 <= jbEnd; j += 2) tile4x2(a, b, c, i, j, k, ldc, acc);
                for (; j < jbEnd; j++) for (int r = 0; r < 4; r++) dot(a, b, c, i + r, j, k, ldc, acc);
            }
            for (; i < i1; i++) for (int j = jb; j < jbEnd; j++) dot(a, b, c, i, j, k, ldc, acc);
        }
    }

    private static void tile4x2(float[] a, float[] b, float[] c, int i, int j, int k, int ldc, boolean acc) {
        int a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        int b0 = j * k, b1 = b0 + k;
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
        int L = S.length();
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            FloatVector v0 = FloatVector.fromArray(S, b, b0 + p);
            FloatVector v1 = FloatVector.fromArray(S, b, b1 + p);
            FloatVector x = FloatVector.fromArray(S, a, a0 + p);
            s00 = x.fma(v0, s00);
            s01 = x.fma(v1, s01);
            x = FloatVector.fromArray(S, a, a1 + p);
            s10 = x.fma(v0, s10);
            s11 = x.fma(v1, s11);
            x = FloatVector.fromArray(S, a, a2 + p);
            s20 = x.fma(v0, s20);
            s21 = x.fma(v1, s21);
            x = FloatVector.fromArray(S, a, a3 + p);
            s30 = x.fma(v0, s30);
            s31 = x.fma(v1, s31);
        }
        float r00 = s00.reduceLanes(VectorOperators.ADD), r01 = s01.reduceLanes(VectorOperators.ADD);
        float r10 = s10.reduceLanes(VectorOperators.ADD), r11 = s11.reduceLanes(VectorOperators.ADD);
        float r20 = s20.reduceLanes(VectorOperators.ADD), r21 = s21.reduceLanes(VectorOperators.ADD);
        float r30 = s30.reduceLanes(VectorOperators.ADD), r31 = s31.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float v0 = b[b0 + p], v1 = b[b1 + p];
            r00 += a[a0 + p] * v0;
            r01 += a[a0 + p] * v1;
            r10 += a[a1 + p] * v0;
            r11 += a[a1 + p] * v1;
            r20 += a[a2 + p] * v0;
            r21 += a[a2 + p] * v1;
            r30 += a[a3 + p] * v0;
            r31 += a[a3 + p] * v1;
        }
        store(c, i * ldc + j, r00, acc);
        store(c, i * ldc + j + 1, r01, acc);
        store(c, (i + 1) * ldc + j, r10, acc);
        store(c, (i + 1) * ldc + j + 1, r11, acc);
        store(c, (i + 2) * ldc + j, r20, acc);
        store(c, (i + 2) * ldc + j + 1, r21, acc);
        store(c, (i + 3) * ldc + j, r30, acc);
        store(c, (i + 3) * ldc + j + 1, r31, acc);
    }

    private static void dot(float[] a, float[] b, float[] c, int i, int j, int k, int ldc, boolean acc) {
        int ao = i * k, bo = j * k;
        FloatVector s = FloatVector.zero(S);
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += S.length()) {
            s = FloatVector.fromArray(S, a, ao + p).fma(FloatVector.fromArray(S, b, bo + p), s);
        }
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) r += a[ao + p] * b[bo + p];
        store(c, i * ldc + j, r, acc);
    }

    private static void store(float[] c, int idx, float v, boolean acc) {
        c[idx] = acc ? c[idx] + v : v;
    }
}
