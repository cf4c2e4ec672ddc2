package io.srm4j.train.autograd;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Vector API dot and axpy held to their scalar twins, at lengths around the vector width. */
class VectorMathTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 8, 9, 16, 31, 64, 100, 128})
    void matchScalarTwins(int n) {
        Random rnd = new Random(n);
        float[] a = new float[n + 5], b = new float[n + 3];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
        assertEquals(VectorMath.dotScalar(a, 5, b, 3, n), VectorMath.dot(a, 5, b, 3, n), 1e-5 * Math.sqrt(n) * 4);
        float[] y1 = b.clone(), y2 = b.clone();
        VectorMath.axpyScalar(0.7f, a, 5, y1, 3, n);
        VectorMath.axpy(0.7f, a, 5, y2, 3, n);
        for (int i = 0; i < y1.length; i++) assertEquals(y1[i], y2[i], 1e-6f, "axpy at " + i);
    }
}
