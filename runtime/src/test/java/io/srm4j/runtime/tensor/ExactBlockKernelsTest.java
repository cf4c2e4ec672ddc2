package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Q4_0 products through MatMul — matVec and matMul, the float-lane {@link ExactBlockKernels} where llama.cpp repacks
 * (rows a multiple of 8) and the 16-bit {@link Q4_0Tiles} for several tokens, ggml's vec_dot order elsewhere — against their scalar twins ({@link RepackedQ4#q4_0},
 * {@link ScalarKernels#dotQ}): bit for bit (not within a tolerance), for every row count 1..17 (the 4-row
 * tiles and their tails), token counts 1..17 (the 8-token lane groups and their padding), short and long rows,
 * random bytes (every quant bit pattern): so a sequence's product is the same alone or in a batch.
 */
class ExactBlockKernelsTest {
    static final WorkerPool single = TestPools.SINGLE, three = TestPools.THREE;

    /** The scalar twin's product of row r with token t of x (quantised alone, as matVec does). */
    static float scalar(Matrix w, float[] x, int t, int r) {
        return scalar(w, x, t, r, RepackedQ4.applies(w.type(), w.rows()));
    }

    static float scalar(Matrix w, float[] x, int t, int r, boolean repacked) {
        QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_0, x, t * w.cols(), w.cols(), 1);
        return repacked ? RepackedQ4.q4_0(w.data(), r * w.rowBytes(), a, 0, w.cols())
                : ScalarKernels.dotQ(w.type(), w.data(), r * w.rowBytes(), a, 0, w.cols());
    }

    static Matrix randomMatrix(GgmlType type, Random rnd, int rows, int cols, boolean raw) {
        byte[] bytes = raw ? KernelsTest.rawRandomRows(type, rnd, rows, cols) : Fixtures.randomMatrix(type, rnd, rows, cols);
        return new Matrix("w", type, rows, cols, MemorySegment.ofArray(bytes));
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0"})
    void matVecIsBitIdenticalToTheScalarTwin(GgmlType type) {
        assumeTrue(ExactBlockKernels.supports(type), "no 256-bit vectors here");
        Random rnd = new Random(11 + type.id);
        for (int cols : new int[] {32, 96, 1024}) {
            for (int rows = 1; rows <= 17; rows++) {
                Matrix w = randomMatrix(type, rnd, rows, cols, rows % 2 == 0);
                float[] x = Fixtures.gaussian(rnd, cols, rows % 3 == 0 ? 1f : 1e-3f);
                for (WorkerPool pool : new WorkerPool[] {single, three}) {
                    float[] out = new float[rows + 2];
                    MatMul.matVec(pool, w, x, 0, out, 2);
                    for (int r = 0; r < rows; r++) {
                        assertEquals(Float.floatToRawIntBits(scalar(w, x, 0, r)), Float.floatToRawIntBits(out[2 + r]),
                                type + " cols " + cols + " rows " + rows + " row " + r);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0"})
    void matMulIsBitIdenticalToTheScalarTwinForEveryTokenCount(GgmlType type) {
        assumeTrue(ExactBlockKernels.supports(type), "no 256-bit vectors here");
        Random rnd = new Random(21 + type.id);
        for (int cols : new int[] {64, 288}) {
            for (int rows : new int[] {1, 3, 4, 5, 8, 9, 17, 24}) {
                Matrix w = randomMatrix(type, rnd, rows, cols, rows % 2 == 1);
                for (int n = 1; n <= 17; n++) {
                    float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
                    float[] out = new float[n * rows];
                    MatMul.matMul(n % 2 == 0 ? three : single, w, x, n, out);
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < rows; r++) {
                            assertEquals(Float.floatToRawIntBits(scalar(w, x, t, r)), Float.floatToRawIntBits(out[t * rows + r]),
                                    type + " cols " + cols + " rows " + rows + " n " + n + " token " + t + " row " + r);
                        }
                    }
                }
            }
        }
    }

    /** Once the interleaved copy is built, products of a few tokens take it token by token, with each token's bits. */
    @Test
    void fewTokensTakeTheInterleavedCopyWithTheSameBits() {
        assumeTrue(ExactBlockKernels.supports(GgmlType.Q4_0) && Q4_0x8.supported(), "no 256-bit vectors here");
        Random rnd = new Random(77);
        int rows = 40, cols = 288;
        Matrix w = randomMatrix(GgmlType.Q4_0, rnd, rows, cols, true);
        Q4_0x8.of(three, w); // built now, so MatMul finds it
        for (int n = 2; n <= Q4_0x8.COPY_TOKENS + 1; n++) {
            float[] x = Fixtures.gaussian(rnd, n * cols, 1f), out = new float[n * rows];
            MatMul.matMul(n % 2 == 0 ? three : single, w, x, n, out);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(scalar(w, x, t, r)), Float.floatToRawIntBits(out[t * rows + r]), n + " tokens, token " + t + " row " + r);
                }
            }
        }
    }

    /** Rows longer than a slice ({@link TokenLaneProduct#SLICE_COLUMNS} columns, the last slice partial) sum the same. */
    @Test
    void longRowsSummedInSlicesAreBitIdenticalToTheScalarTwin() {
        assumeTrue(ExactBlockKernels.supports(GgmlType.Q4_0), "no 256-bit vectors here");
        Random rnd = new Random(23);
        int rows = 21, cols = 2 * TokenLaneProduct.SLICE_COLUMNS + 32;
        Matrix w = randomMatrix(GgmlType.Q4_0, rnd, rows, cols, true);
        for (int n : new int[] {2, 9, 17}) {
            float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
            float[] out = new float[n * rows];
            MatMul.matMul(n % 2 == 0 ? three : single, w, x, n, out);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(scalar(w, x, t, r)), Float.floatToRawIntBits(out[t * rows + r]), "n " + n + " token " + t + " row " + r);
                }
            }
        }
    }

    @Test
    void rowRangesNeedNotStartOnAGroup() {
        assumeTrue(ExactBlockKernels.supports(GgmlType.Q4_0), "no 256-bit vectors here");
        Random rnd = new Random(31);
        int rows = 29, cols = 128;
        Matrix w = randomMatrix(GgmlType.Q4_0, rnd, rows, cols, true);
        float[] x = Fixtures.gaussian(rnd, 3 * cols, 1f);
        QuantizedActivations q = QuantizedActivations.quantize(GgmlType.Q8_0, x, cols, 3);
        float[] v = new float[rows], m = new float[3 * rows];
        ExactBlockKernels.matVecRows(w.data(), w.rowBytes(), BlockActivations.forRow(q, 1), 3, 26, v, 0);
        Q4_0Tiles.matMulRows(w.data(), w.rowBytes(), new Q4_0Tiles.Activations(q), 5, 27, m, rows);
        for (int r = 0; r < rows; r++) {
            assertEquals(r >= 3 && r < 26 ? scalar(w, x, 1, r, true) : 0f, v[r], "matVec row " + r);
            for (int t = 0; t < 3; t++) {
                assertEquals(r >= 5 && r < 27 ? scalar(w, x, t, r, true) : 0f, m[t * rows + r], "row " + r + " token " + t);
            }
        }
    }

    @Test
    void onlyQ8_0ActivationsAreAccepted() {
        QuantizedActivations k = QuantizedActivations.quantize(GgmlType.Q8_K, new float[256], 256, 1);
        assertThrows(IllegalArgumentException.class, () -> BlockActivations.forRow(k, 0));
        assertThrows(IllegalArgumentException.class, () -> BlockActivations.forTokens(k));
    }
}
