package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 products in float lanes, bit-identical to {@link RepackedQ4#q4_0} (llama.cpp's repacked order): one token ({@link #matVecRows},
 * decode) and several ({@link #matMulRows}, prefill and batched decode).
 *
 * <p>Why floats: a weight quant (|q| <= 8) times an 8-bit activation quant (|a| <= 127) is an integer, and a
 * 32-element block's sum of them stays below 2^24, so float FMA computes every block sum exactly, in any order.
 * The Vector API has no byte multiply-add, so 16-bit integer products were the alternative; float lanes let
 * {@link #matMulRows} put 8 tokens in the lanes ({@link BlockActivations#forTokens}) and drop reductions: rows are
 * converted to floats once per call, 16 at a time ({@link TokenLaneProduct}), and in 4-row tiles each weight is broadcast against the token
 * lanes, so the weights are read once for all tokens. Each exact block sum is scaled and added to the row's sum
 * block by block with one fma, as the scalar twin does ({@code sum = fma(sumi, d_w * d_a, sum)}), so a row's product
 * is the same alone or in a batch.
 *
 * <p>Q8_0 is not here: its products follow ggml's AVX2 lane order (eight lanes of four-element sums, scaled per
 * block); {@link Q8_0Kernels} reproduces that with one pass over the blocks per lane. Needs 256-bit
 * vectors ({@link #supports}); elsewhere MatMul keeps the other kernels.
 */
final class ExactBlockKernels {
    private ExactBlockKernels() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final int LANES = BlockActivations.LANES;
    static boolean supports(GgmlType type) {
        return VectorKernels.INT_PATH && type == GgmlType.Q4_0;
    }

    private static IntVector bytesToInts(MemorySegment w, long p) {
        return (IntVector) ByteVector.fromMemorySegment(B8, w, p, LE).convertShape(VectorOperators.B2I, I8, 0);
    }

    private static FloatVector toFloats(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    // ------------------------------------------------------------------ one token

    /**
     * {@code out[outOffset + r] = W[r] · a} for rows {@code [from, to)} of the Q4_0 matrix at {@code w}
     * ({@code rowBytes} apart), {@code a} from {@link BlockActivations#forRow}: each block's lanes are reduced to its
     * exact sum (reduceLanes may add in any order: every partial sum is an integer below 2^24), scaled and added to
     * the row's sum as in the scalar twin. Tried and slower: several rows per kernel (C2 stops inlining past its
     * node budget and boxes the vectors) and a shuffle tree instead of reduceLanes.
     */
    static void matVecRows(MemorySegment w, long rowBytes, BlockActivations a, int from, int to, float[] out, int outOffset) {
        for (int r = from; r < to; r++) out[outOffset + r] = q4_0Row(w, r * rowBytes, a);
    }

    /** Lanes whose sum is a Q4_0 block's Σ q·a with the nibbles unshifted (0..15): subtract 8·Σa for the quants. */
    private static FloatVector q4_0Block(MemorySegment w, long p, FloatVector x0, FloatVector x1, FloatVector x2, FloatVector x3) {
        IntVector b0 = bytesToInts(w, p + 2), b1 = bytesToInts(w, p + 10);
        FloatVector s = toFloats(b0.and(0xF)).fma(x0, FloatVector.zero(F8));
        s = toFloats(b1.and(0xF)).fma(x1, s);
        s = toFloats(b0.lanewise(VectorOperators.ASHR, 4).and(0xF)).fma(x2, s);
        return toFloats(b1.lanewise(VectorOperators.ASHR, 4).and(0xF)).fma(x3, s);
    }

    private static float q4_0Row(MemorySegment w, long p, BlockActivations a) {
        float sum = 0;
        float[] q = a.q;
        for (int b = 0; b < a.blocks; b++, p += 18) {
            int e = 32 * b;
            float s = q4_0Block(w, p, FloatVector.fromArray(F8, q, e), FloatVector.fromArray(F8, q, e + 8),
                    FloatVector.fromArray(F8, q, e + 16), FloatVector.fromArray(F8, q, e + 24)).reduceLanes(VectorOperators.ADD)
                    - 8 * a.blockSums[b];
            sum = Math.fma(s, Dequantize.f16(w, p) * a.d[b], sum);
        }
        return sum;
    }

    // ------------------------------------------------------------------ several tokens

    private static final TokenLanes TOKEN_LANES = new TokenLanes();

    /**
     * {@code out[t * outStride + r] = W[r] · a_t} for rows {@code [from, to)} of the Q4_0 matrix at {@code w} and every token of {@code a}
     * ({@link BlockActivations#forTokens}).
     */
    static void matMulRows(MemorySegment w, long rowBytes, BlockActivations a, int from, int to, float[] out, int outStride) {
        TokenLaneProduct.matMulRows(TOKEN_LANES, w, rowBytes, a, a.length, a.count, from, to, out, outStride);
    }

    /** Q4_0's part of {@link TokenLaneProduct}: one accumulator per row and token, each block's sum exact. */
    private static final class TokenLanes implements TokenLaneProduct.Format<BlockActivations> {

        @Override
        public int accumulatorsPerRow() {
            return LANES;
        }

        /** A Q4_0 row's quants as floats, its -8 applied, and its block scales. */
        @Override
        public void unpackRow(MemorySegment w, long p, int blocks, float[] wf, int o, float[] wd, int dO) {
            for (int b = 0; b < blocks; b++, p += 18, o += 32) {
                wd[dO + b] = Dequantize.f16(w, p);
                IntVector b0 = bytesToInts(w, p + 2), b1 = bytesToInts(w, p + 10);
                toFloats(b0.and(0xF).sub(8)).intoArray(wf, o);
                toFloats(b1.and(0xF).sub(8)).intoArray(wf, o + 8);
                toFloats(b0.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8)).intoArray(wf, o + 16);
                toFloats(b1.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8)).intoArray(wf, o + 24);
            }
        }

        /** Each weight broadcast serves groups g and g + 1 ({@link #tile}). */
        @Override
        public int groupsPerTile() {
            return 2;
        }

        /**
         * {@link TokenLaneProduct#TILE_ROWS} rows times token group g, and g + 1 where there is one, over blocks
         * {@code [b0, b1)}: one accumulator per row and group (token lanes, at {@code accOff} in {@code acc}, row after
         * row; group g + 1's {@link TokenLaneProduct#groupStride} further), exact per block, scaled per block.
         */
        @Override
        public void tile(float[] wf, int wo, float[] wd, int dOff, int cols, int blocks, BlockActivations a, int g, int b0, int b1,
                         float[] acc, int accOff, float[] work) {
            if (g + 1 < BlockActivations.groups(a.count)) twoGroups(wf, wo, wd, dOff, cols, blocks, a, g, b0, b1, acc, accOff);
            else oneGroup(wf, wo, wd, dOff, cols, blocks, a, g, b0, b1, acc, accOff);
        }

        /**
         * Groups g and g + 1: eight chains (4 rows x 2 groups), each over a block's 32 products, 4 weight broadcasts and
         * 2 activation loads per 8 FMAs. The rows' running sums stay in {@code acc} (16 of them would not fit the
         * registers beside the chains); each block adds to them as the scalar twin, {@code sum = fma(sumi, d_w * d_a, sum)}.
         */
        private static void twoGroups(float[] wf, int wo, float[] wd, int dOff, int cols, int blocks, BlockActivations a, int g, int b0, int b1,
                                      float[] acc, int accOff) {
            float[] q = a.q, d = a.d;
            int qBase = g * cols * LANES, qBase2 = qBase + cols * LANES, dBase = g * blocks * LANES, dBase2 = dBase + blocks * LANES;
            int w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols, h = accOff + TokenLaneProduct.groupStride(LANES);
            for (int b = b0; b < b1; b++) {
                FloatVector c0 = FloatVector.zero(F8), c1 = c0, c2 = c0, c3 = c0, e0 = c0, e1 = c0, e2 = c0, e3 = c0;
                for (int e = 32 * b, end = e + 32; e < end; e++) {
                    FloatVector x = FloatVector.fromArray(F8, q, qBase + e * LANES), y = FloatVector.fromArray(F8, q, qBase2 + e * LANES);
                    FloatVector v0 = FloatVector.broadcast(F8, wf[wo + e]), v1 = FloatVector.broadcast(F8, wf[w1 + e]);
                    FloatVector v2 = FloatVector.broadcast(F8, wf[w2 + e]), v3 = FloatVector.broadcast(F8, wf[w3 + e]);
                    c0 = v0.fma(x, c0);
                    e0 = v0.fma(y, e0);
                    c1 = v1.fma(x, c1);
                    e1 = v1.fma(y, e1);
                    c2 = v2.fma(x, c2);
                    e2 = v2.fma(y, e2);
                    c3 = v3.fma(x, c3);
                    e3 = v3.fma(y, e3);
                }
                FloatVector da = FloatVector.fromArray(F8, d, dBase + b * LANES), db = FloatVector.fromArray(F8, d, dBase2 + b * LANES);
                scaleInto(c0, da, wd[dOff + b], acc, accOff);
                scaleInto(c1, da, wd[dOff + blocks + b], acc, accOff + LANES);
                scaleInto(c2, da, wd[dOff + 2 * blocks + b], acc, accOff + 2 * LANES);
                scaleInto(c3, da, wd[dOff + 3 * blocks + b], acc, accOff + 3 * LANES);
                scaleInto(e0, db, wd[dOff + b], acc, h);
                scaleInto(e1, db, wd[dOff + blocks + b], acc, h + LANES);
                scaleInto(e2, db, wd[dOff + 2 * blocks + b], acc, h + 2 * LANES);
                scaleInto(e3, db, wd[dOff + 3 * blocks + b], acc, h + 3 * LANES);
            }
        }

        /** {@code acc[o..] = fma(sumi, d_a * d_w, acc[o..])}. */
        private static void scaleInto(FloatVector sumi, FloatVector da, float dw, float[] acc, int o) {
            sumi.fma(da.mul(dw), FloatVector.fromArray(F8, acc, o)).intoArray(acc, o);
        }

        /** One token group (the last of an odd count): as {@link #twoGroups}, two chains per row (even and odd elements). */
        private static void oneGroup(float[] wf, int wo, float[] wd, int dOff, int cols, int blocks, BlockActivations a, int g, int b0, int b1,
                                     float[] acc, int accOff) {
            float[] q = a.q, d = a.d;
            int qBase = g * cols * LANES, dBase = g * blocks * LANES;
            FloatVector s0 = FloatVector.fromArray(F8, acc, accOff), s1 = FloatVector.fromArray(F8, acc, accOff + LANES);
            FloatVector s2 = FloatVector.fromArray(F8, acc, accOff + 2 * LANES), s3 = FloatVector.fromArray(F8, acc, accOff + 3 * LANES);
            for (int b = b0; b < b1; b++) {
                // two accumulators per row (even and odd elements) hide the FMA latency; their sum is exact too
                FloatVector c0 = FloatVector.zero(F8), c1 = c0, c2 = c0, c3 = c0, e0 = c0, e1 = c0, e2 = c0, e3 = c0;
                for (int e = 32 * b, end = e + 32; e < end; e += 2) {
                    FloatVector x = FloatVector.fromArray(F8, q, qBase + e * LANES);
                    FloatVector y = FloatVector.fromArray(F8, q, qBase + (e + 1) * LANES);
                    c0 = FloatVector.broadcast(F8, wf[wo + e]).fma(x, c0);
                    c1 = FloatVector.broadcast(F8, wf[wo + cols + e]).fma(x, c1);
                    c2 = FloatVector.broadcast(F8, wf[wo + 2 * cols + e]).fma(x, c2);
                    c3 = FloatVector.broadcast(F8, wf[wo + 3 * cols + e]).fma(x, c3);
                    e0 = FloatVector.broadcast(F8, wf[wo + e + 1]).fma(y, e0);
                    e1 = FloatVector.broadcast(F8, wf[wo + cols + e + 1]).fma(y, e1);
                    e2 = FloatVector.broadcast(F8, wf[wo + 2 * cols + e + 1]).fma(y, e2);
                    e3 = FloatVector.broadcast(F8, wf[wo + 3 * cols + e + 1]).fma(y, e3);
                }
                c0 = c0.add(e0);
                c1 = c1.add(e1);
                c2 = c2.add(e2);
                c3 = c3.add(e3);
                FloatVector da = FloatVector.fromArray(F8, d, dBase + b * LANES);
                // as the scalar twin: sum = fma(sumi, d_w * d_a, sum)
                s0 = c0.fma(da.mul(wd[dOff + b]), s0);
                s1 = c1.fma(da.mul(wd[dOff + blocks + b]), s1);
                s2 = c2.fma(da.mul(wd[dOff + 2 * blocks + b]), s2);
                s3 = c3.fma(da.mul(wd[dOff + 3 * blocks + b]), s3);
            }
            s0.intoArray(acc, accOff);
            s1.intoArray(acc, accOff + LANES);
            s2.intoArray(acc, accOff + 2 * LANES);
            s3.intoArray(acc, accOff + 3 * LANES);
        }

        /** Row {@code row}'s accumulators, one per token of group g. */
        @Override
        public void store(float[] acc, int o, BlockActivations a, int g, int row, float[] out, int outStride) {
            int tokens = Math.min(LANES, a.count - g * LANES);
            for (int l = 0; l < tokens; l++) out[(g * LANES + l) * outStride + row] = acc[o + l];
        }
    }
}
