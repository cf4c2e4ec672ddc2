package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link GgmlExp#exp8} (eight lanes) against its scalar twin {@link GgmlExp#expf}, bit for bit, over arguments across
 * the float range: ordinary ones, the edges of ggml's fast exponent range and past them (underflow to subnormals and
 * zero, overflow to infinity), signed zeros, infinities and NaN; and the scalar one against {@code Math.exp} within
 * ggml's stated accuracy where the result is normal.
 */
class GgmlExpTest {

    @Test
    void eightLanesEqualTheScalarTwin() {
        Random rnd = new Random(17);
        float[] special = {0f, -0f, 1e-30f, -1e-30f, 87f, -87f, 87.5f, -87.5f, 88.7f, -88.7f, 89f, -89f, -103f, -104f, -110f, -150f,
                126f, -126f, 200f, -200f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        int n = 8 * 4000;
        float[] x = new float[n], out = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 4) {
                case 0 -> special[(i / 4) % special.length];
                case 1 -> (float) (rnd.nextDouble() * 200 - 100);
                default -> (float) rnd.nextGaussian() * 10;
            };
        }
        // all-ordinary blocks too, so that the vector lanes run, not only the scalar fallback
        for (int i = 0; i < n / 2; i++) x[i] = (float) (rnd.nextDouble() * 160 - 80);
        for (float sub : new float[] {0f, 3.5f, -20f}) {
            for (int b = 0; b < n; b += 8) GgmlExp.exp8(x, b, sub, out, b);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(GgmlExp.expf(x[i] - sub)), Float.floatToRawIntBits(out[i]), "exp(" + x[i] + " - " + sub + ")");
            }
        }
    }

    @Test
    void theScalarPortIsAnExponential() {
        for (float v = -87f; v <= 88f; v += 0.0137f) {
            double expected = Math.exp(v);
            assertEquals(expected, GgmlExp.expf(v), expected * 3e-7, "exp(" + v + ")");
        }
    }

    /** The softmax sum: each exponential written back when kept, the sum as eight-lane float sums added in double. */
    @Test
    void expSumKeepsEachExponentialAndSumsInGgmlsOrder() {
        Random rnd = new Random(5);
        int n = 8 * 37 + 5;
        float[] x = new float[n + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * 6;
        float max = 4f;
        float[] original = x.clone();
        double expected = 0;
        float[] lane = new float[8];
        for (int t = 0; t < n; t += 8) {
            for (int l = 0; l < 8; l++) lane[l] = t + l < n ? GgmlExp.expf(original[3 + t + l] - max) : 0f;
            expected += ScalarKernels.hsum8(lane);
        }
        assertEquals(expected, GgmlExp.expSum(x, 3, n, max, false, new float[8]), 0.0, "without keeping");
        assertEquals(Arrays.toString(original), Arrays.toString(x), "arguments untouched without keep");
        assertEquals(expected, GgmlExp.expSum(x, 3, n, max, true, new float[8]), 0.0, "keeping");
        for (int i = 0; i < x.length; i++) {
            float want = i >= 3 && i < 3 + n ? GgmlExp.expf(original[i] - max) : original[i];
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(x[i]), "element " + i);
        }
    }
}
