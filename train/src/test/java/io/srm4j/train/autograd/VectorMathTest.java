package io.srm4j.train.autograd;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Vector API loops held to their scalar twins, at lengths around the vector width. */
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

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 9, 33, 100})
    void swigluAndSoftmaxMatchScalarTwins(int n) {
        Random rnd = new Random(100 + n);
        float[] g = gaussian(rnd, n, 4f), u = gaussian(rnd, n, 1f), dy = gaussian(rnd, n, 1f);
        for (float[] up : new float[][]{u, null}) {
            float[] y1 = new float[n], y2 = new float[n];
            VectorMath.swigluScalar(g, up, y1, 0, n);
            VectorMath.swiglu(g, up, y2, 0, n);
            for (int i = 0; i < n; i++) assertEquals(y1[i], y2[i], 1e-6f * (1 + Math.abs(y1[i])), "swiglu at " + i);
            float[] dg1 = gaussian(rnd, n, 1f), dg2 = dg1.clone(), du1 = gaussian(rnd, n, 1f), du2 = du1.clone();
            VectorMath.swigluBackwardScalar(g, up, dy, dg1, du1, 0, n);
            VectorMath.swigluBackward(g, up, dy, dg2, du2, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(dg1[i], dg2[i], 1e-5f * (1 + Math.abs(dg1[i])), "dgate at " + i);
                assertEquals(du1[i], du2[i], 1e-5f * (1 + Math.abs(du1[i])), "dup at " + i);
            }
        }
        float[] p1 = gaussian(rnd, n + 3, 6f), p2 = p1.clone();
        VectorMath.softmaxScalar(p1, 3, n, 0.7f);
        VectorMath.softmax(p2, 3, n, 0.7f);
        for (int i = 0; i < p1.length; i++) assertEquals(p1[i], p2[i], 2e-6f * (1 + Math.abs(p1[i])), "softmax at " + i);
        double sum = 0;
        for (int i = 3; i < n + 3; i++) sum += p2[i];
        assertEquals(1.0, sum, 1e-5);
    }

    @org.junit.jupiter.api.Test
    void expIsAccurateAndTheSameInEveryLaneAndTail() {
        Random rnd = new Random(9);
        var species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        float[] x = new float[species.length() * 4096], y = new float[x.length];
        for (int i = 0; i < x.length; i++) x[i] = (float) ((rnd.nextDouble() * 2 - 1) * (i % 3 == 0 ? 87 : 10));
        for (int i = 0; i < x.length; i += species.length()) {
            VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(species, x, i)).intoArray(y, i);
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(VectorMath.expScalar(x[i]), y[i], 0f, "vector and scalar exp differ at x=" + x[i]);
            double exact = Math.exp(x[i]);
            assertEquals(exact, y[i], 3 * Math.ulp((float) exact), "exp(" + x[i] + ")");
        }
        assertEquals(1f, VectorMath.expScalar(0f), 0f);
        org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(VectorMath.expScalar(Float.NaN)));
        org.junit.jupiter.api.Assertions.assertTrue(VectorMath.expScalar(-1000f) < 1e-37f && VectorMath.expScalar(1000f) > 1e38f);
    }

    @org.junit.jupiter.api.Test
    void saturatedInputsStayFinite() {
        float[] g = {-200f, -90f, 0f, 90f, 200f, -200f, 200f, 0f, 1f}, y = new float[g.length];
        VectorMath.swiglu(g, null, y, 0, g.length);
        for (int i = 0; i < g.length; i++) {
            if (g[i] > 50) assertEquals(g[i], y[i], 0f, "silu at " + i);
            if (g[i] < -50) assertEquals(0f, y[i], 1e-30f, "silu at " + i);
        }
        float[] dg = new float[g.length];
        VectorMath.swigluBackward(g, null, new float[]{1, 1, 1, 1, 1, 1, 1, 1, 1}, dg, null, 0, g.length);
        for (float d : dg) org.junit.jupiter.api.Assertions.assertTrue(Float.isFinite(d), "silu gradient " + d);
    }

    private static float[] gaussian(Random rnd, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * std);
        return v;
    }
}
