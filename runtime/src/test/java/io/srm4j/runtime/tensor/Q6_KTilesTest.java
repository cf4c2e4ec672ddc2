package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@link Q6_KTiles} and MatMul's several-token Q6_K products hold bit for bit to {@link GgmlOrderKQuants#dotScalar}. */
class Q6_KTilesTest {
    private static final GgmlType T = GgmlType.Q6_K;

    @Test
    void tilesEqualTheScalarTwinBitForBit() {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(29);
        int[][] shapes = {{5, 256}, {16, 512}, {37, 1024}, {9, 3072}};
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1];
            Matrix w = new Matrix("w", T, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(T, rnd, rows, cols)));
            for (int n = 1; n <= 17; n++) {
                float[] x = new float[cols * n];
                // now and then a large element, so that blocks' scales and sums cover their full range
                for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(200) == 0 ? 1e3 : 1));
                QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, 0, cols, n);
                float[] viaMatMul = new float[rows * n];
                MatMul.matMul(n % 2 == 0 ? TestPools.THREE : TestPools.SINGLE, w, x, n, viaMatMul);
                float[] tiles = new float[rows * n];
                Q6_KTiles.matMulRows(w.data(), w.rowBytes(), new Q6_KTiles.Activations(a), 0, rows, tiles, rows);
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) {
                        float ref = GgmlOrderKQuants.dotScalar(T, w.data(), r * w.rowBytes(), a, t * cols, cols);
                        String where = rows + "x" + cols + ", " + n + " tokens, token " + t + " row " + r;
                        assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(tiles[t * rows + r]), "tiles " + where);
                        assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(viaMatMul[t * rows + r]), "MatMul " + where);
                    }
                }
            }
        }
    }

    /** The extremes of exactness: every quant 63 and every scale -128 against activations of +-127 in one sign. */
    @Test
    void extremeBlocksStayExact() {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(4);
        int rows = 8, cols = 512, n = 9;
        byte[] raw = KernelsTest.rawRandomRows(T, rnd, rows, cols);
        for (int p = 0; p < raw.length; p += T.typeSize) {
            byte fill = (byte) (rnd.nextInt(4) == 0 ? 0x00 : 0xFF);
            for (int i = 0; i < 192; i++) raw[p + i] = fill;
            for (int i = 192; i < 208; i++) raw[p + i] = (byte) (rnd.nextBoolean() ? -128 : 127);
        }
        Matrix w = new Matrix("w", T, rows, cols, MemorySegment.ofArray(raw));
        float[] x = new float[cols * n];
        for (int i = 0; i < x.length; i++) x[i] = (i / cols) % 3 == 0 ? 1 : (i / cols) % 3 == 1 ? -1 : (rnd.nextBoolean() ? 1 : -1);
        QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, 0, cols, n);
        float[] out = new float[rows * n];
        Q6_KTiles.matMulRows(w.data(), w.rowBytes(), new Q6_KTiles.Activations(a), 0, rows, out, rows);
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                float ref = GgmlOrderKQuants.dotScalar(T, w.data(), r * w.rowBytes(), a, t * cols, cols);
                assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(out[t * rows + r]), "token " + t + " row " + r);
            }
        }
    }
}
