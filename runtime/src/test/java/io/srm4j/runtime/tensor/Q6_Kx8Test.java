package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@link Q6_Kx8}, the interleaved Q6_K copy, holds bit for bit to the scalar twin {@link GgmlOrderKQuants#dotScalar}. */
class Q6_Kx8Test {
    private static final GgmlType T = GgmlType.Q6_K;

    @Test
    void interleavedProductsEqualTheScalarTwinBitForBit() {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(61);
        int[][] shapes = {{8, 256}, {16, 512}, {40, 1024}, {24, 3072}};
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1];
            Matrix w = new Matrix("w", T, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(T, rnd, rows, cols)));
            Q6_Kx8 packed = Q6_Kx8.of(TestPools.SINGLE, w);
            for (int trial = 0; trial < 3; trial++) {
                float[] x = new float[cols];
                // now and then a large element, so that blocks' scales and sums cover their full range
                for (int i = 0; i < cols; i++) x[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(200) == 0 ? 1e3 : 1));
                QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, 0, cols, 1);
                float[] out = new float[rows + 3];
                packed.matVecGroups(Q6_Kx8.Pairs.of(a), 0, rows / 8, out, 3);
                for (int r = 0; r < rows; r++) {
                    float ref = GgmlOrderKQuants.dotScalar(T, w.data(), r * w.rowBytes(), a, 0, cols);
                    assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(out[3 + r]), rows + "x" + cols + " row " + r + ": " + out[3 + r] + " vs " + ref);
                }
            }
        }
    }

    /** Extreme quants and scales: every quant 0 or 63 and every scale -128 or 127 against activations of +-127. */
    @Test
    void extremeBlocksStayExact() {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(5);
        int rows = 16, cols = 512;
        byte[] raw = KernelsTest.rawRandomRows(T, rnd, rows, cols);
        for (int p = 0; p < raw.length; p += T.typeSize) {
            byte fill = (byte) (rnd.nextBoolean() ? 0xFF : 0x00);
            for (int i = 0; i < 192; i++) raw[p + i] = fill; // all quants 63 or all 0
            for (int i = 192; i < 208; i++) raw[p + i] = (byte) (rnd.nextBoolean() ? -128 : 127);
        }
        Matrix w = new Matrix("w", T, rows, cols, MemorySegment.ofArray(raw));
        Q6_Kx8 packed = Q6_Kx8.of(TestPools.SINGLE, w);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = rnd.nextBoolean() ? 1 : -1;
        QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, 0, cols, 1);
        float[] out = new float[rows];
        packed.matVecGroups(Q6_Kx8.Pairs.of(a), 0, rows / 8, out, 0);
        for (int r = 0; r < rows; r++) {
            assertEquals(Float.floatToRawIntBits(GgmlOrderKQuants.dotScalar(T, w.data(), r * w.rowBytes(), a, 0, cols)), Float.floatToRawIntBits(out[r]), "row " + r);
        }
    }

    /** Once the copy is built, MatMul's single-token products take it, over uneven thread shares, with the same bits. */
    @Test
    void matVecTakesTheCopyOnceBuilt() throws InterruptedException {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(8);
        int rows = 72, cols = 768;
        Matrix w = new Matrix("w", T, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(T, rnd, rows, cols)));
        float[] x = Fixtures.gaussian(rnd, cols, 1f);
        QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, 0, cols, 1);
        float[] ref = new float[rows];
        for (int r = 0; r < rows; r++) ref[r] = GgmlOrderKQuants.dotScalar(T, w.data(), r * w.rowBytes(), a, 0, cols);
        float[] before = new float[rows];
        MatMul.matVec(TestPools.THREE, w, x, 0, before, 0); // mapped weights while the copy is built
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Q6_Kx8.ready(w) == null && System.nanoTime() < deadline) Thread.sleep(5);
        assertNotNull(Q6_Kx8.ready(w), "the copy was built in the background");
        float[] after = new float[rows];
        MatMul.matVec(TestPools.THREE, w, x, 0, after, 0);
        for (int r = 0; r < rows; r++) {
            assertEquals(Float.floatToRawIntBits(ref[r]), Float.floatToRawIntBits(before[r]), "mapped, row " + r);
            assertEquals(Float.floatToRawIntBits(ref[r]), Float.floatToRawIntBits(after[r]), "interleaved, row " + r);
        }
    }

    /** Products of fewer than COPY_TOKENS tokens take the built copy token by token (the tiles beyond), with each token's bits. */
    @Test
    void fewTokensTakeTheCopyWithTheSameBits() {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(13);
        int rows = 48, cols = 512;
        Matrix w = new Matrix("w", T, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(T, rnd, rows, cols)));
        Q6_Kx8.of(TestPools.THREE, w); // built now, so MatMul finds it
        for (int n : new int[] {2, 5, Q6_Kx8.COPY_TOKENS - 1, Q6_Kx8.COPY_TOKENS}) {
            float[] x = Fixtures.gaussian(rnd, n * cols, 1f), out = new float[n * rows];
            MatMul.matMul(TestPools.THREE, w, x, n, out);
            for (int t = 0; t < n; t++) {
                QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, t * cols, cols, 1);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(GgmlOrderKQuants.dotScalar(T, w.data(), r * w.rowBytes(), a, 0, cols)),
                            Float.floatToRawIntBits(out[t * rows + r]), n + " tokens, token " + t + " row " + r);
                }
            }
        }
    }
}
