package io.srm4j.runtime.tensor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Q2_K, Q3_K, Q5_K and Q6_K products give llama.cpp's bits ({@link GgmlOrderKQuants}): the fixtures are activations
 * quantised by ggml's Q8_K from_float and dot products computed by its AVX2 {@code ggml_vec_dot_q*_K_q8_K}
 * (scripts/ggml-kquant-dot-fixtures.py, random and extreme blocks), and srm4j's activation quantisation, scalar
 * twin, decode kernel and prefill product must reproduce them exactly.
 */
class GgmlKQuantOrderTest {
    private static final GgmlType[] TYPES = {GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K, GgmlType.Q6_K};

    @Test
    void productsEqualGgmlsBitForBit() throws IOException {
        ByteBuffer in;
        try (InputStream s = getClass().getResourceAsStream("ggml-kquant-dot-fixtures.bin")) {
            assertNotNull(s, "ggml-kquant-dot-fixtures.bin missing");
            in = ByteBuffer.wrap(s.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
        int cases = in.getInt();
        Map<GgmlType, Integer> checked = new EnumMap<>(GgmlType.class);
        for (int c = 0; c < cases; c++) {
            int id = in.getInt(), n = in.getInt();
            GgmlType type = null;
            for (GgmlType t : GgmlType.values()) if (t.id == id) type = t;
            assertNotNull(type, "ggml type " + id);
            assertTrue(GgmlOrderKQuants.supports(type) && ScalarKernels.sumsInGgmlOrder(type), type + " is not summed in ggml's order");
            byte[] w = new byte[(int) type.rowBytes(n)];
            in.get(w);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = in.getFloat();
            String what = type + " n=" + n + " case " + c;

            QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, n, 1);
            for (int b = 0; b < n / 256; b++) {
                assertEquals(in.getInt(), Float.floatToIntBits(a.d[b]), what + ": Q8_K scale of block " + b);
                byte[] qs = new byte[256];
                short[] bsums = new short[16];
                in.get(qs);
                for (int j = 0; j < 16; j++) bsums[j] = in.getShort();
                assertArrayEquals(qs, java.util.Arrays.copyOfRange(a.qs, 256 * b, 256 * (b + 1)), what + ": Q8_K quants of block " + b);
                assertArrayEquals(bsums, java.util.Arrays.copyOfRange(a.bsums, 16 * b, 16 * (b + 1)), what + ": Q8_K block sums of block " + b);
            }
            float expected = in.getFloat();

            MemorySegment seg = MemorySegment.ofArray(w);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(ScalarKernels.dotQ(type, seg, 0, a, 0, n)), what + " (scalar)");
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(VectorKernels.dotQ(type, seg, 0, a, 0, n)), what + " (vector)");
            // prefill: the row twice as a two-token product (n = 1 would take the decode path)
            float[] xx = new float[2 * n], out = new float[2];
            System.arraycopy(x, 0, xx, 0, n);
            System.arraycopy(x, 0, xx, n, n);
            MatMul.matMul(new Matrix("w", type, 1, n, seg), xx, 2, out);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[0]), what + " (prefill)");
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[1]), what + " (prefill, second token)");
            checked.merge(type, 1, Integer::sum);
        }
        for (GgmlType t : TYPES) assertTrue(checked.getOrDefault(t, 0) >= 30, "only " + checked.get(t) + " fixtures for " + t);
    }

    /** Byte offsets of a super-block's f16 scales (d, dmin). */
    private static int[] scaleOffsets(GgmlType t) {
        return switch (t) {
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new AssertionError(t);
        };
    }

    /** Random rows (every fifth super-block all ones, the largest quants, scales and mins) with sane f16 scales. */
    private static byte[] randomRows(GgmlType t, int rows, int cols, Random rnd) {
        byte[] bytes = new byte[(int) (t.rowBytes(cols) * rows)];
        rnd.nextBytes(bytes);
        for (int b = 0; b < bytes.length / t.typeSize; b++) {
            if (b % 5 == 3) java.util.Arrays.fill(bytes, b * t.typeSize, (b + 1) * t.typeSize, (byte) 0xFF);
            for (int o : scaleOffsets(t)) {
                short h = Float.floatToFloat16((rnd.nextFloat() - 0.5f) * 0.1f);
                bytes[b * t.typeSize + o] = (byte) h;
                bytes[b * t.typeSize + o + 1] = (byte) (h >> 8);
            }
        }
        return bytes;
    }

    @Test
    void decodePrefillAndScalarTwinAgreeBitForBit() {
        Random rnd = new Random(17);
        int cols = 1024, rows = 37, n = 5;
        for (GgmlType t : TYPES) {
            Matrix m = new Matrix("w", t, rows, cols, MemorySegment.ofArray(randomRows(t, rows, cols, rnd)));
            float[] x = new float[cols * n];
            for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * (i % 300 == 7 ? 1e3 : 1));
            float[] batch = new float[rows * n], one = new float[rows];
            MatMul.matMul(m, x, n, batch);
            for (int tok = 0; tok < n; tok++) {
                MatMul.matVec(m, x, tok * cols, one, 0);
                QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, tok * cols, cols, 1);
                float[] ref = new float[rows];
                for (int r = 0; r < rows; r++) {
                    ref[r] = ScalarKernels.dotQ(t, m.data(), r * t.rowBytes(cols), a, 0, cols);
                    assertEquals(Float.floatToIntBits(ref[r]), Float.floatToIntBits(VectorKernels.dotQ(t, m.data(), r * t.rowBytes(cols), a, 0, cols)), t + " vector row " + r);
                }
                assertArrayEquals(ref, one, t + " matVec, token " + tok);
                assertArrayEquals(ref, java.util.Arrays.copyOfRange(batch, tok * rows, (tok + 1) * rows), t + " matMul, token " + tok);
            }
        }
    }

    /** A product of a row with activations at an offset (a later token's vector, a later row) reads the right blocks. */
    @Test
    void offsetsSelectTheRightBlocks() {
        Random rnd = new Random(3);
        int cols = 512;
        for (GgmlType t : TYPES) {
            byte[] bytes = randomRows(t, 3, cols, rnd);
            float[] x = new float[3 * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            QuantizedActivations all = QuantizedActivations.quantize(GgmlType.Q8_K, x, cols, 3);
            for (int r = 0; r < 3; r++) {
                MemorySegment row = MemorySegment.ofArray(java.util.Arrays.copyOfRange(bytes, (int) (r * t.rowBytes(cols)), (int) ((r + 1) * t.rowBytes(cols))));
                for (int tok = 0; tok < 3; tok++) {
                    QuantizedActivations alone = QuantizedActivations.quantize(GgmlType.Q8_K, x, tok * cols, cols, 1);
                    float want = ScalarKernels.dotQ(t, row, 0, alone, 0, cols);
                    MemorySegment seg = MemorySegment.ofArray(bytes);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(ScalarKernels.dotQ(t, seg, r * t.rowBytes(cols), all, tok * cols, cols)), t + " scalar");
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(VectorKernels.dotQ(t, seg, r * t.rowBytes(cols), all, tok * cols, cols)), t + " vector");
                }
            }
        }
    }
}
