package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Q4_0 and Q4_K products of matrices llama.cpp repacks (rows a multiple of 8) give llama.cpp's bits: the fixtures are
 * products of 1..9 activation rows computed by ggml's own repack, quantize_mat, gemm and gemv functions (written by
 * scripts/ggml-repack-fixtures.py), and the scalar twins ({@link RepackedQ4}) and MatMul's fast kernels must reproduce
 * them exactly, not within a tolerance.
 */
class RepackedQ4ParityTest {
    static final WorkerPool single = TestPools.SINGLE, three = TestPools.THREE;

    record Case(GgmlType type, int rows, int cols, int tokens, byte[] weights, float[] x, float[] expected) {}

    static List<Case> cases() throws IOException {
        ByteBuffer in;
        try (InputStream s = RepackedQ4ParityTest.class.getResourceAsStream("ggml-repack-fixtures.bin")) {
            assertNotNull(s, "ggml-repack-fixtures.bin missing");
            in = ByteBuffer.wrap(s.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
        int count = in.getInt();
        List<Case> cases = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            int id = in.getInt(), rows = in.getInt(), cols = in.getInt(), tokens = in.getInt();
            GgmlType type = null;
            for (GgmlType t : GgmlType.values()) if (t.id == id) type = t;
            assertNotNull(type, "ggml type " + id);
            byte[] w = new byte[(int) (type.rowBytes(cols) * rows)];
            in.get(w);
            float[] x = new float[tokens * cols], expected = new float[tokens * rows];
            for (int i = 0; i < x.length; i++) x[i] = in.getFloat();
            for (int i = 0; i < expected.length; i++) expected[i] = in.getFloat();
            cases.add(new Case(type, rows, cols, tokens, w, x, expected));
        }
        return cases;
    }

    @Test
    void productsEqualGgmlsRepackedKernelsBitForBit() throws IOException {
        int checked = 0;
        for (Case c : cases()) {
            assertTrue(RepackedQ4.applies(c.type, c.rows), c.type + " with " + c.rows + " rows is repacked by llama.cpp");
            Matrix w = new Matrix("w", c.type, c.rows, c.cols, MemorySegment.ofArray(c.weights));
            String what = c.type + " " + c.rows + "x" + c.cols + ", " + c.tokens + " tokens";
            boolean[] gemm = RepackedQ4.gemmRows(c.tokens);
            QuantizedActivations a = RepackedQ4.quantize(c.type, c.x, 0, c.cols, c.tokens, gemm);
            for (int t = 0; t < c.tokens; t++) {
                for (int r = 0; r < c.rows; r++) {
                    assertEquals(Float.floatToRawIntBits(c.expected[t * c.rows + r]), Float.floatToRawIntBits(RepackedQ4.scalarProduct(w, a, t, gemm[t], r)),
                            what + ": scalar twin, token " + t + " row " + r);
                }
            }
            for (WorkerPool pool : new WorkerPool[] {single, three}) {
                float[] out = new float[c.tokens * c.rows];
                MatMul.matMul(pool, w, c.x, c.tokens, out);
                for (int i = 0; i < out.length; i++) {
                    assertEquals(Float.floatToRawIntBits(c.expected[i]), Float.floatToRawIntBits(out[i]), what + ": MatMul, token " + i / c.rows + " row " + i % c.rows);
                }
            }
            if (c.tokens == 1) {
                float[] out = new float[c.rows + 1];
                MatMul.matVec(three, w, c.x, 0, out, 1);
                for (int r = 0; r < c.rows; r++) assertEquals(Float.floatToRawIntBits(c.expected[r]), Float.floatToRawIntBits(out[1 + r]), what + ": matVec row " + r);
                // again once the interleaved copy is there (the first product may have run on the mapped weights)
                if (c.type == GgmlType.Q4_0 && Q4_0x8.supported()) Q4_0x8.of(three, w);
                if (c.type == GgmlType.Q4_K && Q4_Kx8.supported()) Q4_Kx8.of(three, w);
                MatMul.matVec(three, w, c.x, 0, out, 1);
                for (int r = 0; r < c.rows; r++) assertEquals(Float.floatToRawIntBits(c.expected[r]), Float.floatToRawIntBits(out[1 + r]), what + ": interleaved matVec row " + r);
            }
            checked++;
        }
        assertTrue(checked >= 40, "only " + checked + " fixtures");
    }

    /**
     * Each row's product depends only on its own activations and order: flags chosen row by row (as the Transformer
     * does for sequences batched together) give each row what a product of that row alone in that order gives.
     */
    @Test
    void rowByRowOrdersAreIndependentOfTheBatch() {
        Random rnd = new Random(43);
        int rows = 24, cols = 512, n = 7;
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q4_K}) {
            Matrix w = new Matrix("w", type, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(type, rnd, rows, cols)));
            float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
            // a block whose largest magnitude occurs with both signs, so the gemm quantisation differs too
            x[3 * cols + 7] = 9f;
            x[3 * cols + 1] = -9f;
            boolean[] gemm = {true, false, true, true, false, false, true};
            float[] batched = new float[n * rows];
            MatMul.matMul(w, x, n, batched, gemm);
            for (int t = 0; t < n; t++) {
                float[] alone = new float[rows];
                MatMul.matMul(w, java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, alone, new boolean[] {gemm[t]});
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(batched[t * rows + r]), type + " token " + t + " row " + r);
                }
                if (!gemm[t]) {
                    MatMul.matVec(w, x, t * cols, alone, 0);
                    for (int r = 0; r < rows; r++) assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(batched[t * rows + r]), type + " matVec token " + t);
                }
            }
        }
    }

    /**
     * The interleaved copy single-token Q4_0 products run on ({@link Q4_0x8}) against the twin, bit for bit, on random
     * bytes (every nibble pattern) and several shapes; and it belongs to one Matrix instance: an equal record over the
     * same memory with other contents (a model mapped where a closed one was) gets its own.
     */
    @Test
    void interleavedQ4_0CopiesEqualTheTwinAndFollowTheMatrixInstance() {
        Random rnd = new Random(47);
        for (int[] shape : new int[][] {{8, 32}, {16, 64}, {24, 1024}, {40, 96}}) {
            int rows = shape[0], cols = shape[1];
            byte[] bytes = KernelsTest.rawRandomRows(GgmlType.Q4_0, rnd, rows, cols);
            for (int round = 0; round < 2; round++) {
                if (round == 1) System.arraycopy(KernelsTest.rawRandomRows(GgmlType.Q4_0, rnd, rows, cols), 0, bytes, 0, bytes.length);
                float[] x = Fixtures.gaussian(rnd, cols, round == 0 ? 1f : 1e-3f);
                QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_0, x, cols, 1);
                Matrix w = new Matrix("w", GgmlType.Q4_0, rows, cols, MemorySegment.ofArray(bytes));
                float[] out = new float[rows + 3];
                Q4_0x8.of(three, w).matVecGroups(Q4_0x8.Pairs.of(a), 0, rows / 8, out, 3);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(RepackedQ4.q4_0(w.data(), r * w.rowBytes(), a, 0, cols)), Float.floatToRawIntBits(out[3 + r]),
                            rows + "x" + cols + " round " + round + " row " + r);
                }
                float[] viaMatMul = new float[rows];
                MatMul.matVec(single, w, x, 0, viaMatMul, 0);
                assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(out, 3, rows + 3)), java.util.Arrays.toString(viaMatMul), "MatMul.matVec");
            }
        }
    }

    /**
     * The interleaved copy single-token Q4_K products run on ({@link Q4_Kx8}) against the gemv twin and the mapped-weight
     * kernel it stands in for, bit for bit, on random bytes (every quant, scale and min bit pattern), several shapes
     * (up to Qwen-sized FFN rows) and activations of both scales; it belongs to one Matrix instance as Q4_0's does.
     */
    @Test
    void interleavedQ4_KCopiesEqualTheTwinAndTheMappedKernel() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Q4_Kx8.supported(), "no 256-bit vectors here");
        Random rnd = new Random(53);
        for (int[] shape : new int[][] {{8, 256}, {16, 512}, {24, 1024}, {40, 768}, {64, 3072}, {8, 4864}}) {
            int rows = shape[0], cols = shape[1];
            byte[] bytes = KernelsTest.rawRandomRows(GgmlType.Q4_K, rnd, rows, cols);
            for (int round = 0; round < 2; round++) {
                if (round == 1) System.arraycopy(KernelsTest.rawRandomRows(GgmlType.Q4_K, rnd, rows, cols), 0, bytes, 0, bytes.length);
                float[] x = Fixtures.gaussian(rnd, cols, round == 0 ? 1f : 1e-3f);
                if (round == 1) x[5] = -40f; // a block of quants at -127..127 with the other blocks small
                QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, cols, 1);
                Matrix w = new Matrix("w", GgmlType.Q4_K, rows, cols, MemorySegment.ofArray(bytes));
                float[] out = new float[rows + 3];
                Q4_Kx8.of(three, w).matVecGroups(Q4_Kx8.Activations.of(a), 0, rows / 8, out, 3);
                String where = rows + "x" + cols + " round " + round;
                for (int r = 0; r < rows; r++) {
                    long p = r * w.rowBytes();
                    assertEquals(Float.floatToRawIntBits(RepackedQ4.q4_KGemv(w.data(), p, a, 0, cols)), Float.floatToRawIntBits(out[3 + r]), where + " row " + r);
                    assertEquals(Float.floatToRawIntBits(RepackedQ4Kernels.q4_KGemv(w.data(), p, a, 0, cols)), Float.floatToRawIntBits(out[3 + r]),
                            where + " mapped kernel, row " + r);
                }
                float[] viaMatMul = new float[rows];
                MatMul.matVec(single, w, x, 0, viaMatMul, 0);
                assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(out, 3, rows + 3)), java.util.Arrays.toString(viaMatMul), where + " MatMul.matVec");
            }
        }
    }

    /** The vector Q4_K kernels against their twins on random bytes: every quant, scale and min bit pattern. */
    @Test
    void q4_KVectorKernelsEqualTheScalarTwins() {
        org.junit.jupiter.api.Assumptions.assumeTrue(RepackedQ4Kernels.supported(), "no 256-bit vectors here");
        Random rnd = new Random(41);
        for (int cols : new int[] {256, 1024}) {
            int rows = 16;
            byte[] bytes = KernelsTest.rawRandomRows(GgmlType.Q4_K, rnd, rows, cols);
            MemorySegment seg = MemorySegment.ofArray(bytes);
            long rowBytes = GgmlType.Q4_K.rowBytes(cols);
            for (int n : new int[] {1, 4, 6}) {
                float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
                QuantizedActivations a = RepackedQ4.quantize(GgmlType.Q4_K, x, 0, cols, n, RepackedQ4.gemmRows(n));
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) {
                        assertEquals(Float.floatToRawIntBits(RepackedQ4.q4_KGemv(seg, r * rowBytes, a, t * cols, cols)),
                                Float.floatToRawIntBits(RepackedQ4Kernels.q4_KGemv(seg, r * rowBytes, a, t * cols, cols)), "gemv row " + r);
                        assertEquals(Float.floatToRawIntBits(RepackedQ4.q4_KGemm(seg, r * rowBytes, a, t * cols, cols)),
                                Float.floatToRawIntBits(RepackedQ4Kernels.q4_KGemm(seg, r * rowBytes, a, t * cols, cols)), "gemm row " + r);
                    }
                }
            }
        }
    }

    /**
     * The token-lane Q4_K tiles (prefill) against the scalar twins, bit for bit, on random bytes: gemm and gemv orders
     * mixed within a group of eight tokens, token counts not a multiple of 8, rows not a multiple of the 16-row chunk,
     * more super-blocks than a slice; tiny activations too (quants of +-127 with small scales).
     */
    @Test
    void q4_KTilesEqualTheScalarTwins() {
        org.junit.jupiter.api.Assumptions.assumeTrue(RepackedQ4Kernels.supported(), "no 256-bit vectors here");
        Random rnd = new Random(43);
        for (int[] shape : new int[][] {{8, 256}, {24, 1536}, {40, 512}}) {
            int rows = shape[0], cols = shape[1];
            byte[] bytes = KernelsTest.rawRandomRows(GgmlType.Q4_K, rnd, rows, cols);
            Matrix w = new Matrix("w", GgmlType.Q4_K, rows, cols, MemorySegment.ofArray(bytes));
            for (int n : new int[] {4, 7, 13, 21}) { // 1, 2 and 3 token groups: tiles take two at a time
                float[] x = Fixtures.gaussian(rnd, n * cols, n == 7 ? 1e-3f : 1f);
                boolean[] gemm = new boolean[n];
                for (int t = 0; t < n; t++) gemm[t] = rnd.nextBoolean();
                if (n == 4) java.util.Arrays.fill(gemm, true);
                QuantizedActivations a = RepackedQ4.quantize(GgmlType.Q4_K, x, 0, cols, n, gemm);
                float[] out = new float[n * rows];
                Q4_KTiles.matMulRows(w.data(), w.rowBytes(), new Q4_KTiles.Activations(a, gemm), 0, rows, out, rows);
                float[] viaMatMul = new float[n * rows];
                MatMul.matMul(w, x, n, viaMatMul, gemm);
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) {
                        int expected = Float.floatToRawIntBits(RepackedQ4.scalarProduct(w, a, t, gemm[t], r));
                        String where = rows + "x" + cols + " n " + n + " token " + t + (gemm[t] ? " gemm" : " gemv") + " row " + r;
                        assertEquals(expected, Float.floatToRawIntBits(out[t * rows + r]), where);
                        assertEquals(expected, Float.floatToRawIntBits(viaMatMul[t * rows + r]), "MatMul " + where);
                    }
                }
            }
        }
    }

    /**
     * The tiles' largest integer sums, exact: every scale and min 63, every quant 15 and every activation quant 127
     * (activations of one value), so each pair of sub-blocks sums 64 · 945 · 127 = 7,680,960 in float FMAs and the
     * gemv order's super-block four times that in ints; both orders against the scalar twins, bit for bit.
     */
    @Test
    void q4_KTilesExactAtTheLargestSums() {
        org.junit.jupiter.api.Assumptions.assumeTrue(RepackedQ4Kernels.supported(), "no 256-bit vectors here");
        int rows = 16, cols = 512, n = 9;
        byte[] bytes = new byte[(int) (GgmlType.Q4_K.rowBytes(cols) * rows)];
        java.util.Arrays.fill(bytes, (byte) 0xFF);
        for (int p = 0; p < bytes.length; p += 144) {
            Quantize.putI16(bytes, p, Float.floatToFloat16(0.01f));
            Quantize.putI16(bytes, p + 2, Float.floatToFloat16(0.003f));
        }
        Matrix w = new Matrix("w", GgmlType.Q4_K, rows, cols, MemorySegment.ofArray(bytes));
        float[] x = new float[n * cols];
        java.util.Arrays.fill(x, 0.5f);
        boolean[] gemm = new boolean[n];
        for (int t = 0; t < n; t++) gemm[t] = t % 3 != 0;
        QuantizedActivations a = RepackedQ4.quantize(GgmlType.Q4_K, x, 0, cols, n, gemm);
        for (int t = 0; t < n; t++) assertEquals(127, Math.abs(a.qs[t * cols]), "token " + t + "'s activations at their largest quant");
        float[] out = new float[n * rows];
        Q4_KTiles.matMulRows(w.data(), w.rowBytes(), new Q4_KTiles.Activations(a, gemm), 0, rows, out, rows);
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.floatToRawIntBits(RepackedQ4.scalarProduct(w, a, t, gemm[t], r)), Float.floatToRawIntBits(out[t * rows + r]),
                        "token " + t + (gemm[t] ? " gemm" : " gemv") + " row " + r);
            }
        }
    }
}
