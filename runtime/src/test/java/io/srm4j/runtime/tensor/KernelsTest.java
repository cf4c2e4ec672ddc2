package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every fast kernel against its scalar twin on random data, several sizes, odd row counts and unaligned offsets.
 *
 * <p>Tolerance: {@code |fast - reference| <= 1e-4 · Σ|w_i · x_i|}. Both sum the same products in a different
 * order, so the difference is float rounding, bounded by about n·2^-24 of that magnitude (7.6e-5 for n = 1280 in
 * the worst case, ~1e-6 typically); a wrong element or block mapping is off by a large fraction of it.
 */
class KernelsTest {
    static final double TOLERANCE = 1e-4;
    static final int[] SIZES = {256, 1280};

    static final Map<GgmlType, int[]> F16_FIELDS = Map.of(
            GgmlType.Q8_0, new int[] {0}, GgmlType.Q4_0, new int[] {0}, GgmlType.Q4_1, new int[] {0, 2},
            GgmlType.Q5_0, new int[] {0}, GgmlType.Q5_1, new int[] {0, 2}, GgmlType.Q2_K, new int[] {80, 82},
            GgmlType.Q3_K, new int[] {108}, GgmlType.Q4_K, new int[] {0, 2}, GgmlType.Q5_K, new int[] {0, 2},
            GgmlType.Q6_K, new int[] {208});

    /** Random block bytes (every bit pattern of the quants, e.g. Q8_0's -128) with finite, modest f16 scales. */
    static byte[] rawRandomRows(GgmlType type, Random rnd, int rows, int cols) {
        if (!type.isQuantized()) return Fixtures.randomMatrix(type, rnd, rows, cols);
        byte[] b = new byte[(int) (type.rowBytes(cols) * rows)];
        rnd.nextBytes(b);
        for (int p = 0; p < b.length; p += type.typeSize) {
            for (int f : F16_FIELDS.get(type)) Quantize.putI16(b, p + f, Float.floatToFloat16((float) rnd.nextGaussian() * 0.01f));
        }
        return b;
    }

    static double magnitude(GgmlType type, MemorySegment w, long off, float[] x, int xo, int n) {
        float[] row = new float[n];
        Dequantize.row(type, w, off, row, 0, n);
        double m = 0;
        for (int i = 0; i < n; i++) m += Math.abs((double) row[i] * x[xo + i]);
        return m;
    }

    @Test
    void floatDotMatchesScalarForEveryType() {
        Random rnd = new Random(1);
        for (GgmlType t : Fixtures.SUPPORTED) {
            for (int n : SIZES) {
                int rows = 3;
                for (boolean raw : new boolean[] {false, true}) {
                    byte[] data = raw ? rawRandomRows(t, rnd, rows, n) : Fixtures.randomMatrix(t, rnd, rows, n);
                    MemorySegment w = MemorySegment.ofArray(data);
                    float[] x = Fixtures.gaussian(rnd, n + 3, 1f);
                    for (int r = 0; r < rows; r++) {
                        long off = r * t.rowBytes(n);
                        float ref = ScalarKernels.dot(t, w, off, x, 3, n);
                        float fast = VectorKernels.dot(t, w, off, x, 3, n);
                        double tol = TOLERANCE * magnitude(t, w, off, x, 3, n);
                        assertTrue(Math.abs(fast - ref) <= tol, t + " n=" + n + " row " + r + ": " + fast + " vs " + ref + " (tol " + tol + ")");
                    }
                }
            }
        }
    }

    @Test
    void quantizedDotMatchesScalarForEveryQuantizedType() {
        Random rnd = new Random(2);
        for (GgmlType t : Fixtures.SUPPORTED) {
            GgmlType format = QuantizedActivations.formatFor(t);
            if (format == null) continue;
            for (int n : SIZES) {
                int rows = 3;
                for (boolean raw : new boolean[] {false, true}) {
                    MemorySegment w = MemorySegment.ofArray(raw ? rawRandomRows(t, rnd, rows, n) : Fixtures.randomMatrix(t, rnd, rows, n));
                    float[] x = Fixtures.gaussian(rnd, 2 * n, 1f);
                    QuantizedActivations a = QuantizedActivations.quantize(format, x, n, 2);
                    for (int r = 0; r < rows; r++) {
                        long off = r * t.rowBytes(n);
                        float ref = ScalarKernels.dotQ(t, w, off, a, n, n);
                        float fast = VectorKernels.dotQ(t, w, off, a, n, n);
                        double tol = TOLERANCE * magnitude(t, w, off, x, n, n);
                        assertTrue(Math.abs(fast - ref) <= tol, t + " n=" + n + " row " + r + ": " + fast + " vs " + ref);
                    }
                }
            }
        }
    }

    @Test
    void unpackedRowsMatchTheScalarQuantizedDot() {
        Random rnd = new Random(4);
        int n = 768, rows = 5;
        for (GgmlType t : Fixtures.SUPPORTED) {
            GgmlType format = QuantizedActivations.formatFor(t);
            if (format == null || !VectorKernels.INT_PATH) continue;
            MemorySegment w = MemorySegment.ofArray(rawRandomRows(t, rnd, rows + 1, n));
            float[] x = Fixtures.gaussian(rnd, 2 * n, 1f);
            QuantizedActivations a = QuantizedActivations.quantize(format, x, n, 2);
            UnpackedRows u = new UnpackedRows(t, n, 8);
            u.unpack(w, t.rowBytes(n), t.rowBytes(n), rows); // rows 1..5 of the segment
            for (int r = 0; r < rows; r++) {
                long off = (r + 1) * t.rowBytes(n);
                for (int tok = 0; tok < 2; tok++) {
                    float ref = ScalarKernels.dotQ(t, w, off, a, tok * n, n);
                    assertEquals(ref, u.dot(r, a, tok * n), TOLERANCE * magnitude(t, w, off, x, tok * n, n), t + " row " + r);
                }
            }
        }
    }

    /** The scalar quantised dot itself: equal to Σ dequantised weight × dequantised activation. */
    @Test
    void scalarQuantizedDotEqualsDotOfDequantisedValues() {
        Random rnd = new Random(3);
        int n = 512;
        for (GgmlType t : Fixtures.SUPPORTED) {
            GgmlType format = QuantizedActivations.formatFor(t);
            if (format == null) continue;
            MemorySegment w = MemorySegment.ofArray(rawRandomRows(t, rnd, 1, n));
            float[] x = Fixtures.gaussian(rnd, n, 1f);
            QuantizedActivations a = QuantizedActivations.quantize(format, x, n, 1);
            float[] row = new float[n];
            Dequantize.row(t, w, 0, row, 0, n);
            double expect = 0, mag = 0;
            for (int i = 0; i < n; i++) {
                expect += (double) row[i] * a.value(0, i);
                mag += Math.abs((double) row[i] * a.value(0, i));
            }
            float got = ScalarKernels.dotQ(t, w, 0, a, 0, n);
            assertEquals(expect, got, TOLERANCE * mag, t.name());
            // and activation quantisation only perturbs the float dot slightly (8-bit activations)
            float exact = ScalarKernels.dot(t, w, 0, x, 0, n);
            assertEquals(exact, got, 0.02 * magnitude(t, w, 0, x, 0, n), t + " quantised vs float activations");
        }
    }

    @Test
    void activationQuantisationFollowsGgml() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) x[i] = (i - 100) * 0.01f;
        QuantizedActivations q8 = QuantizedActivations.quantize(GgmlType.Q8_0, x, 256, 1);
        // block 0 holds -1.00 .. -0.69: amax 1.0, d = 1/127, so -1.0 -> -127
        assertEquals(-127, q8.qs[0]);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1.0f / 127)), q8.d[0]);
        QuantizedActivations qk = QuantizedActivations.quantize(GgmlType.Q8_K, x, 256, 1);
        // largest magnitude 1.55 (i = 255, positive): iscale = -127/1.55, so it maps to -127 and d is negative
        assertEquals(-127, qk.qs[255]);
        assertTrue(qk.d[0] < 0);
        int sum = 0;
        for (int i = 0; i < 16; i++) sum += qk.qs[i];
        assertEquals(sum, qk.bsums[0]);
        assertThrows(IllegalArgumentException.class, () -> QuantizedActivations.quantize(GgmlType.Q4_0, x, 256, 1));
        assertThrows(IllegalArgumentException.class,
                () -> ScalarKernels.dotQ(GgmlType.Q4_K, MemorySegment.ofArray(new byte[144]), 0, q8, 0, 256));
    }

    /** The 32-element quantised dots (unpacked eight elements per long) against the scalar twin, bit for bit, on every bit pattern. */
    @Test
    void blocks32DotsEqualTheScalarTwinBitForBit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorKernels.INT_PATH, "no 256-bit vectors here");
        Random rnd = new Random(61);
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1}) {
            int n = 256, rows = 8;
            MemorySegment w = MemorySegment.ofArray(rawRandomRows(t, rnd, rows, n));
            QuantizedActivations a = QuantizedActivations.quantize(QuantizedActivations.formatFor(t), Fixtures.gaussian(rnd, n, 1f), n, 1);
            for (int r = 0; r < rows; r++) {
                long off = r * t.rowBytes(n);
                org.junit.jupiter.api.Assertions.assertEquals(Float.floatToRawIntBits(ScalarKernels.dotQ(t, w, off, a, 0, n)),
                        Float.floatToRawIntBits(VectorKernels.dotQ(t, w, off, a, 0, n)), t + " row " + r);
            }
        }
    }
}
