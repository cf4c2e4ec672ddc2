package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;
import io.srm4j.train.autograd.MatMulKernel.View;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The blocked Vector API kernel held to the scalar twin for all three products and strided views, on sizes that
 * exercise every panel edge (rows not a multiple of 6, columns not a multiple of two vectors), several K blocks,
 * work units split over both threads, and the single-thread path. Summation order differs, so each output may differ
 * by a few float roundings of its terms: the tolerance is relative to {@code Σ|a·b|} of that output.
 */
class MatMulKernelTest {
    private static WorkerPool pool;
    private static VectorMatMul fast;

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
        fast = new VectorMatMul(pool);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "3,5,2", "6,8,16", "5,17,3", "7,33,17", "13,257,31", "64,96,130", "2,300,257", "130,64,3", "97,600,203", "150,70,520"})
    void allThreeProductsMatchTheScalarTwin(int m, int k, int n) {
        Random rnd = new Random(m * 1000L + k * 10L + n);
        float[] init = gaussian(rnd, m * n);
        for (boolean accumulate : new boolean[]{false, true}) {
            // C = A·Bᵀ (forward), A·B (input gradient), Aᵀ·B (weight gradient)
            float[] a = gaussian(rnd, m * k), bt = gaussian(rnd, n * k), b = gaussian(rnd, k * n), at = gaussian(rnd, k * m);
            compare("A·Bᵀ", View.rowMajor(a, 0, k), View.rowMajor(bt, 0, k).transposed(), init, 0, n, m, k, n, accumulate,
                    c -> fast.multiplyTransposed(a, bt, c, m, k, n, accumulate));
            compare("A·B", View.rowMajor(a, 0, k), View.rowMajor(b, 0, n), init, 0, n, m, k, n, accumulate,
                    c -> fast.multiplyPlain(a, b, c, m, k, n, accumulate));
            compare("Aᵀ·B", View.rowMajor(at, 0, m).transposed(), View.rowMajor(b, 0, n), init, 0, n, m, k, n, accumulate,
                    c -> fast.multiplyTransposedA(at, b, c, m, k, n, accumulate));
        }
    }

    /**
     * Training must not depend on the thread count (checkpoints resume identically on any machine): the parallel
     * path, which runs every K block of a tile in one task, sums each output exactly as the single-thread loop.
     */
    @ParameterizedTest
    @CsvSource({"97,600,203", "150,1024,520", "384,1024,384", "1024,384,1024", "83,257,77"})
    void theParallelPathEqualsTheSingleThreadOneBitForBit(int m, int k, int n) {
        Random rnd = new Random(m * 7L + k * 3L + n);
        float[] a = gaussian(rnd, m * k), bt = gaussian(rnd, n * k), b = gaussian(rnd, k * n), at = gaussian(rnd, k * m);
        float[] init = gaussian(rnd, m * n);
        try (WorkerPool one = new WorkerPool(1)) {
            VectorMatMul serial = new VectorMatMul(one);
            for (boolean accumulate : new boolean[]{false, true}) {
                for (int product = 0; product < 3; product++) {
                    float[] expected = init.clone(), actual = init.clone();
                    for (VectorMatMul kernel : new VectorMatMul[]{serial, fast}) {
                        float[] c = kernel == serial ? expected : actual;
                        switch (product) {
                            case 0 -> kernel.multiplyTransposed(a, bt, c, m, k, n, accumulate);
                            case 1 -> kernel.multiplyPlain(a, b, c, m, k, n, accumulate);
                            default -> kernel.multiplyTransposedA(at, b, c, m, k, n, accumulate);
                        }
                    }
                    assertSameBits(expected, actual, "product " + product + " m=" + m + " k=" + k + " n=" + n + " accumulate=" + accumulate + ", 1 vs 2 threads");
                    if (product == 1) {
                        // A read in place (six-row tiles) and A packed (four-row panels) sum in the same order too
                        float[] packed = init.clone();
                        float[] aT = new float[k * m];
                        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) aT[p * m + i] = a[i * k + p];
                        fast.multiplyTransposedA(aT, b, packed, m, k, n, accumulate);
                        assertSameBits(actual, packed, "A·B m=" + m + " k=" + k + " n=" + n + " accumulate=" + accumulate + ", direct vs packed A");
                    }
                }
            }
        }
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": differs at " + i + ": " + expected[i] + " vs " + actual[i]);
            }
        }
    }

    @Test
    void stridedViewsReadOneHeadInPlace() {
        // one "head" of 10 columns at offset 7 inside rows of 40, written into a wider C at an offset
        Random rnd = new Random(3);
        int m = 23, k = 10, n = 19, ldc = 31, cOff = 5;
        float[] q = gaussian(rnd, m * 40), kk = gaussian(rnd, n * 40);
        View a = new View(q, 7, 40, 1), b = new View(kk, 7, 1, 40);
        float[] init = gaussian(rnd, cOff + m * ldc);
        compare("head", a, b, init, cOff, ldc, m, k, n, false, c -> fast.multiply(a, b, c, cOff, ldc, m, k, n, false));
        // columns between ldc rows are left untouched
        float[] c = init.clone();
        fast.multiply(a, b, c, cOff, ldc, m, k, n, false);
        for (int i = 0; i < m; i++) for (int j = n; j < ldc && cOff + i * ldc + j < c.length; j++) {
            assertEquals(init[cOff + i * ldc + j], c[cOff + i * ldc + j], 0f);
        }
    }

    @Test
    void badShapesAreRejectedWithAReason() {
        float[] a = new float[6], b = new float[6], c = new float[4];
        var e = assertThrows(IllegalArgumentException.class, () -> fast.multiplyTransposed(a, b, c, 2, 4, 2, false));
        assertTrue(e.getMessage().contains("A has 6 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fast.multiplyPlain(a, b, c, 2, 3, 0, false));
        var v = assertThrows(IllegalArgumentException.class, () -> fast.multiply(new View(a, 2, 3, 1), View.rowMajor(b, 0, 2), c, 0, 2, 2, 3, 2, false));
        assertTrue(v.getMessage().contains("reaches index 7"), v.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new View(a, -1, 1, 1));
    }

    private interface Product {
        void into(float[] c);
    }

    private static void compare(String what, View a, View b, float[] init, int cOff, int ldc, int m, int k, int n, boolean accumulate, Product product) {
        float[] expected = init.clone(), actual = init.clone();
        ScalarMatMul.INSTANCE.multiply(a, b, expected, cOff, ldc, m, k, n, accumulate);
        product.into(actual);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double magnitude = accumulate ? Math.abs(init[cOff + i * ldc + j]) : 0;
                for (int p = 0; p < k; p++) magnitude += Math.abs(a.get(i, p) * b.get(p, j));
                int o = cOff + i * ldc + j;
                double tolerance = 4 * Math.ulp(1f) * (k + 1) * magnitude + 1e-30;
                if (!(Math.abs(expected[o] - actual[o]) <= tolerance)) {
                    fail(what + " m=" + m + " k=" + k + " n=" + n + " accumulate=" + accumulate + " at (" + i + "," + j + "): expected "
                            + expected[o] + " got " + actual[o] + " (tolerance " + tolerance + ")");
                }
            }
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }
}
