package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 products in float lanes, bit-identical to {@link ScalarKernels#blocks32InGgmlOrder} (ggml's AVX2
 * {@code ggml_vec_dot_q8_0_q8_0} order): one token ({@link #matVecRows}, decode) and several ({@link #matMulRows},
 * prefill and batched decode).
 *
 * <p>ggml's order per 32-block: eight lanes, lane l the exact integer sum of elements 4l..4l+3, then
 * {@code acc[l] = fma(d_w * d_a, lane, acc[l])}, and at the end {@link ScalarKernels#hsum8}. A lane's four products
 * (|q_w| <= 128, |q_a| <= 127) sum to less than 2^24, so float FMA gives the same exact integer in any order; that
 * replaces the 32-bit integer multiplies of the older kernel, which are slow on x86.
 *
 * <p>One token: the weights' 32 bytes load as eight int lanes (lane l = bytes 4l..4l+3, ggml's lane); byte k of
 * every lane is shifted out and converted to floats, and multiplied by the activations laid out
 * {@link #laneMajor} (element 4l+k at 8k+l), so a block is four conversions, four FMAs and one scaled FMA, with no
 * shuffles and no per-block reduction.
 *
 * <p>Several tokens: the same lanes. Weights are converted to floats once per call, 16 rows at a time and each block
 * laid out {@link #laneMajor} like the activations ({@link #tokens}); 2-row by 2-token register tiles then need
 * only vector loads and FMAs, one 8-lane accumulator per row and token, combined by {@link #hsum8} at the end, so a
 * row's product is the same bits alone or in a batch. (It replaced tokens in the lanes with weights broadcast and
 * ggml's eight lanes as eight passes over the blocks: as fast on 896 columns, and half as fast as this on 4864,
 * whose 8-token group and 16 rows of floats overflowed L2.)
 */
final class Q8_0Kernels {
    private Q8_0Kernels() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final int LANES = BlockActivations.LANES;
    private static final int BLOCK_BYTES = 34;

    static boolean supports(GgmlType type) {
        return VectorKernels.INT_PATH && type == GgmlType.Q8_0;
    }

    // ------------------------------------------------------------------ one token

    /**
     * Vector {@code t} of {@code a} (Q8_0) as floats, each 32-block permuted so that element {@code 4l + k} sits at
     * {@code 8k + l}: lane l of the block's k-th 8-float vector is ggml lane l's k-th element.
     */
    static float[] laneMajor(QuantizedActivations a, int t) {
        if (a.format != GgmlType.Q8_0) throw new IllegalArgumentException("Q8_0 products take Q8_0 activations, got " + a.format);
        int n = a.length, o = t * n;
        float[] x = new float[n];
        for (int b = 0; b < n; b += 32) {
            for (int l = 0; l < 8; l++) {
                for (int k = 0; k < 4; k++) x[b + 8 * k + l] = a.qs[o + b + 4 * l + k];
            }
        }
        return x;
    }

    /**
     * {@code out[outOffset + r] = W[r] · a} for rows {@code [from, to)} of the Q8_0 matrix at {@code w}
     * ({@code rowBytes} apart); {@code x} from {@link #laneMajor}, {@code d} its block scales from {@code dOff}.
     * Tried and slower (C2 spills): two rows per pass sharing the activation loads.
     */
    static void matVecRows(MemorySegment w, long rowBytes, float[] x, float[] d, int dOff, int from, int to, float[] out, int outOffset) {
        int blocks = x.length / 32;
        for (int r = from; r < to; r++) out[outOffset + r] = row(w, r * rowBytes, x, d, dOff, blocks);
    }

    /** Byte {@code k} of every int lane, sign-extended, as floats. */
    private static FloatVector byteOfLanes(IntVector q, int k) {
        return (FloatVector) q.lanewise(VectorOperators.LSHL, 24 - 8 * k).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
    }

    private static IntVector blockLanes(MemorySegment w, long p) {
        return ByteVector.fromMemorySegment(B32, w, p + 2, LE).reinterpretAsInts();
    }

    private static float row(MemorySegment w, long p, float[] x, float[] d, int dOff, int blocks) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0, e = 0; b < blocks; b++, e += 32, p += BLOCK_BYTES) {
            IntVector q = blockLanes(w, p);
            // exact: each lane's partial sums are integers below 2^24
            FloatVector s = byteOfLanes(q, 0).mul(FloatVector.fromArray(F8, x, e));
            s = byteOfLanes(q, 1).fma(FloatVector.fromArray(F8, x, e + 8), s);
            s = byteOfLanes(q, 2).fma(FloatVector.fromArray(F8, x, e + 16), s);
            s = byteOfLanes(q, 3).fma(FloatVector.fromArray(F8, x, e + 24), s);
            acc = FloatVector.broadcast(F8, Dequantize.f16(w, p) * d[dOff + b]).fma(s, acc);
        }
        return hsum8(acc);
    }

    /** {@link ScalarKernels#hsum8} of the vector's lanes. */
    private static float hsum8(FloatVector v) {
        float r0 = v.lane(4) + v.lane(0), r1 = v.lane(5) + v.lane(1), r2 = v.lane(6) + v.lane(2), r3 = v.lane(7) + v.lane(3);
        return (r0 + r2) + (r1 + r3);
    }

    // ------------------------------------------------------------------ several tokens

    /** Rows converted to floats at a time in {@link #matMulRows}. */
    static final int CHUNK_ROWS = 16;
    /**
     * Blocks per pass over a chunk: a slice of 16 rows (16 KB each at 32 blocks) and two tokens stays in L1/L2 while
     * every token pair and row pair passes over it; the down projection's 4864 columns did not (3x slower per MAC).
     */
    static final int SLICE_BLOCKS = 32;

    /** Q8_0 activations of several tokens for {@link #matMulRows}: each token {@link #laneMajor}, then its block scales. */
    record Tokens(int length, int count, int blocks, float[] q, float[] d) {}

    static Tokens tokens(QuantizedActivations a) {
        if (a.format != GgmlType.Q8_0) throw new IllegalArgumentException("Q8_0 products take Q8_0 activations, got " + a.format);
        int n = a.length, blocks = n / 32;
        float[] q = new float[Math.multiplyExact(a.count, n)];
        for (int t = 0; t < a.count; t++) System.arraycopy(laneMajor(a, t), 0, q, t * n, n);
        return new Tokens(n, a.count, blocks, q, Arrays.copyOf(a.d, a.count * blocks));
    }

    /** Per-thread scratch for {@link #matMulRows}: a chunk's rows as floats, their scales, the lane accumulators. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    /**
     * {@code out[t * outStride + r] = W[r] · a_t} for rows {@code [from, to)} of the Q8_0 matrix at {@code w} and
     * every token of {@code a}. The vector lanes are ggml's eight lanes, as in {@link #row}: weights and activations
     * both {@link #laneMajor}, so a 2-row by 2-token register tile needs no broadcasts but the block scales, and each
     * row-token pair keeps its own 8-lane accumulator, {@code fma(d_w * d_a, lane, acc)} block by block and
     * {@link #hsum8} at the end, exactly the one-token order.
     */
    static void matMulRows(MemorySegment w, long rowBytes, Tokens a, int from, int to, float[] out, int outStride) {
        int cols = a.length(), blocks = a.blocks(), n = a.count();
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < CHUNK_ROWS * cols) {
            scratch[0] = new float[CHUNK_ROWS * cols];
            scratch[1] = new float[CHUNK_ROWS * blocks];
        }
        if (scratch[2].length < CHUNK_ROWS * n * LANES) scratch[2] = new float[CHUNK_ROWS * n * LANES];
        float[] wf = scratch[0], wd = scratch[1], acc = scratch[2], x = a.q(), xd = a.d();
        for (int c0 = from; c0 < to; c0 += CHUNK_ROWS) {
            int rowsHere = Math.min(CHUNK_ROWS, to - c0);
            for (int k = 0; k < rowsHere; k++) unpackLaneMajor(w, (c0 + k) * rowBytes, blocks, wf, k * cols, wd, k * blocks);
            Arrays.fill(acc, 0, rowsHere * n * LANES, 0f);
            for (int s0 = 0; s0 < blocks; s0 += SLICE_BLOCKS) {
                int s1 = Math.min(blocks, s0 + SLICE_BLOCKS);
                for (int t = 0; t < n; t += 2) {
                    // an odd last token or row is paired with itself: both halves compute and store the same bits
                    int u = Math.min(t + 1, n - 1);
                    for (int r = 0; r < rowsHere; r += 2) {
                        int v = Math.min(r + 1, rowsHere - 1);
                        tile2x2(wf, r * cols, v * cols, wd, r * blocks, v * blocks, x, t * cols, u * cols, xd, t * blocks, u * blocks, s0, s1,
                                acc, (r * n + t) * LANES, (r * n + u) * LANES, (v * n + t) * LANES, (v * n + u) * LANES);
                    }
                }
            }
            for (int k = 0; k < rowsHere; k++) {
                for (int t = 0; t < n; t++) out[t * outStride + c0 + k] = hsum8(FloatVector.fromArray(F8, acc, (k * n + t) * LANES));
            }
        }
    }

    /** A Q8_0 row's quants as floats, each block {@link #laneMajor}, and its block scales. */
    private static void unpackLaneMajor(MemorySegment w, long p, int blocks, float[] wf, int o, float[] wd, int dO) {
        for (int b = 0; b < blocks; b++, p += BLOCK_BYTES, o += 32) {
            wd[dO + b] = Dequantize.f16(w, p);
            IntVector q = blockLanes(w, p);
            byteOfLanes(q, 0).intoArray(wf, o);
            byteOfLanes(q, 1).intoArray(wf, o + 8);
            byteOfLanes(q, 2).intoArray(wf, o + 16);
            byteOfLanes(q, 3).intoArray(wf, o + 24);
        }
    }

    /**
     * Rows at {@code w0}, {@code w1} of {@code wf} times tokens at {@code x0}, {@code x1} of {@code x}, blocks
     * {@code [b0, b1)}, accumulating into the four 8-lane accumulators at {@code a00..a11} of {@code acc}.
     */
    private static void tile2x2(float[] wf, int w0, int w1, float[] wd, int d0, int d1, float[] x, int x0, int x1, float[] xd, int e0, int e1,
                                int b0, int b1, float[] acc, int a00, int a01, int a10, int a11) {
        FloatVector s00 = FloatVector.fromArray(F8, acc, a00), s01 = FloatVector.fromArray(F8, acc, a01);
        FloatVector s10 = FloatVector.fromArray(F8, acc, a10), s11 = FloatVector.fromArray(F8, acc, a11);
        for (int b = b0; b < b1; b++) {
            int e = 32 * b;
            FloatVector wa = FloatVector.fromArray(F8, wf, w0 + e), wb = FloatVector.fromArray(F8, wf, w1 + e);
            FloatVector xa = FloatVector.fromArray(F8, x, x0 + e), xb = FloatVector.fromArray(F8, x, x1 + e);
            // exact: each lane's partial sums are integers below 2^24
            FloatVector c00 = wa.mul(xa), c01 = wa.mul(xb), c10 = wb.mul(xa), c11 = wb.mul(xb);
            for (int k = 8; k < 32; k += 8) {
                wa = FloatVector.fromArray(F8, wf, w0 + e + k);
                wb = FloatVector.fromArray(F8, wf, w1 + e + k);
                xa = FloatVector.fromArray(F8, x, x0 + e + k);
                xb = FloatVector.fromArray(F8, x, x1 + e + k);
                c00 = wa.fma(xa, c00);
                c01 = wa.fma(xb, c01);
                c10 = wb.fma(xa, c10);
                c11 = wb.fma(xb, c11);
            }
            float dw0 = wd[d0 + b], dw1 = wd[d1 + b], da0 = xd[e0 + b], da1 = xd[e1 + b];
            s00 = FloatVector.broadcast(F8, dw0 * da0).fma(c00, s00);
            s01 = FloatVector.broadcast(F8, dw0 * da1).fma(c01, s01);
            s10 = FloatVector.broadcast(F8, dw1 * da0).fma(c10, s10);
            s11 = FloatVector.broadcast(F8, dw1 * da1).fma(c11, s11);
        }
        s00.intoArray(acc, a00);
        s01.intoArray(acc, a01);
        s10.intoArray(acc, a10);
        s11.intoArray(acc, a11);
    }
}
