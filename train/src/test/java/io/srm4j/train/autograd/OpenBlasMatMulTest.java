package io.srm4j.train.autograd;

import io.srm4j.train.autograd.MatMulKernel.View;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The optional OpenBLAS kernel held to the scalar twin; skipped where libopenblas.so.0 is not installed. */
class OpenBlasMatMulTest {
    @Test
    void matchesTheScalarTwinOnEveryViewKind() {
        var blas = OpenBlasMatMul.load();
        assumeTrue(blas.isPresent(), "libopenblas.so.0 not found: the OpenBLAS kernel is not tested (apt-get install libopenblas0-pthread)");
        MatMulKernel k = blas.get();
        System.out.println("OpenBLAS core: " + blas.get().coreName());
        Random rnd = new Random(11);
        int[][] shapes = {{1, 1, 1}, {5, 17, 3}, {97, 600, 203}, {64, 64, 130}};
        for (int[] sh : shapes) {
            int m = sh[0], kk = sh[1], n = sh[2];
            float[] a = gaussian(rnd, m * kk + 7), b = gaussian(rnd, kk * n + 5), init = gaussian(rnd, m * n + 3);
            View[] as = {new View(a, 7, kk, 1), new View(a, 7, 1, m)};      // A, and Aᵀ stored [k×m]
            View[] bs = {new View(b, 5, n, 1), new View(b, 5, 1, kk)};      // B, and Bᵀ stored [n×k]
            for (View av : as) for (View bv : bs) for (boolean acc : new boolean[]{false, true}) {
                float[] expected = init.clone(), actual = init.clone();
                ScalarMatMul.INSTANCE.multiply(av, bv, expected, 3, n, m, kk, n, acc);
                k.multiply(av, bv, actual, 3, n, m, kk, n, acc);
                for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
                    double mag = acc ? Math.abs(init[3 + i * n + j]) : 0;
                    for (int p = 0; p < kk; p++) mag += Math.abs(av.get(i, p) * bv.get(p, j));
                    int o = 3 + i * n + j;
                    if (!(Math.abs(expected[o] - actual[o]) <= 4 * Math.ulp(1f) * (kk + 1) * mag + 1e-30)) {
                        fail("m=" + m + " k=" + kk + " n=" + n + " at (" + i + "," + j + "): " + expected[o] + " vs " + actual[o]);
                    }
                }
                assertTrue(Float.isFinite(actual[3]));
            }
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }
}
