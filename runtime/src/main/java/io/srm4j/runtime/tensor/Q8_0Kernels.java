package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
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
 * <p>Several tokens ({@link TokenLaneProduct}): tokens in the lanes, weights
 * converted to floats once per call and broadcast against the token lanes in 4-row tiles. ggml's eight lanes become
 * eight passes over the blocks, one accumulator per row and token each; the eight results are combined per token in
 * {@link ScalarKernels#hsum8}'s order, so a row's product is the same alone or in a batch.
 */
final class Q8_0Kernels {
    private Q8_0Kernels() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final int LANES = BlockActivations.LANES;
    private static final int BLOCK_BYTES = 34;
    static boolean supports(GgmlType type) {
        return VectorKernels.INT_PATH && type == GgmlType.Q8_0;
    }

    // ------------------------------------------------------------------ one token

    /**
     * Vector {@code t} of {@code a} (Q8_0, or Q8_1 for {@link Blocks32Kernels}) as floats, each 32-block permuted so that element {@code 4l + k} sits at
     * {@code 8k + l}: lane l of the block's k-th 8-float vector is ggml lane l's k-th element.
     */
    static float[] laneMajor(QuantizedActivations a, int t) {
        float[] x = new float[a.length];
        laneMajor(a, t, x);
        return x;
    }

    /** {@link #laneMajor(QuantizedActivations, int)} into {@code x} ({@code a.length} floats). */
    static void laneMajor(QuantizedActivations a, int t, float[] x) {
        if (a.format != GgmlType.Q8_0 && a.format != GgmlType.Q8_1) {
            throw new IllegalArgumentException("lane-major activations are Q8_0 or Q8_1, got " + a.format);
        }
        int n = a.length, o = t * n;
        if (x.length < n) throw new IllegalArgumentException(x.length + " floats for " + n + " lane-major activations");
        if (VectorKernels.INT_PATH) {
            // a block's 32 bytes as eight int lanes (lane l = elements 4l..4l+3): byte k of every lane is vector k (a
            // single-token product without a decode copy runs this on the calling thread, the others waiting)
            for (int b = 0; b < n; b += 32) {
                IntVector q = ByteVector.fromArray(B32, a.qs, o + b).reinterpretAsInts();
                byteOfLanes(q, 0).intoArray(x, b);
                byteOfLanes(q, 1).intoArray(x, b + 8);
                byteOfLanes(q, 2).intoArray(x, b + 16);
                byteOfLanes(q, 3).intoArray(x, b + 24);
            }
            return;
        }
        for (int b = 0; b < n; b += 32) {
            for (int l = 0; l < 8; l++) {
                for (int k = 0; k < 4; k++) x[b + 8 * k + l] = a.qs[o + b + 4 * l + k];
            }
        }
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

    private static final TokenLanes TOKEN_LANES = new TokenLanes();

    /**
     * {@code out[t * outStride + r] = W[r] · a_t} for rows {@code [from, to)} of the Q8_0 matrix at {@code w} and
     * every token of {@code a} ({@link BlockActivations#forTokens}).
     */
    static void matMulRows(MemorySegment w, long rowBytes, BlockActivations a, int from, int to, float[] out, int outStride) {
        TokenLaneProduct.matMulRows(TOKEN_LANES, w, rowBytes, a, a.length, a.count, from, to, out, outStride);
    }

    /**
     * Q8_0's part of {@link TokenLaneProduct}: rows unpacked in element order, ggml's eight lanes as eight passes
     * over the blocks, one accumulator per row, lane and token. {@link Blocks32Kernels} reuses the tiles for the
     * 4/5-bit types, which sum in the same order, with its own {@link #unpackRow}.
     */
    static class TokenLanes implements TokenLaneProduct.Format<BlockActivations> {

        @Override
        public int accumulatorsPerRow() {
            return 8 * LANES;
        }

        /** A Q8_0 row's quants as floats, in element order, and its block scales. */
        @Override
        public void unpackRow(MemorySegment w, long p, int blocks, float[] wf, int o, float[] wd, int dO) {
            for (int b = 0; b < blocks; b++, p += BLOCK_BYTES, o += 32) {
                wd[dO + b] = Dequantize.f16(w, p);
                for (int j = 0; j < 32; j += 8) {
                    ByteVector q = ByteVector.fromMemorySegment(B8, w, p + 2 + j, LE);
                    ((FloatVector) ((IntVector) q.convertShape(VectorOperators.B2I, I8, 0)).convert(VectorOperators.I2F, 0)).intoArray(wf, o + j);
                }
            }
        }

        /** Each weight broadcast serves groups g and g + 1 ({@link #tile}). */
        @Override
        public int groupsPerTile() {
            return 2;
        }

        /**
         * {@link TokenLaneProduct#TILE_ROWS} rows times token group g, and g + 1 where there is one, over blocks
         * {@code [b0, b1)}; row k's ggml-lane-l accumulator (token lanes) lives at
         * {@code acc[accOff + k * 8 * LANES + l * LANES]} between slices, group g + 1's {@link TokenLaneProduct#groupStride}
         * further.
         *
         * <p>Block by block: the block's scales {@code d_w * d_a} for each row and group once (not once per lane), then
         * for each of ggml's eight lanes its four-element sum per row and group (exact), each added to its accumulator
         * as the scalar twin does, {@code acc = fma(d_w * d_a, sumi, acc)}. A block's weights, activations and scales stay
         * in L1 over its eight lanes; loops run on the index they address, so the JIT can hoist the bounds checks.
         * Tried and slower before: two rows times two token groups with the scales inline or precomputed per tile;
         * ggml's lanes in the vector lanes for weights and tokens alike (2-row by 2-token tiles without weight broadcasts).
         */
        @Override
        public void tile(float[] wf, int wo, float[] wd, int dOff, int cols, int blocks, BlockActivations a, int g, int b0, int b1,
                         float[] acc, int accOff, float[] scales) {
            boolean two = g + 1 < BlockActivations.groups(a.count);
            int dBase = g * blocks * LANES;
            for (int b = b0; b < b1; b++) {
                FloatVector dv = FloatVector.fromArray(F8, a.d, dBase + b * LANES);
                for (int k = 0; k < 4; k++) dv.mul(wd[dOff + k * blocks + b]).intoArray(scales, k * LANES);
                if (two) {
                    FloatVector dv2 = FloatVector.fromArray(F8, a.d, dBase + (blocks + b) * LANES);
                    for (int k = 0; k < 4; k++) dv2.mul(wd[dOff + k * blocks + b]).intoArray(scales, (4 + k) * LANES);
                    blockTwoGroups(wf, wo, cols, a.q, g * cols * LANES, (g + 1) * cols * LANES, 32 * b, scales, acc, accOff,
                            accOff + TokenLaneProduct.groupStride(8 * LANES));
                } else {
                    blockOneGroup(wf, wo, cols, a.q, g * cols * LANES, 32 * b, scales, acc, accOff);
                }
            }
        }

        /** The work of {@link #tile}: {@code d_w * d_a} of one block, four rows times up to two token groups. */
        @Override
        public int workFloats() {
            return 8 * LANES;
        }

        /**
         * One block (elements from {@code e}) of four rows times two token groups: per ggml lane, eight exact four-element
         * sums (each row's four broadcasts serve both groups), each scaled into its accumulator.
         */
        private static void blockTwoGroups(float[] wf, int wo, int cols, float[] q, int qBase, int qBase2, int e, float[] scales,
                                           float[] acc, int accOff, int accOff2) {
            int rowStep = 8 * LANES;
            for (int l = 0; l < 8; l++) {
                int xi = qBase + (e + 4 * l) * LANES, yi = qBase2 + (e + 4 * l) * LANES, o = accOff + l * LANES, o2 = accOff2 + l * LANES;
                FloatVector x0 = FloatVector.fromArray(F8, q, xi), x1 = FloatVector.fromArray(F8, q, xi + LANES);
                FloatVector x2 = FloatVector.fromArray(F8, q, xi + 2 * LANES), x3 = FloatVector.fromArray(F8, q, xi + 3 * LANES);
                FloatVector y0 = FloatVector.fromArray(F8, q, yi), y1 = FloatVector.fromArray(F8, q, yi + LANES);
                FloatVector y2 = FloatVector.fromArray(F8, q, yi + 2 * LANES), y3 = FloatVector.fromArray(F8, q, yi + 3 * LANES);
                int wi = wo + e + 4 * l;
                // exact integer sums of the lane's four products, per row and group. The four rows are written out: a
                // helper taking the eight activation vectors was not inlined and boxed them (0.2x), a loop over the rows
                // ran ~10% slower
                int w0 = wi, a0 = o, b0 = o2;
                FloatVector v00 = FloatVector.broadcast(F8, wf[w0]), v01 = FloatVector.broadcast(F8, wf[w0 + 1]);
                FloatVector v02 = FloatVector.broadcast(F8, wf[w0 + 2]), v03 = FloatVector.broadcast(F8, wf[w0 + 3]);
                FloatVector c0 = v03.fma(x3, v02.fma(x2, v01.fma(x1, x0.mul(v00))));
                FloatVector d0 = v03.fma(y3, v02.fma(y2, v01.fma(y1, y0.mul(v00))));
                FloatVector.fromArray(F8, scales, 0 * LANES).fma(c0, FloatVector.fromArray(F8, acc, a0)).intoArray(acc, a0);
                FloatVector.fromArray(F8, scales, 4 * LANES).fma(d0, FloatVector.fromArray(F8, acc, b0)).intoArray(acc, b0);
                int w1 = wi + cols, a1 = o + rowStep, b1 = o2 + rowStep;
                FloatVector v10 = FloatVector.broadcast(F8, wf[w1]), v11 = FloatVector.broadcast(F8, wf[w1 + 1]);
                FloatVector v12 = FloatVector.broadcast(F8, wf[w1 + 2]), v13 = FloatVector.broadcast(F8, wf[w1 + 3]);
                FloatVector c1 = v13.fma(x3, v12.fma(x2, v11.fma(x1, x0.mul(v10))));
                FloatVector d1 = v13.fma(y3, v12.fma(y2, v11.fma(y1, y0.mul(v10))));
                FloatVector.fromArray(F8, scales, 1 * LANES).fma(c1, FloatVector.fromArray(F8, acc, a1)).intoArray(acc, a1);
                FloatVector.fromArray(F8, scales, 5 * LANES).fma(d1, FloatVector.fromArray(F8, acc, b1)).intoArray(acc, b1);
                int w2 = wi + 2 * cols, a2 = o + 2 * rowStep, b2 = o2 + 2 * rowStep;
                FloatVector v20 = FloatVector.broadcast(F8, wf[w2]), v21 = FloatVector.broadcast(F8, wf[w2 + 1]);
                FloatVector v22 = FloatVector.broadcast(F8, wf[w2 + 2]), v23 = FloatVector.broadcast(F8, wf[w2 + 3]);
                FloatVector c2 = v23.fma(x3, v22.fma(x2, v21.fma(x1, x0.mul(v20))));
                FloatVector d2 = v23.fma(y3, v22.fma(y2, v21.fma(y1, y0.mul(v20))));
                FloatVector.fromArray(F8, scales, 2 * LANES).fma(c2, FloatVector.fromArray(F8, acc, a2)).intoArray(acc, a2);
                FloatVector.fromArray(F8, scales, 6 * LANES).fma(d2, FloatVector.fromArray(F8, acc, b2)).intoArray(acc, b2);
                int w3 = wi + 3 * cols, a3 = o + 3 * rowStep, b3 = o2 + 3 * rowStep;
                FloatVector v30 = FloatVector.broadcast(F8, wf[w3]), v31 = FloatVector.broadcast(F8, wf[w3 + 1]);
                FloatVector v32 = FloatVector.broadcast(F8, wf[w3 + 2]), v33 = FloatVector.broadcast(F8, wf[w3 + 3]);
                FloatVector c3 = v33.fma(x3, v32.fma(x2, v31.fma(x1, x0.mul(v30))));
                FloatVector d3 = v33.fma(y3, v32.fma(y2, v31.fma(y1, y0.mul(v30))));
                FloatVector.fromArray(F8, scales, 3 * LANES).fma(c3, FloatVector.fromArray(F8, acc, a3)).intoArray(acc, a3);
                FloatVector.fromArray(F8, scales, 7 * LANES).fma(d3, FloatVector.fromArray(F8, acc, b3)).intoArray(acc, b3);
            }
        }

        /** As {@link #blockTwoGroups} for one token group (the last of an odd count). */
        private static void blockOneGroup(float[] wf, int wo, int cols, float[] q, int qBase, int e, float[] scales, float[] acc, int accOff) {
            int rowStep = 8 * LANES;
            for (int l = 0; l < 8; l++) {
                int xi = qBase + (e + 4 * l) * LANES, o = accOff + l * LANES;
                FloatVector x0 = FloatVector.fromArray(F8, q, xi), x1 = FloatVector.fromArray(F8, q, xi + LANES);
                FloatVector x2 = FloatVector.fromArray(F8, q, xi + 2 * LANES), x3 = FloatVector.fromArray(F8, q, xi + 3 * LANES);
                for (int k = 0; k < 4; k++) {
                    int wi = wo + k * cols + e + 4 * l;
                    FloatVector c = FloatVector.broadcast(F8, wf[wi + 3]).fma(x3, FloatVector.broadcast(F8, wf[wi + 2]).fma(x2,
                            FloatVector.broadcast(F8, wf[wi + 1]).fma(x1, x0.mul(wf[wi]))));
                    int a = o + k * rowStep;
                    FloatVector.fromArray(F8, scales, k * LANES).fma(c, FloatVector.fromArray(F8, acc, a)).intoArray(acc, a);
                }
            }
        }

        /**
         * A row's eight lane accumulators for token group g (at {@code o} in {@code acc}) combined per token in
         * {@link ScalarKernels#hsum8}'s order, then stored as row {@code row} of the group's tokens.
         */
        @Override
        public void store(float[] acc, int o, BlockActivations a, int g, int row, float[] out, int outStride) {
            int tokens = Math.min(LANES, a.count - g * LANES);
            FloatVector v0 = FloatVector.fromArray(F8, acc, o), v1 = FloatVector.fromArray(F8, acc, o + LANES);
            FloatVector v2 = FloatVector.fromArray(F8, acc, o + 2 * LANES), v3 = FloatVector.fromArray(F8, acc, o + 3 * LANES);
            FloatVector v4 = FloatVector.fromArray(F8, acc, o + 4 * LANES), v5 = FloatVector.fromArray(F8, acc, o + 5 * LANES);
            FloatVector v6 = FloatVector.fromArray(F8, acc, o + 6 * LANES), v7 = FloatVector.fromArray(F8, acc, o + 7 * LANES);
            FloatVector r0 = v4.add(v0), r1 = v5.add(v1), r2 = v6.add(v2), r3 = v7.add(v3);
            FloatVector sum = r0.add(r2).add(r1.add(r3));
            for (int t = 0; t < tokens; t++) out[(g * LANES + t) * outStride + row] = sum.lane(t);
        }
    }
}
