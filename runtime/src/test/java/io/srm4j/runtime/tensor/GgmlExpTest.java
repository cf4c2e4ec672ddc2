package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
