package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Vector API kernel held to the scalar twin, on sizes that exercise every tile edge and both parallel splits. */
class MatMulKernelTest {
    @ParameterizedTest
    @CsvSource({"1,1,1", "3,5,2", "4,8,2", "5,17,3", "9,33,7", "64,96,130", "2,300,257", "130,64,3"})
    void vectorKernelMatchesScalar(int m, int k, int n) {
        Random rnd = new Random(m * 1000L + k * 10L + n);
        float[] a = new float[m * k], b = new float[n * k];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
        float[] init = new float[m * n];
        for (int i = 0; i < init.length; i++) init[i] = (float) rnd.nextGaussian();
        try (WorkerPool pool = new WorkerPool(2)) {
            for (boolean accumulate : new boolean[]{false, true}) {
                float[] expected = init.clone(), actual = init.clone();
                ScalarMatMul.INSTANCE.multiplyTransposed(a, b, expected, m, k, n, accumulate);
                new VectorMatMul(pool).multiplyTransposed(a, b, actual, m, k, n, accumulate);
                for (int i = 0; i < expected.length; i++) {
                    // summation order differs: allow a few ulps of a k-term sum of unit-variance products
                    assertEquals(expected[i], actual[i], 1e-5 * Math.sqrt(k) * 4, "m=" + m + " k=" + k + " n=" + n + " at " + i);
                }
            }
        }
    }
}
