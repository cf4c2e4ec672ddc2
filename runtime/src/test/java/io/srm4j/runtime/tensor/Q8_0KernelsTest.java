package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Q8_0 products through MatMul — matVec and matMul, both {@link Q8_0Kernels} — against the scalar twin
 * {@link ScalarKernels#dotQ} (ggml's AVX2 lane order): bit for bit, for row counts 1..17 (the 2-row and 4-row
 * tiles and their tails), token counts 1..17 and 40 (8-token lane groups and their padding), short and long rows,
 * random bytes (every quant bit pattern, -128 included) and edge blocks: extreme quants, all-zero activation
 * blocks, one dominant activation, tiny (subnormal) and large f16 scales.
 */
class Q8_0KernelsTest {
    static final WorkerPool single = TestPools.SINGLE, three = TestPools.THREE;

    static void assertSameBits(float expected, float actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), what + ": " + expected + " vs " + actual);
    }

    static void checkMatVec(Matrix w, float[] x, String what) {
        for (WorkerPool pool : new WorkerPool[] {single, three}) {
            float[] out = new float[w.rows() + 2];
            MatMul.matVec(pool, w, x, 0, out, 2);
            for (int r = 0; r < w.rows(); r++) assertSameBits(ExactBlockKernelsTest.scalar(w, x, 0, r), out[2 + r], what + " row " + r);
        }
    }

    static void checkMatMul(WorkerPool pool, Matrix w, float[] x, int n, String what) {
        float[] out = new float[n * w.rows()];
        MatMul.matMul(pool, w, x, n, out);
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < w.rows(); r++) {
                assertSameBits(ExactBlockKernelsTest.scalar(w, x, t, r), out[t * w.rows() + r], what + " n " + n + " token " + t + " row " + r);
            }
        }
    }

    @Test
    void matVecIsBitIdenticalToTheScalarTwin() {
        assumeTrue(Q8_0Kernels.supports(GgmlType.Q8_0), "no 256-bit vectors here");
        Random rnd = new Random(41);
        for (int cols : new int[] {32, 96, 1024, 4864}) {
            for (int rows = 1; rows <= 17; rows++) {
                Matrix w = ExactBlockKernelsTest.randomMatrix(GgmlType.Q8_0, rnd, rows, cols, rows % 2 == 0);
                float[] x = Fixtures.gaussian(rnd, cols, rows % 3 == 0 ? 1f : 1e-3f);
                checkMatVec(w, x, "cols " + cols + " rows " + rows);
            }
        }
    }

    @Test
    void matMulIsBitIdenticalToTheScalarTwinForEveryTokenCount() {
        assumeTrue(Q8_0Kernels.supports(GgmlType.Q8_0), "no 256-bit vectors here");
        Random rnd = new Random(43);
        for (int cols : new int[] {64, 288}) {
            for (int rows : new int[] {1, 3, 4, 5, 9, 17, 33}) {
                Matrix w = ExactBlockKernelsTest.randomMatrix(GgmlType.Q8_0, rnd, rows, cols, rows % 2 == 1);
                for (int n : new int[] {2, 3, 5, 7, 8, 9, 15, 16, 17, 40}) {
                    float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
                    checkMatMul(n % 2 == 0 ? three : single, w, x, n, "cols " + cols + " rows " + rows);
                }
            }
        }
    }

    /** Rows longer than a slice ({@link TokenLaneProduct#SLICE_COLUMNS} columns, the last slice partial) sum the same. */
    @Test
    void longRowsSummedInSlicesAreBitIdenticalToTheScalarTwin() {
        assumeTrue(Q8_0Kernels.supports(GgmlType.Q8_0), "no 256-bit vectors here");
        Random rnd = new Random(47);
        int rows = 21, cols = 2 * TokenLaneProduct.SLICE_COLUMNS + 32;
        Matrix w = ExactBlockKernelsTest.randomMatrix(GgmlType.Q8_0, rnd, rows, cols, true);
        for (int n : new int[] {2, 9, 17}) checkMatMul(n % 2 == 0 ? three : single, w, Fixtures.gaussian(rnd, n * cols, 1f), n, "long rows, " + n + " tokens");
    }

    /** Blocks at the edges of the format: the exactness argument (lane sums below 2^24) is tightest here. */
    @Test
    void edgeBlocksAreBitIdenticalToTheScalarTwin() {
        assumeTrue(Q8_0Kernels.supports(GgmlType.Q8_0), "no 256-bit vectors here");
        Random rnd = new Random(47);
        int rows = 11, cols = 256, n = 9;
        byte[] bytes = new byte[(int) (rows * GgmlType.Q8_0.rowBytes(cols))];
        short[] scales = {Float.floatToFloat16(1f), (short) 0x0001 /* smallest subnormal */, Float.floatToFloat16(3e4f),
                Float.floatToFloat16(-2.5e-3f), (short) 0x8000 /* -0 */, Float.floatToFloat16(0.01f)};
        for (int p = 0, b = 0; p < bytes.length; p += 34, b++) {
            Quantize.putI16(bytes, p, scales[b % scales.length]);
            for (int j = 0; j < 32; j++) {
                bytes[p + 2 + j] = switch ((b / scales.length) % 4) {
                    case 0 -> (byte) -128;
                    case 1 -> (byte) 127;
                    case 2 -> (byte) (j % 2 == 0 ? -128 : 127);
                    default -> (byte) rnd.nextInt();
                };
            }
        }
        Matrix w = new Matrix("edges", GgmlType.Q8_0, rows, cols, MemorySegment.ofArray(bytes));
        float[] x = new float[n * cols];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < cols; c++) {
                int block = c / 32, i = t * cols + c;
                x[i] = switch ((block + t) % 5) {
                    case 0 -> 0f; // amax 0: scale 0, quants 0
                    case 1 -> c % 2 == 0 ? -1f : 1f; // every quant ±127
                    case 2 -> c % 32 == 5 ? -1e3f : 1e-3f; // one dominant value, the rest round to 0
                    case 3 -> -1f; // all -127
                    default -> (float) rnd.nextGaussian() * 1e-20f;
                };
            }
        }
        checkMatMul(single, w, x, n, "edges");
        checkMatMul(three, w, x, n, "edges");
        for (int t = 0; t < n; t++) checkMatVec(w, java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), "edges token " + t);
    }

    @Test
    void rowRangesNeedNotStartOnATile() {
        assumeTrue(Q8_0Kernels.supports(GgmlType.Q8_0), "no 256-bit vectors here");
        Random rnd = new Random(53);
        int rows = 29, cols = 128;
        Matrix w = ExactBlockKernelsTest.randomMatrix(GgmlType.Q8_0, rnd, rows, cols, true);
        float[] x = Fixtures.gaussian(rnd, 3 * cols, 1f);
        QuantizedActivations q = QuantizedActivations.quantize(GgmlType.Q8_0, x, cols, 3);
        float[] v = new float[rows], m = new float[3 * rows];
        Q8_0Kernels.matVecRows(w.data(), w.rowBytes(), Q8_0Kernels.laneMajor(q, 1), q.d, cols / 32, 3, 26, v, 0);
        Q8_0Kernels.matMulRows(w.data(), w.rowBytes(), BlockActivations.forTokens(q), 5, 27, m, rows);
        for (int r = 0; r < rows; r++) {
            assertEquals(r >= 3 && r < 26 ? ExactBlockKernelsTest.scalar(w, x, 1, r) : 0f, v[r], "matVec row " + r);
            for (int t = 0; t < 3; t++) {
                assertEquals(r >= 5 && r < 27 ? ExactBlockKernelsTest.scalar(w, x, t, r) : 0f, m[t * rows + r], "row " + r + " token " + t);
            }
        }
    }

    @Test
    void laneMajorPutsGgmlLaneElementsInOneLane() {
        // two vectors (the second read at its offset), both signs and the largest magnitudes
        float[] x = new float[128];
        for (int i = 0; i < 128; i++) x[i] = i < 64 ? i - 32 : (float) Math.sin(i) * (i % 5 == 0 ? 100 : 1);
        QuantizedActivations q = QuantizedActivations.quantize(GgmlType.Q8_0, x, 64, 2);
        for (int t = 0; t < 2; t++) {
            float[] l = Q8_0Kernels.laneMajor(q, t);
            for (int b = 0; b < 2; b++) {
                for (int lane = 0; lane < 8; lane++) {
                    for (int k = 0; k < 4; k++) {
                        assertEquals(q.qs[64 * t + 32 * b + 4 * lane + k], l[32 * b + 8 * k + lane], "vector " + t + " block " + b + " lane " + lane + " k " + k);
                    }
                }
            }
        }
        QuantizedActivations k = QuantizedActivations.quantize(GgmlType.Q8_K, new float[256], 256, 1);
        assertThrows(IllegalArgumentException.class, () -> Q8_0Kernels.laneMajor(k, 0));
    }
}
