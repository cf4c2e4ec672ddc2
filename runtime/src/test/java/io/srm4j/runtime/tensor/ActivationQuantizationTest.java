package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Q8_0 / Q8_1 / Q8_K activation quantisation in vector lanes against its scalar twin (ggml's x86 quantize_row_q8_0/1,
 * quantize_row_q8_K_ref), every output bit for bit: gaussian data at several scales, exact ties (x·127/amax = k + 0.5,
 * which round half to even), zero blocks, subnormals, the largest magnitude with both signs (Q8_K takes the first, or
 * the positive one for the rows of llama.cpp's repacked gemm), and blocks holding an infinity or NaN (which the scalar
 * code takes).
 */
class ActivationQuantizationTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q8_1", "Q8_K"})
    void vectorLanesQuantiseAsTheScalarTwin(GgmlType format) {
        Random rnd = new Random(3);
        int cols = 256, count = 14;
        float[] x = new float[cols * count];
        for (int t = 0; t < count; t++) {
            for (int i = 0; i < cols; i++) {
                int e = t * cols + i;
                x[e] = switch (t) {
                    case 0 -> (float) rnd.nextGaussian();
                    case 1 -> (float) rnd.nextGaussian() * 1e-30f;
                    case 2 -> (float) rnd.nextGaussian() * 1e30f;
                    case 3 -> 0f;
                    case 4 -> i % 32 == 0 ? 127f : (rnd.nextInt(254) - 127) + 0.5f; // ties: amax 127, multiplier 1
                    case 5 -> i % 32 == 0 ? -127f : (i % 2 == 0 ? -1 : 1) * (i % 32 - 0.5f);
                    case 6 -> Float.MIN_VALUE * (i % 7 - 3);
                    case 7 -> i == 40 ? Float.POSITIVE_INFINITY : (float) rnd.nextGaussian();
                    case 8 -> i == 70 ? Float.NaN : (float) rnd.nextGaussian();
                    case 9 -> i % 32 == 5 ? -0f : (float) rnd.nextGaussian() * 3;
                    case 10 -> i == 3 ? -5f : i == 200 ? 5f : (float) rnd.nextGaussian(); // the largest magnitude, both signs
                    case 11 -> i == 7 || i == 9 ? -5f : (float) rnd.nextGaussian();
                    default -> (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian() * 4));
                };
            }
        }
        QuantizedActivations v = QuantizedActivations.quantize(format, x, 0, cols, count);
        QuantizedActivations s = QuantizedActivations.quantizeScalar(format, x, 0, cols, count);
        assertArrayEquals(s.qs, v.qs, "quants");
        assertArrayEquals(s.qs16, v.qs16, "quants as shorts");
        assertArrayEquals(s.d, v.d, "scales");
        if (format == GgmlType.Q8_1) assertArrayEquals(s.s, v.s, "scaled sums");
        if (format == GgmlType.Q8_K) {
            assertArrayEquals(s.bsums, v.bsums, "sums of 16");
            boolean[] gemm = new boolean[count];
            for (int t = 0; t < count; t += 2) gemm[t] = true;
            QuantizedActivations vg = QuantizedActivations.quantize(format, x, 0, cols, count, gemm);
            QuantizedActivations sg = QuantizedActivations.quantizeScalar(format, x, 0, cols, count, gemm);
            assertArrayEquals(sg.qs, vg.qs, "gemm rows' quants");
            assertArrayEquals(sg.d, vg.d, "gemm rows' scales");
            assertArrayEquals(sg.bsums, vg.bsums, "gemm rows' sums");
            org.junit.jupiter.api.Assertions.assertNotEquals(s.d[10], sg.d[10], "the tie rule decides row 10's scale");
        }
    }

    /** The decode copies' activation pairs: quants 2i and 2i + 1 in every one of the eight int lanes of pair i's 16 shorts. */
    @org.junit.jupiter.api.Test
    void repeatedPairsHoldEachPairInEveryLane() {
        float[] x = new float[96];
        Random rnd = new Random(8);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_0, x, 0, x.length, 1);
        short[] p = a.repeatedPairs();
        org.junit.jupiter.api.Assertions.assertEquals(8 * x.length, p.length);
        for (int i = 0; i < x.length / 2; i++) {
            for (int lane = 0; lane < 8; lane++) {
                org.junit.jupiter.api.Assertions.assertEquals(a.qs[2 * i], p[16 * i + 2 * lane], "pair " + i + " lane " + lane);
                org.junit.jupiter.api.Assertions.assertEquals(a.qs[2 * i + 1], p[16 * i + 2 * lane + 1], "pair " + i + " lane " + lane);
            }
        }
    }
}
