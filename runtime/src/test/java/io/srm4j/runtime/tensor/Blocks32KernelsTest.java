package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Q5_0, Q4_1 and Q5_1 products through MatMul — matVec and matMul, both {@link Blocks32Kernels} — against the scalar
 * twin {@link ScalarKernels#dotQ} (ggml's AVX2 vec_dot order): bit for bit, for row counts 1..17 and 33 (the 4-row
 * tiles and their tails), token counts 1..17 and 40 (8-token lane groups and their padding), short rows, Qwen's
 * 896 and rows longer than a slice, random bytes (every quant and fifth-bit pattern) and edge blocks.
 */
class Blocks32KernelsTest {
    static final WorkerPool single = TestPools.SINGLE, three = TestPools.THREE;

    /** The scalar twin's product of row r with token t of x (quantised alone, as matVec does). */
    static float scalar(Matrix w, float[] x, int t, int r) {
        return scalar(w, token(w, x, t), r);
    }

    static QuantizedActivations token(Matrix w, float[] x, int t) {
        return QuantizedActivations.quantize(QuantizedActivations.formatFor(w.type()), x, t * w.cols(), w.cols(), 1);
    }

    static float scalar(Matrix w, QuantizedActivations a, int r) {
        return ScalarKernels.dotQ(w.type(), w.data(), r * w.rowBytes(), a, 0, w.cols());
    }

    static void checkMatVec(Matrix w, float[] x, String what) {
        for (WorkerPool pool : new WorkerPool[] {single, three}) {
            float[] out = new float[w.rows() + 2];
            MatMul.matVec(pool, w, x, 0, out, 2);
            QuantizedActivations a = token(w, x, 0);
            for (int r = 0; r < w.rows(); r++) Q8_0KernelsTest.assertSameBits(scalar(w, a, r), out[2 + r], what + " row " + r);
        }
    }

    static void checkMatMul(WorkerPool pool, Matrix w, float[] x, int n, String what) {
        float[] out = new float[n * w.rows()];
        MatMul.matMul(pool, w, x, n, out);
        for (int t = 0; t < n; t++) {
            QuantizedActivations a = token(w, x, t);
            for (int r = 0; r < w.rows(); r++) {
                Q8_0KernelsTest.assertSameBits(scalar(w, a, r), out[t * w.rows() + r], what + " n " + n + " token " + t + " row " + r);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q5_0", "Q4_1", "Q5_1"})
    void matVecIsBitIdenticalToTheScalarTwin(GgmlType type) {
        assumeTrue(Blocks32Kernels.supports(type), "no 256-bit vectors here");
        Random rnd = new Random(61 + type.id);
        for (int cols : new int[] {32, 96, 896}) {
            for (int rows = 1; rows <= 17; rows++) {
                Matrix w = ExactBlockKernelsTest.randomMatrix(type, rnd, rows, cols, rows % 2 == 0);
                float[] x = Fixtures.gaussian(rnd, cols, rows % 3 == 0 ? 1f : 1e-3f);
                checkMatVec(w, x, type + " cols " + cols + " rows " + rows);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q5_0", "Q4_1", "Q5_1"})
    void matMulIsBitIdenticalToTheScalarTwinForEveryTokenCount(GgmlType type) {
        assumeTrue(Blocks32Kernels.supports(type), "no 256-bit vectors here");
        Random rnd = new Random(67 + type.id);
        for (int cols : new int[] {64, 288}) {
            for (int rows : new int[] {1, 3, 4, 5, 9, 17, 33}) {
                Matrix w = ExactBlockKernelsTest.randomMatrix(type, rnd, rows, cols, rows % 2 == 1);
                for (int n = 2; n <= 17; n++) {
                    float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
                    checkMatMul(n % 2 == 0 ? three : single, w, x, n, type + " cols " + cols + " rows " + rows);
                }
                checkMatMul(three, w, Fixtures.gaussian(rnd, 40 * cols, 1f), 40, type + " cols " + cols + " rows " + rows);
            }
        }
    }

    /** Qwen2.5-0.5B's width and rows longer than a slice ({@link TokenLaneProduct#SLICE_COLUMNS}, the last partial). */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q5_0", "Q4_1", "Q5_1"})
    void wideRowsAreBitIdenticalToTheScalarTwin(GgmlType type) {
        assumeTrue(Blocks32Kernels.supports(type), "no 256-bit vectors here");
        Random rnd = new Random(71 + type.id);
        for (int cols : new int[] {896, 2 * TokenLaneProduct.SLICE_COLUMNS + 32}) {
            Matrix w = ExactBlockKernelsTest.randomMatrix(type, rnd, 21, cols, true);
            for (int n : new int[] {1, 4, 9, 17}) {
                float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
                checkMatMul(n % 2 == 0 ? three : single, w, x, n, type + " cols " + cols);
            }
        }
    }

    /** Fifth bits all set / all clear, extreme nibbles, tiny, negative and large scales, and odd activations. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q5_0", "Q4_1", "Q5_1"})
    void edgeBlocksAreBitIdenticalToTheScalarTwin(GgmlType type) {
        assumeTrue(Blocks32Kernels.supports(type), "no 256-bit vectors here");
        Random rnd = new Random(73 + type.id);
        int rows = 11, cols = 256, n = 9, bs = type.typeSize;
        Blocks32Kernels.Layout f = Blocks32Kernels.Layout.of(type);
        byte[] bytes = KernelsTest.rawRandomRows(type, rnd, rows, cols);
        short[] scales = {Float.floatToFloat16(1f), (short) 0x0001 /* smallest subnormal */, Float.floatToFloat16(3e4f),
                Float.floatToFloat16(-2.5e-3f), (short) 0x8000 /* -0 */, Float.floatToFloat16(0.01f)};
        for (int p = 0, b = 0; p < bytes.length; p += bs, b++) {
            Quantize.putI16(bytes, p, scales[b % scales.length]);
            if (f.affine()) Quantize.putI16(bytes, p + 2, scales[(b + 1) % scales.length]);
            int pattern = (b / scales.length) % 4;
            if (f.qhAt >= 0) {
                int qh = switch (pattern) {
                    case 0 -> 0;
                    case 1 -> -1;
                    case 2 -> 0x55555555;
                    default -> rnd.nextInt();
                };
                for (int k = 0; k < 4; k++) bytes[p + f.qhAt + k] = (byte) (qh >>> (8 * k));
            }
            for (int j = 0; j < 16; j++) {
                bytes[p + f.qsAt + j] = switch (pattern) {
                    case 0 -> (byte) 0x00;
                    case 1 -> (byte) 0xFF;
                    case 2 -> (byte) 0x0F;
                    default -> (byte) rnd.nextInt();
                };
            }
        }
        Matrix w = new Matrix("edges", type, rows, cols, MemorySegment.ofArray(bytes));
        float[] x = new float[n * cols];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < cols; c++) {
                int block = c / 32, i = t * cols + c;
                x[i] = switch ((block + t) % 5) {
                    case 0 -> 0f;
                    case 1 -> c % 2 == 0 ? -1f : 1f;
                    case 2 -> c % 32 == 5 ? -1e3f : 1e-3f;
                    case 3 -> -1f;
                    default -> (float) rnd.nextGaussian() * 1e-20f;
                };
            }
        }
        checkMatMul(single, w, x, n, type + " edges");
        checkMatMul(three, w, x, n, type + " edges");
        for (int t = 0; t < n; t++) checkMatVec(w, java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), type + " edges token " + t);
    }

    @Test
    void rowRangesNeedNotStartOnATile() {
        assumeTrue(Blocks32Kernels.supports(GgmlType.Q5_1), "no 256-bit vectors here");
        Random rnd = new Random(79);
        int rows = 29, cols = 128;
        Matrix w = ExactBlockKernelsTest.randomMatrix(GgmlType.Q5_1, rnd, rows, cols, true);
        float[] x = Fixtures.gaussian(rnd, 3 * cols, 1f);
        QuantizedActivations q = QuantizedActivations.quantize(GgmlType.Q8_1, x, 0, cols, 3);
        QuantizedActivations q1 = QuantizedActivations.quantize(GgmlType.Q8_1, x, cols, cols, 1);
        float[] v = new float[rows], m = new float[3 * rows];
        Blocks32Kernels.matVecRows(GgmlType.Q5_1, w.data(), w.rowBytes(), Q8_0Kernels.laneMajor(q1, 0), q1.d, q1.s, 3, 26, v, 0);
        Blocks32Kernels.matMulRows(GgmlType.Q5_1, w.data(), w.rowBytes(), BlockActivations.forTokens(q), 5, 27, m, rows);
        for (int r = 0; r < rows; r++) {
            assertEquals(r >= 3 && r < 26 ? scalar(w, x, 1, r) : 0f, v[r], "matVec row " + r);
            for (int t = 0; t < 3; t++) assertEquals(r >= 5 && r < 27 ? scalar(w, x, t, r) : 0f, m[t * rows + r], "row " + r + " token " + t);
        }
    }

    /** {@link VectorKernels#dotQ} (its int-lane kernel, on {@link Blocks32Kernels#quants}) against the scalar twin. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q5_0", "Q4_1", "Q5_1"})
    void vectorDotQIsBitIdenticalToTheScalarTwin(GgmlType type) {
        assumeTrue(VectorKernels.hasFastQuantizedDot(type), "no 256-bit vectors here");
        Random rnd = new Random(89 + type.id);
        for (int cols : new int[] {32, 96, 896}) {
            int rows = 7;
            Matrix w = ExactBlockKernelsTest.randomMatrix(type, rnd, rows, cols, cols != 96);
            float[] x = Fixtures.gaussian(rnd, cols + 32, 1f);
            QuantizedActivations a = QuantizedActivations.quantize(QuantizedActivations.formatFor(type), x, 0, cols + 32, 1);
            for (int r = 0; r < rows; r++) {
                Q8_0KernelsTest.assertSameBits(ScalarKernels.dotQ(type, w.data(), r * w.rowBytes(), a, 32, cols),
                        VectorKernels.dotQ(type, w.data(), r * w.rowBytes(), a, 32, cols), type + " cols " + cols + " row " + r);
            }
        }
    }

    /** {@link Blocks32Kernels#quants}: every element of random blocks, ggml's int lanes (4 elements each) in order. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q5_0", "Q4_1", "Q5_1"})
    void quantsAreTheBlockElementsInOrder(GgmlType type) {
        assumeTrue(VectorKernels.INT_PATH, "no 256-bit vectors here");
        Random rnd = new Random(83 + type.id);
        int blocks = 64;
        byte[] bytes = KernelsTest.rawRandomRows(type, rnd, 1, 32 * blocks);
        MemorySegment w = MemorySegment.ofArray(bytes);
        Blocks32Kernels.Layout f = Blocks32Kernels.Layout.of(type);
        float[] row = new float[32 * blocks];
        Dequantize.row(type, w, 0, row, 0, row.length);
        for (int b = 0; b < blocks; b++) {
            byte[] q = Blocks32Kernels.quants(w, (long) b * type.typeSize, f).reinterpretAsBytes().toArray();
            float d = Dequantize.f16(w, (long) b * type.typeSize);
            float m = f.affine() ? Dequantize.f16(w, (long) b * type.typeSize + 2) : 0f;
            for (int e = 0; e < 32; e++) {
                assertEquals(row[32 * b + e], f.affine() ? q[e] * d + m : q[e] * d, 0f, type + " block " + b + " element " + e);
            }
        }
    }
}
