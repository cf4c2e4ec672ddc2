package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tolerances as in {@link KernelsTest}: 1e-4 of Σ|w·x| per output, where only the summation order differs. */
class MatMulTest {
    static final WorkerPool single = TestPools.SINGLE, three = TestPools.THREE;

    static Matrix matrix(GgmlType t, Random rnd, int rows, int cols) {
        return new Matrix("w", t, rows, cols, MemorySegment.ofArray(Fixtures.randomMatrix(t, rnd, rows, cols)));
    }

    /** The scalar twin of one output: the same activation preparation, the scalar kernel. */
    static float reference(Matrix w, float[] x, int xo, int r) {
        GgmlType t = w.type();
        long off = r * w.rowBytes();
        if (MatMul.usesQuantizedActivations(t)) {
            var a = QuantizedActivations.quantize(QuantizedActivations.formatFor(t), x, xo, w.cols(), 1);
            return ScalarKernels.dotQ(t, w.data(), off, a, 0, w.cols());
        }
        float[] xr = new float[w.cols()];
        for (int i = 0; i < xr.length; i++) {
            float v = x[xo + i];
            xr[i] = switch (t) {
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
                case BF16 -> Dequantize.bf16ToFloat(Quantize.floatToBf16(v));
                default -> v;
            };
        }
        return ScalarKernels.dot(t, w.data(), off, xr, 0, w.cols());
    }

    /**
     * The fused single-token products (several matrices in one job; a pair with an epilogue per row range) give each
     * matrix's own matVec bit for bit, on any thread count, and run the epilogue over every row exactly once.
     */
    @Test
    void fusedMatVecsEqualMatVecOfEachMatrix() {
        Random rnd = new Random(11);
        for (GgmlType t : Fixtures.SUPPORTED) {
            int cols = 256;
            // 8k rows take Q4_0/Q4_K's repacked path; 37 and 5 rows the others, and pieces that straddle matrices
            Matrix q = matrix(t, rnd, 64, cols), k = matrix(t, rnd, 37, cols), v = matrix(t, rnd, 5, cols);
            Matrix g = matrix(t, rnd, 40, cols), u = matrix(t, rnd, 40, cols);
            float[] x = Fixtures.gaussian(rnd, cols + 3, 1f);
            for (WorkerPool pool : new WorkerPool[] {single, three}) {
                float[][] outs = {new float[64], new float[37], new float[5]};
                MatMul.matVecs(pool, x, 3, new Matrix[] {q, k, v}, outs);
                Matrix[] ms = {q, k, v};
                for (int i = 0; i < 3; i++) {
                    float[] one = new float[ms[i].rows()];
                    MatMul.matVec(single, ms[i], x, 3, one, 0);
                    assertArrayEquals(one, outs[i], t + " matrix " + i + " in one job = alone");
                }
                float[] og = new float[40], ou = new float[40], eg = new float[40], eu = new float[40];
                int[] seen = new int[40];
                MatMul.matVecPair(pool, x, 3, g, og, u, ou, (from, to) -> {
                    for (int r = from; r < to; r++) {
                        seen[r]++;
                        og[r] = og[r] * ou[r]; // the epilogue sees both products of its rows
                    }
                });
                MatMul.matVec(single, g, x, 3, eg, 0);
                MatMul.matVec(single, u, x, 3, eu, 0);
                for (int r = 0; r < 40; r++) {
                    assertEquals(1, seen[r], "row " + r + " epilogue runs");
                    assertEquals(eu[r], ou[r], t + " up row " + r);
                    assertEquals(eg[r] * eu[r], og[r], t + " gate*up row " + r);
                }
            }
        }
        Matrix a = matrix(GgmlType.F32, rnd, 8, 64), b = matrix(GgmlType.F32, rnd, 16, 64);
        assertThrows(IllegalArgumentException.class, () -> MatMul.matVecPair(single, new float[64], 0, a, new float[8], b, new float[16], (f, t) -> {}));
    }

    /**
     * An input filled block range by block range ({@link MatMul.StreamedInput}, as decode's gate/up job fills the down
     * projection's input) multiplies to the same bits as the plain single-token product, for every type, with the
     * interleaved decode copies built or not, ranges filled in any order, on any thread count; a range left unfilled or
     * not aligned to blocks is an error, as is another matrix.
     */
    @Test
    void streamedInputEqualsPlainMatVec() {
        Random rnd = new Random(12);
        for (GgmlType t : Fixtures.SUPPORTED) {
            for (boolean copies : new boolean[] {false, true}) {
                int rows = 40, cols = 512; // two K-quant super-blocks, sixteen 32-blocks
                Matrix w = matrix(t, rnd, rows, cols);
                if (copies && t == GgmlType.Q4_0) Q4_0x8.of(single, w);
                if (copies && Blocks32x8.applies(t, rows)) Blocks32x8.of(single, w);
                if (copies && t == GgmlType.Q4_K) Q4_Kx8.of(single, w);
                float[] x = Fixtures.gaussian(rnd, cols + 5, 1f);
                float[] want = new float[rows];
                MatMul.matVec(single, w, x, 5, want, 0);
                for (WorkerPool pool : new WorkerPool[] {single, three}) {
                    MatMul.StreamedInput in = MatMul.streamed(w, x, 5);
                    int step = in.alignment();
                    // ranges of one to three alignment units, filled back to front
                    java.util.List<int[]> ranges = new java.util.ArrayList<>();
                    for (int from = 0; from < cols; ) {
                        int to = Math.min(cols, from + step * (1 + rnd.nextInt(3)));
                        ranges.add(new int[] {from, to});
                        from = to;
                    }
                    java.util.Collections.reverse(ranges);
                    for (int[] r : ranges) in.fill(r[0], r[1]);
                    float[] got = new float[rows];
                    MatMul.matVec(pool, w, in, got);
                    assertArrayEquals(want, got, t + (copies ? " with" : " without") + " decode copies, " + pool.threads() + " threads");
                }
                MatMul.StreamedInput partial = MatMul.streamed(w, x, 5);
                if (partial.alignment() == 32) {
                    partial.fill(0, 64);
                    assertThrows(IllegalStateException.class, () -> MatMul.matVec(single, w, partial, new float[rows]), t + " unfilled");
                    assertThrows(IllegalArgumentException.class, () -> partial.fill(8, 64), t + " misaligned");
                }
                Matrix other = matrix(t, rnd, rows, cols);
                assertThrows(IllegalArgumentException.class, () -> MatMul.matVec(single, other, MatMul.streamed(w, x, 5), new float[rows]));
            }
        }
    }

    /**
     * Decode products reuse their thread's prepared inputs (quantised activations, the decode copies' pairs, the
     * down projection's streamed input) from one input to the next: each product must equal one made from scratch on a
     * fresh thread, for every type, with the decode copies built or not, through inputs that change sign, scale and
     * width, and an all-zero input after a non-zero one (whose blocks ggml leaves at zero).
     */
    @Test
    void reusedInputsEqualFreshOnes() throws Exception {
        Random rnd = new Random(21);
        for (GgmlType t : Fixtures.SUPPORTED) {
            for (boolean copies : new boolean[] {false, true}) {
                int rows = 40, cols = 512;
                Matrix a = matrix(t, rnd, rows, cols), b = matrix(t, rnd, rows, cols), wide = matrix(t, rnd, rows, 2 * cols);
                if (copies) {
                    for (Matrix m : new Matrix[] {a, b, wide}) {
                        if (t == GgmlType.Q4_0) Q4_0x8.of(single, m);
                        if (Blocks32x8.applies(t, rows)) Blocks32x8.of(single, m);
                        if (t == GgmlType.Q4_K) Q4_Kx8.of(single, m);
                        if (Q6_Kx8.applies(t, rows)) Q6_Kx8.of(single, m);
                    }
                }
                MatMul.StreamedInput streamed = null;
                float[][] inputs = {Fixtures.gaussian(rnd, 2 * cols, 1f), new float[2 * cols], Fixtures.gaussian(rnd, 2 * cols, 40f),
                        Fixtures.gaussian(rnd, 2 * cols, 0.01f)};
                for (int i = 0; i < inputs.length; i++) {
                    float[] x = inputs[i];
                    String at = t + (copies ? " with" : " without") + " decode copies, input " + i;
                    float[] wantA = fresh(() -> product(a, x)), wantB = fresh(() -> product(b, x)), wantWide = fresh(() -> product(wide, x));
                    for (WorkerPool pool : new WorkerPool[] {single, three}) {
                        float[] gotA = new float[rows], gotB = new float[rows], gotWide = new float[rows];
                        MatMul.matVec(pool, a, x, 0, gotA, 0);
                        assertArrayEquals(wantA, gotA, at + ", matVec");
                        MatMul.matVec(pool, wide, x, 0, gotWide, 0);
                        assertArrayEquals(wantWide, gotWide, at + ", matVec of another width");
                        java.util.Arrays.fill(gotA, 0);
                        MatMul.matVecs(pool, x, 0, new Matrix[] {a, b}, new float[][] {gotA, gotB});
                        assertArrayEquals(wantA, gotA, at + ", matVecs");
                        assertArrayEquals(wantB, gotB, at + ", matVecs");
                        java.util.Arrays.fill(gotA, 0);
                        java.util.Arrays.fill(gotB, 0);
                        MatMul.matVecPair(pool, x, 0, a, gotA, b, gotB, (r0, r1) -> {});
                        assertArrayEquals(wantA, gotA, at + ", matVecPair");
                        assertArrayEquals(wantB, gotB, at + ", matVecPair");
                        // the streamed input re-armed in the same arrays, alternating between two matrices of one shape
                        Matrix m = pool == single ? a : b;
                        streamed = MatMul.streamed(m, x, 0, streamed);
                        MatMul.StreamedInput in = streamed;
                        pool.parallelFor(0, cols / in.alignment(), 1, (u0, u1) -> in.fill(u0 * in.alignment(), u1 * in.alignment()));
                        float[] got = new float[rows];
                        MatMul.matVec(pool, m, in, got);
                        assertArrayEquals(m == a ? wantA : wantB, got, at + ", streamed input re-armed");
                    }
                }
                MatMul.StreamedInput other = MatMul.streamed(wide, inputs[0], 0, streamed);
                assertNotSame(streamed, other, t + ": a streamed input is re-armed only for the type and width it was made for");
            }
        }
    }

    /** An input of the width of {@code w}'s columns, multiplied on the calling thread alone. */
    private static float[] product(Matrix w, float[] x) {
        float[] out = new float[w.rows()];
        MatMul.matVec(single, w, x, 0, out, 0);
        return out;
    }

    /** {@code f} on a new thread, which holds no prepared inputs yet. */
    private static float[] fresh(java.util.function.Supplier<float[]> f) throws InterruptedException {
        float[][] box = new float[1][];
        Thread th = new Thread(() -> box[0] = f.get());
        th.start();
        th.join();
        return box[0];
    }

    @Test
    void aThreadLendsEachInputOnce() {
        float[] x = new float[64];
        MatMul.VectorInput first = MatMul.VectorInput.acquire(x, 0, 64);
        MatMul.VectorInput nested = MatMul.VectorInput.acquire(x, 0, 64);
        assertNotSame(first, nested, "a nested product on the same thread must not share the input still in use");
        nested.giveBack();
        first.giveBack();
        MatMul.VectorInput again = MatMul.VectorInput.acquire(x, 0, 64);
        assertSame(first, again, "a given-back input is lent again");
        again.giveBack();
    }

    @Test
    void matVecParallelEqualsSingleThreadAndScalar() {
        Random rnd = new Random(5);
        for (GgmlType t : Fixtures.SUPPORTED) {
            for (int[] shape : new int[][] {{37, 256}, {19, 512}}) {
                int rows = shape[0], cols = shape[1];
                Matrix w = matrix(t, rnd, rows, cols);
                float[] x = Fixtures.gaussian(rnd, cols + 2, 1f);
                float[] a = new float[rows + 1], b = new float[rows + 1];
                MatMul.matVec(single, w, x, 2, a, 1);
                MatMul.matVec(three, w, x, 2, b, 1);
                assertArrayEquals(a, b, t + " parallel = single thread");
                float[] full = new float[cols];
                for (int r = 0; r < rows; r++) {
                    w.dequantizeRow(r, full, 0);
                    double mag = 0, exact = 0;
                    for (int c = 0; c < cols; c++) {
                        mag += Math.abs((double) full[c] * x[2 + c]);
                        exact += (double) full[c] * x[2 + c];
                    }
                    assertEquals(reference(w, x, 2, r), a[1 + r], 1e-4 * mag, t + " row " + r + " vs scalar twin");
                    assertEquals(exact, a[1 + r], 0.02 * mag, t + " row " + r + " vs exact float product");
                }
            }
        }
    }

    @Test
    void matMulEqualsRepeatedMatVecAndIsThreadIndependent() {
        Random rnd = new Random(6);
        for (GgmlType t : Fixtures.SUPPORTED) {
            int rows = 21, cols = 256;
            Matrix w = matrix(t, rnd, rows, cols);
            for (int n : new int[] {2, 5}) {
                float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
                float[] a = new float[n * rows], b = new float[n * rows], v = new float[n * rows];
                MatMul.matMul(single, w, x, n, a);
                MatMul.matMul(three, w, x, n, b);
                assertArrayEquals(a, b, t + " n=" + n + " parallel = single thread");
                for (int tok = 0; tok < n; tok++) MatMul.matVec(single, w, x, tok * cols, v, tok * rows);
                float[] full = new float[cols];
                for (int tok = 0; tok < n; tok++) {
                    for (int r = 0; r < rows; r++) {
                        w.dequantizeRow(r, full, 0);
                        double mag = 0;
                        for (int c = 0; c < cols; c++) mag += Math.abs((double) full[c] * x[tok * cols + c]);
                        assertEquals(v[tok * rows + r], a[tok * rows + r], 1e-4 * mag, t + " n=" + n + " token " + tok + " row " + r);
                    }
                }
            }
        }
    }

    /**
     * Model weights live in mapped (native) memory, at any byte offset: same results as from a heap array. The
     * segment must be readable from the pool's threads (a shared or global arena, not a confined one).
     */
    @Test
    void nativeUnalignedSegmentsGiveTheSameResults() {
        Random rnd = new Random(8);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            for (GgmlType t : Fixtures.SUPPORTED) {
                int rows = 41, cols = 256;
                byte[] bytes = Fixtures.randomMatrix(t, rnd, rows, cols);
                MemorySegment off = arena.allocate(bytes.length + 3).asSlice(3);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, off, 0, bytes.length);
                Matrix heap = new Matrix("h", t, rows, cols, MemorySegment.ofArray(bytes));
                Matrix nat = new Matrix("n", t, rows, cols, off);
                float[] x = Fixtures.gaussian(rnd, 3 * cols, 1f);
                float[] a = new float[3 * rows], b = new float[3 * rows];
                MatMul.matVec(three, heap, x, 0, a, 0);
                MatMul.matVec(three, nat, x, 0, b, 0);
                assertArrayEquals(a, b, t + " matVec");
                MatMul.matMul(three, heap, x, 3, a);
                MatMul.matMul(three, nat, x, 3, b);
                assertArrayEquals(a, b, t + " matMul");
            }
        }
    }

    @Test
    void defaultEntryPointsUseTheSharedPool() {
        Random rnd = new Random(7);
        Matrix w = matrix(GgmlType.Q8_0, rnd, 9, 64);
        float[] x = Fixtures.gaussian(rnd, 3 * 64, 1f);
        float[] a = new float[27], b = new float[27];
        MatMul.matMul(w, x, 3, a);
        MatMul.matMul(single, w, x, 3, b);
        assertArrayEquals(b, a);
        MatMul.matVec(w, x, 64, a, 0);
        MatMul.matVec(single, w, x, 64, b, 0);
        assertArrayEquals(b, a);
    }

    @Test
    void badShapesAndTypesAreRejected() {
        Matrix w = new Matrix("w", GgmlType.Q8_0, 4, 64, MemorySegment.ofArray(new byte[4 * 68]));
        var e = assertThrows(IndexOutOfBoundsException.class, () -> MatMul.matVec(single, w, new float[63], 0, new float[4], 0));
        assertTrue(e.getMessage().contains("w:"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> MatMul.matVec(single, w, new float[64], 0, new float[3], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> MatMul.matMul(single, w, new float[64 * 2], 3, new float[12]));
        Matrix iq = new Matrix("iq", GgmlType.IQ4_NL, 1, 32, MemorySegment.ofArray(new byte[18]));
        assertThrows(UnsupportedOperationException.class, () -> MatMul.matVec(single, iq, new float[32], 0, new float[1], 0));
    }

    /** Float weights sum in llama.cpp's order: vec_dot for one token or shapes tinyBLAS declines, tinyBLAS otherwise. */
    @Test
    void floatWeightsFollowGgmlOrderBitForBit() {
        Random rnd = new Random(8);
        float[] acc = new float[32];
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            for (int[] shape : new int[][] {{20, 256}, {21, 256}, {20, 100}}) {
                int rows = shape[0], cols = shape[1];
                Matrix w = matrix(t, rnd, rows, cols);
                for (int n : new int[] {1, 3}) {
                    float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
                    float[] out = new float[n * rows];
                    MatMul.matMul(three, w, x, n, out);
                    float[] full = new float[cols];
                    for (int tok = 0; tok < n; tok++) {
                        float[] xr = new float[cols];
                        for (int c = 0; c < cols; c++) {
                            float v = x[tok * cols + c];
                            xr[c] = switch (t) {
                                case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
                                case BF16 -> Dequantize.bf16ToFloat(Quantize.floatToBf16(v));
                                default -> v;
                            };
                        }
                        for (int r = 0; r < rows; r++) {
                            w.dequantizeRow(r, full, 0);
                            boolean tiny = n >= 2 && cols % 8 == 0 && rows % 4 == 0;
                            float expected = tiny ? GgmlOrderDots.tinyBlasScalar(full, 0, 1, xr, 0, cols) : switch (t) {
                                case F16 -> GgmlOrderDots.vecDotF16Scalar(full, 0, 1, xr, 0, cols, acc);
                                case BF16 -> GgmlOrderDots.vecDotBf16Scalar(full, 0, xr, 0, cols, acc);
                                default -> GgmlOrderDots.vecDotF32Scalar(full, 0, xr, 0, cols, acc);
                            };
                            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[tok * rows + r]),
                                    t + " " + rows + "x" + cols + " n=" + n + " token " + tok + " row " + r);
                        }
                    }
                }
            }
        }
    }

    /** The widened BF16 rows are Dequantize's rows, bit for bit, tails included. */
    @Test
    void floatRowsEqualDequantize() {
        Random rnd = new Random(10);
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            for (int cols : new int[] {5, 64, 100}) {
                Matrix w = matrix(t, rnd, 3, cols);
                float[] fast = new float[cols + 1], slow = new float[cols + 1];
                for (int r = 0; r < 3; r++) {
                    VectorKernels.floatRow(t, w.data(), r * w.rowBytes(), fast, 1, cols);
                    Dequantize.row(t, w.data(), r * w.rowBytes(), slow, 1, cols);
                    assertArrayEquals(slow, fast, t + " cols " + cols + " row " + r);
                }
            }
        }
    }
}
