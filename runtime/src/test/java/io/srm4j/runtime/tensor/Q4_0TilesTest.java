package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Q4_0Tiles} (Q4_0 products of several tokens in 16-bit lanes) against the scalar twin {@link RepackedQ4#q4_0},
 * bit for bit: token counts around the 8-token groups and the padding to an even group count, chunk and tile
 * remainders, rows over several slices, row ranges starting anywhere, and the largest block sums a short must hold.
 */
class Q4_0TilesTest {

    private static float[] product(Matrix w, QuantizedActivations q, int from, int to) {
        float[] out = new float[q.count * w.rows()];
        Q4_0Tiles.matMulRows(w.data(), w.rowBytes(), new Q4_0Tiles.Activations(q), from, to, out, w.rows());
        return out;
    }

    private static void assertTwin(Matrix w, QuantizedActivations q, int from, int to, float[] out, String what) {
        for (int t = 0; t < q.count; t++) {
            for (int r = 0; r < w.rows(); r++) {
                float expected = r >= from && r < to ? RepackedQ4.q4_0(w.data(), r * w.rowBytes(), q, t * w.cols(), w.cols()) : 0f;
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[t * w.rows() + r]), what + " token " + t + " row " + r);
            }
        }
    }

    @Test
    void everyTokenCountRowCountAndRangeSumsAsTheScalarTwin() {
        assumeTrue(Q4_0Tiles.supported(), "no 256-bit vectors here");
        Random rnd = new Random(5);
        for (int cols : new int[] {32, 96, 17 * 32 + 512, 34 * 32}) { // odd block counts pair their last block with zeros; 17 * 32 + 512: a partial last slice
            for (int rows : new int[] {4, 8, 13, 24, 40}) {
                Matrix w = ExactBlockKernelsTest.randomMatrix(GgmlType.Q4_0, rnd, rows, cols, rows % 2 == 0);
                for (int n : new int[] {1, 2, 7, 8, 9, 15, 16, 17, 25, 33}) {
                    float[] x = Fixtures.gaussian(rnd, n * cols, n % 3 == 0 ? 1e-3f : 1f);
                    QuantizedActivations q = QuantizedActivations.quantize(GgmlType.Q8_0, x, 0, cols, n);
                    int from = rows > 8 ? 3 : 0, to = rows > 8 ? rows - 2 : rows;
                    assertTwin(w, q, from, to, product(w, q, from, to), cols + " cols, " + rows + " rows, " + n + " tokens");
                }
            }
        }
    }

    @Test
    void theLargestBlockSumsStayExact() {
        assumeTrue(Q4_0Tiles.supported(), "no 256-bit vectors here");
        int rows = 16, cols = 64, n = 9;
        byte[] bytes = new byte[rows * 2 * 18];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < 2; b++) {
                int p = (r * 2 + b) * 18;
                bytes[p + 1] = 0x3C; // scale 1.0 in f16
                // quants 0 (-8 each) or 0xF (+7), so the sums reach 32 * 8 * 127 in magnitude
                Arrays.fill(bytes, p + 2, p + 18, (byte) (r % 2 == 0 ? 0x00 : 0xFF));
            }
        }
        Matrix w = new Matrix("w", GgmlType.Q4_0, rows, cols, MemorySegment.ofArray(bytes));
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (i / cols) % 2 == 0 ? 1f : -1f;
        QuantizedActivations q = QuantizedActivations.quantize(GgmlType.Q8_0, x, 0, cols, n);
        float[] out = product(w, q, 0, rows);
        assertTwin(w, q, 0, rows, out, "extremes");
        assertEquals(-2 * 32 * 8 * 127 * q.d[0], out[0], 0f, "row 0, token 0: all quants -8 against 127");
    }

    @Test
    void onlyQ8_0ActivationsAreAccepted() {
        QuantizedActivations k = QuantizedActivations.quantize(GgmlType.Q8_K, new float[256], 256, 1);
        assertThrows(IllegalArgumentException.class, () -> new Q4_0Tiles.Activations(k));
    }
}
