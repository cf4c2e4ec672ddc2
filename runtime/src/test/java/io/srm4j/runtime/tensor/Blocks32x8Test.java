package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Blocks32x8}, the interleaved byte copy of the 32-block types, holds bit for bit to the scalar twin. */
class Blocks32x8Test {

    private static float twin(Matrix w, QuantizedActivations a, int r) {
        return ScalarKernels.blocks32InGgmlOrder(w.type(), w.data(), r * w.rowBytes(), a, 0, w.cols());
    }

    private static float[] product(Blocks32x8 packed, QuantizedActivations a, int rows, int outOffset) {
        float[] out = new float[rows + outOffset];
        packed.matVecGroups(a.repeatedPairs(), a.d, a.s, 0, rows / 8, out, outOffset);
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q5_0", "Q4_1", "Q5_1"})
    void interleavedProductsEqualTheScalarTwinBitForBit(GgmlType type) {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(71 + type.id);
        int[][] shapes = {{8, 32}, {16, 64}, {40, 288}, {24, 896}};
        GgmlType format = QuantizedActivations.formatFor(type);
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1];
            Matrix w = new Matrix("w", type, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(type, rnd, rows, cols)));
            Blocks32x8 packed = Blocks32x8.of(TestPools.SINGLE, w);
            for (int trial = 0; trial < 3; trial++) {
                float[] x = new float[cols];
                // now and then a large element, so that blocks' scales and sums cover their full range
                for (int i = 0; i < cols; i++) x[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(100) == 0 ? 1e3 : 1));
                QuantizedActivations a = QuantizedActivations.quantize(format, x, 0, cols, 1);
                float[] out = product(packed, a, rows, 3);
                for (int r = 0; r < rows; r++) {
                    float ref = twin(w, a, r);
                    assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(out[3 + r]),
                            type + " " + rows + "x" + cols + " row " + r + ": " + out[3 + r] + " vs " + ref);
                }
            }
        }
    }

    /** Every quant at an extreme against activations of +-127: the four-element lane sums at their largest stay exact. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q5_0", "Q4_1", "Q5_1"})
    void extremeBlocksStayExact(GgmlType type) {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(9);
        int rows = 16, cols = 256;
        byte[] raw = KernelsTest.rawRandomRows(type, rnd, rows, cols);
        int quantsAt = type.typeSize - (type == GgmlType.Q8_0 ? 32 : 16), bitsAt = type == GgmlType.Q5_0 ? 2 : type == GgmlType.Q5_1 ? 4 : -1;
        for (int p = 0; p < raw.length; p += type.typeSize) {
            boolean high = rnd.nextBoolean();
            // Q8_0: all -128 or all 127; nibbles and fifth bits all set or all clear (the 4/5-bit extremes)
            for (int i = quantsAt; i < type.typeSize; i++) raw[p + i] = type == GgmlType.Q8_0 ? (byte) (high ? 127 : -128) : (byte) (high ? 0xFF : 0);
            if (bitsAt >= 0) for (int i = bitsAt; i < bitsAt + 4; i++) raw[p + i] = (byte) (high ? 0xFF : 0);
        }
        Matrix w = new Matrix("w", type, rows, cols, MemorySegment.ofArray(raw));
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = rnd.nextBoolean() ? 1 : -1;
        QuantizedActivations a = QuantizedActivations.quantize(QuantizedActivations.formatFor(type), x, 0, cols, 1);
        float[] out = product(Blocks32x8.of(TestPools.SINGLE, w), a, rows, 0);
        for (int r = 0; r < rows; r++) {
            assertEquals(Float.floatToRawIntBits(twin(w, a, r)), Float.floatToRawIntBits(out[r]), type + " row " + r);
        }
    }

    /** Once the copy is built, MatMul's single-token products (and those of fewer than COPY_TOKENS tokens) take it, over uneven thread shares, with the same bits. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q5_1"})
    void matVecTakesTheCopyOnceBuilt(GgmlType type) throws InterruptedException {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(12);
        int rows = 72, cols = 320;
        Matrix w = new Matrix("w", type, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(type, rnd, rows, cols)));
        float[] x = Fixtures.gaussian(rnd, cols, 1f);
        QuantizedActivations a = QuantizedActivations.quantize(QuantizedActivations.formatFor(type), x, 0, cols, 1);
        float[] before = new float[rows];
        MatMul.matVec(TestPools.THREE, w, x, 0, before, 0); // mapped weights while the copy is built
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Blocks32x8.ready(w) == null && System.nanoTime() < deadline) Thread.sleep(5);
        assertNotNull(Blocks32x8.ready(w), "the copy was built in the background");
        float[] after = new float[rows];
        MatMul.matVec(TestPools.THREE, w, x, 0, after, 0);
        for (int r = 0; r < rows; r++) {
            float ref = twin(w, a, r);
            assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(before[r]), "mapped, row " + r);
            assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(after[r]), "interleaved, row " + r);
        }
        // a few tokens at once (small batches) take the copy token by token, with each token's bits
        for (int n : new int[] {2, 3, 8, Blocks32x8.COPY_TOKENS - 1, Blocks32x8.COPY_TOKENS}) { // the last one: the tiles
            float[] xs = Fixtures.gaussian(rnd, n * cols, 1f), outs = new float[n * rows];
            MatMul.matMul(TestPools.THREE, w, xs, n, outs);
            for (int t = 0; t < n; t++) {
                QuantizedActivations at = QuantizedActivations.quantize(QuantizedActivations.formatFor(type), xs, t * cols, cols, 1);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(twin(w, at, r)), Float.floatToRawIntBits(outs[t * rows + r]), n + " tokens, token " + t + " row " + r);
                }
            }
        }
    }

    @Test
    void rejectsOtherTypesAndRaggedRows() {
        Random rnd = new Random(3);
        Matrix q4 = new Matrix("q4", GgmlType.Q4_0, 8, 32, MemorySegment.ofArray(KernelsTest.rawRandomRows(GgmlType.Q4_0, rnd, 8, 32)));
        Matrix ragged = new Matrix("r", GgmlType.Q8_0, 9, 32, MemorySegment.ofArray(KernelsTest.rawRandomRows(GgmlType.Q8_0, rnd, 9, 32)));
        assertThrows(IllegalArgumentException.class, () -> Blocks32x8.ready(q4));
        assertThrows(IllegalArgumentException.class, () -> Blocks32x8.ready(ragged));
    }

    @Test
    void affineTypesNeedBlockSums() {
        Assumptions.assumeTrue(VectorKernels.INT_PATH, "needs 256-bit vectors");
        Random rnd = new Random(4);
        Matrix w = new Matrix("w", GgmlType.Q4_1, 8, 64, MemorySegment.ofArray(KernelsTest.rawRandomRows(GgmlType.Q4_1, rnd, 8, 64)));
        QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_0, Fixtures.gaussian(rnd, 64, 1f), 0, 64, 1);
        Blocks32x8 packed = Blocks32x8.of(TestPools.SINGLE, w);
        assertThrows(IllegalArgumentException.class, () -> packed.matVecGroups(a.repeatedPairs(), a.d, a.s, 0, 1, new float[8], 0));
    }
}
