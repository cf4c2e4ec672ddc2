package io.srm4j.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SwiGlu} (eight lanes at a time) against its scalar twin {@code silu(gate) * up} ({@link Transformer#silu}, the
 * port of ggml_v_silu), bit for bit: ordinary activations, the edges of ggml's fast exponent range and beyond,
 * infinities, NaN, signed zeros and subnormals, over ranges that start and end off the eight-lane grid.
 */
class SwiGluTest {

    @Test
    void everyLaneEqualsTheScalarTwin() {
        Random rnd = new Random(9);
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, 87f, -87f, 88.5f, -88.5f, 89f, -89f, 100f, -100f,
                126f, -130f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        int n = 4099;
        float[] gate = new float[n], up = new float[n];
        for (int i = 0; i < n; i++) {
            gate[i] = switch (i % 5) {
                case 0 -> special[(i / 5) % special.length];
                case 1 -> (float) rnd.nextGaussian() * 30;
                case 2 -> (float) (rnd.nextDouble() * 200 - 100);
                default -> (float) rnd.nextGaussian() * 3;
            };
            up[i] = i % 97 == 0 ? special[(i / 97) % special.length] : (float) rnd.nextGaussian();
        }
        for (int[] range : new int[][] {{0, n}, {3, 4000}, {5, 12}, {1, 2}}) {
            float[] g = gate.clone();
            SwiGlu.apply(g, up, range[0], range[1]);
            for (int i = 0; i < n; i++) {
                float expected = i >= range[0] && i < range[1] ? Transformer.silu(gate[i]) * up[i] : gate[i];
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(g[i]),
                        "gate " + gate[i] + " up " + up[i] + " at " + i + " of range " + range[0] + ".." + range[1]);
            }
        }
    }
}
