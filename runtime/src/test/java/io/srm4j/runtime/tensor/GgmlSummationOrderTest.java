package io.srm4j.runtime.tensor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quantised products that sum in llama.cpp's order ({@link ScalarKernels#sumsInGgmlOrder}) give llama.cpp's
 * bits: the fixtures are dot products computed by ggml's own AVX2 kernels (from_float + vec_dot, written by
 * scripts/ggml-dot-fixtures.py), and every srm4j path — the scalar reference, the vector kernel, the prefill
 * product — must reproduce them exactly, not within a tolerance: one last-bit difference is enough to flip a later
 * F16 or 8-bit rounding and move logits by ~0.1.
 */
class GgmlSummationOrderTest {
    @Test
    void productsEqualGgmlsBitForBit() throws IOException {
        ByteBuffer in;
        try (InputStream s = getClass().getResourceAsStream("ggml-dot-fixtures.bin")) {
            assertNotNull(s, "ggml-dot-fixtures.bin missing");
            in = ByteBuffer.wrap(s.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
        int cases = in.getInt(), checked = 0;
        for (int c = 0; c < cases; c++) {
            int id = in.getInt(), n = in.getInt();
            GgmlType type = null;
            for (GgmlType t : GgmlType.values()) if (t.id == id) type = t;
            assertNotNull(type, "ggml type " + id);
            byte[] w = new byte[(int) type.rowBytes(n)];
            in.get(w);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = in.getFloat();
            float expected = in.getFloat();
            assertTrue(ScalarKernels.sumsInGgmlOrder(type), type + " is not marked as summing in ggml's order");
            QuantizedActivations a = QuantizedActivations.quantize(QuantizedActivations.formatFor(type), x, n, 1);
            MemorySegment seg = MemorySegment.ofArray(w);
            String what = type + " n=" + n + " case " + c;
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(ScalarKernels.dotQ(type, seg, 0, a, 0, n)), what + " (scalar)");
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(VectorKernels.dotQ(type, seg, 0, a, 0, n)), what + " (vector)");
            checked++;
        }
        assertTrue(checked >= 100, "only " + checked + " fixtures");
    }

    @Test
    void prefillProductsEqualTheRowKernelBitForBit() {
        Random rnd = new Random(9);
        int cols = 512, rows = 39, n = 5; // not a multiple of 8: Q4_0 keeps the vec_dot order (see RepackedQ4)
        for (GgmlType t : GgmlType.values()) {
            if (!ScalarKernels.sumsInGgmlOrder(t)) continue;
            byte[] bytes = new byte[(int) (t.rowBytes(cols) * rows)];
            rnd.nextBytes(bytes);
            // sane f16 scales (and mins) in every block: random bytes can be NaN or huge
            for (int b = 0; b < bytes.length / t.typeSize; b++) {
                for (int o = 0; o < (t == GgmlType.Q4_1 || t == GgmlType.Q5_1 ? 4 : 2); o += 2) {
                    short h = Float.floatToFloat16((rnd.nextFloat() - 0.5f) * 0.1f);
                    bytes[b * t.typeSize + o] = (byte) h;
                    bytes[b * t.typeSize + o + 1] = (byte) (h >> 8);
                }
            }
            Matrix m = new Matrix("w", t, rows, cols, MemorySegment.ofArray(bytes));
            float[] x = new float[cols * n];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] batch = new float[rows * n], one = new float[rows];
            MatMul.matMul(m, x, n, batch);
            for (int tok = 0; tok < n; tok++) {
                MatMul.matVec(m, x, tok * cols, one, 0);
                QuantizedActivations a = QuantizedActivations.quantize(QuantizedActivations.formatFor(t), x, tok * cols, cols, 1);
                for (int r = 0; r < rows; r++) {
                    float ref = ScalarKernels.dotQ(t, m.data(), r * t.rowBytes(cols), a, 0, cols);
                    assertEquals(Float.floatToIntBits(ref), Float.floatToIntBits(one[r]), t + " matVec row " + r);
                    assertEquals(Float.floatToIntBits(ref), Float.floatToIntBits(batch[tok * rows + r]), t + " matMul row " + r + " token " + tok);
                }
            }
        }
    }
}
