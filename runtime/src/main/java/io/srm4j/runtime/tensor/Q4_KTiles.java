package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K products of several tokens (prefill, batched decode) in float lanes, bit-identical to
 * {@link RepackedQ4#q4_KGemm} and {@link RepackedQ4#q4_KGemv} token by token: tokens sit in the eight lanes
 * ({@link Activations}), weight rows are converted to floats once per call, 16 rows at a time, each quant times its
 * sub-block scale ({@code sc · q}), and broadcast against the token lanes in 4-row tiles, as
 * {@link Q8_0Kernels#matMulRows} does for Q8_0.
 *
 * <p>Exactness: a product {@code sc · q · a} is at most 63 · 15 · 127 = 120,015, a sub-block's sum of 32 at most
 * 3,840,480 and a pair of sub-blocks' {@code sc_0 · s_0 + sc_1 · s_1} at most 7,680,960 &lt; 2^24, so float FMAs give
 * the exact integers ggml's kernels sum, in whatever order they add them. The gemm order takes one fma per pair with them, as the twin; the gemv order adds a super-block's four
 * pairs in int lanes (up to 8 · 63 · 60,960, past float's exact range) and converts once, as the twin's
 * {@code (float) isum}. The mins' sums (at most 8 · 63 · 4,064) are exact in floats either way.
 *
 * <p>The chunks, column slices and tiles are {@link TokenLaneProduct}'s; the accumulators are kept between slices,
 * so the fma order is the same however long the row.
 */
final class Q4_KTiles {
    private Q4_KTiles() {}

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final int LANES = 8;
    /** Per row and order: eight lanes of acc, eight of accMin. */
    private static final int ROW_ACC = 2 * LANES;

    /** Whether {@link #matMulRows} takes products of {@code n} tokens: with fewer, most token lanes would idle. */
    static boolean worthIt(int n) {
        return RepackedQ4Kernels.supported() && n >= 4;
    }

    /** Q8_K activations of several tokens transposed into groups of {@link #LANES} tokens, with each token's order. */
    static final class Activations {
        final int length, count, superBlocks;
        /** {@code [group][element][lane]}. */
        final float[] q;
        /** Super-block scales, {@code [group][superBlock][lane]}. */
        final float[] d;
        /** Σ quants of each 32-element sub-block, {@code [group][subBlock][lane]}. */
        final float[] sums;
        /** Per token: ggml's gemm order (else gemv). */
        final boolean[] gemm;
        /** Per group: some token takes the gemm order, some the gemv order. */
        final boolean[] anyGemm, anyGemv;

        Activations(QuantizedActivations a, boolean[] gemm) {
            if (a.format != GgmlType.Q8_K) throw new IllegalArgumentException("Q4_K products take Q8_K activations, got " + a.format);
            if (gemm.length < a.count) throw new IllegalArgumentException(gemm.length + " gemm flags for " + a.count + " rows");
            length = a.length;
            count = a.count;
            superBlocks = length / 256;
            int groups = BlockActivations.groups(count), subBlocks = length / 32;
            q = new float[Math.multiplyExact(groups * LANES, length)];
            d = new float[groups * LANES * superBlocks];
            sums = new float[groups * LANES * subBlocks];
            this.gemm = Arrays.copyOf(gemm, count);
            anyGemm = new boolean[groups];
            anyGemv = new boolean[groups];
            for (int t = 0; t < count; t++) {
                int g = t / LANES, lane = t % LANES, o = t * length;
                if (gemm[t]) anyGemm[g] = true;
                else anyGemv[g] = true;
                int qo = g * length * LANES + lane;
                for (int e = 0; e < length; e++) q[qo + e * LANES] = a.qs[o + e];
                for (int sb = 0; sb < superBlocks; sb++) d[(g * superBlocks + sb) * LANES + lane] = a.d[o / 256 + sb];
                for (int j = 0; j < subBlocks; j++) {
                    sums[(g * subBlocks + j) * LANES + lane] = a.bsums[o / 16 + 2 * j] + a.bsums[o / 16 + 2 * j + 1];
                }
            }
        }
    }

    /**
     * {@code out[t * outStride + r] = W[r] · a_t} in token t's order for rows {@code [from, to)} of the Q4_K matrix at
     * {@code w} ({@code rowBytes} apart).
     */
    static void matMulRows(MemorySegment w, long rowBytes, Activations a, int from, int to, float[] out, int outStride) {
        TokenLaneProduct.matMulRows(TOKEN_LANES, w, rowBytes, a, a.length, a.count, from, to, out, outStride);
    }

    private static final TokenLanes TOKEN_LANES = new TokenLanes();

    /** Per-thread copy of the row being unpacked. */
    private static final ThreadLocal<byte[]> ROW_BYTES = ThreadLocal.withInitial(() -> new byte[0]);

    /**
     * Q4_K's part of {@link TokenLaneProduct}: per row, the gemm order's acc and accMin lanes, then the gemv order's;
     * a row's scales are laid out d (per super-block), dmin, then each sub-block's scale, then its min.
     */
    private static final class TokenLanes implements TokenLaneProduct.Format<Activations> {
        @Override
        public int blockSize() {
            return 256;
        }

        @Override
        public int scalesPerRow(int superBlocks) {
            return 18 * superBlocks;
        }

        @Override
        public int groupsPerTile() {
            return 2;
        }

        @Override
        public int accumulatorsPerRow() {
            return 2 * ROW_ACC;
        }

        /** The work of {@link #tile}: one super-block's pair sums for up to two token groups. */
        @Override
        public int workFloats() {
            return 2 * PAIRS_PER_GROUP;
        }

        /** A Q4_K row's quants times their sub-block scales ({@code sc · q}) as floats in element order, and its scales (see the class above). */
        @Override
        public void unpackRow(MemorySegment w, long p, int superBlocks, float[] wf, int o, float[] scales, int so) {
            // from a copy of the row: byte vectors and single bytes read from the mapped file's segment each pay checks
            // (a sixth of the tiles' time in the CLI's prefill)
            byte[] row = ROW_BYTES.get();
            if (row.length < 144 * superBlocks) ROW_BYTES.set(row = new byte[144 * superBlocks]);
            MemorySegment.copy(w, ValueLayout.JAVA_BYTE, p, row, 0, 144 * superBlocks);
            int sc = so + 2 * superBlocks, mn = sc + 8 * superBlocks;
            for (int b = 0; b < superBlocks; b++) {
                int base = 144 * b;
                scales[so + b] = Float.float16ToFloat((short) ((row[base] & 0xFF) | (row[base + 1] << 8)));
                scales[so + superBlocks + b] = Float.float16ToFloat((short) ((row[base + 2] & 0xFF) | (row[base + 3] << 8)));
                for (int j = 0; j < 8; j++) {
                    scales[sc + 8 * b + j] = scaleMinK4(row, base + 4, j, false);
                    scales[mn + 8 * b + j] = scaleMinK4(row, base + 4, j, true);
                }
                for (int half = 0; half < 4; half++) { // 32 bytes: sub-block 2 * half in the low nibbles, 2 * half + 1 in the high
                    int qp = base + 16 + 32 * half, e = o + 256 * b + 64 * half;
                    int lo = scaleMinK4(row, base + 4, 2 * half, false), hi = scaleMinK4(row, base + 4, 2 * half + 1, false);
                    for (int i = 0; i < 32; i += 8) {
                        IntVector v = (IntVector) ByteVector.fromArray(B8, row, qp + i).convertShape(VectorOperators.B2I, I8, 0);
                        ((FloatVector) v.and(0xF).mul(lo).convert(VectorOperators.I2F, 0)).intoArray(wf, e + i);
                        ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).mul(hi).convert(VectorOperators.I2F, 0)).intoArray(wf, e + 32 + i);
                    }
                }
            }
        }

        /** {@link Dequantize#scaleMinK4} on a copy of the row. */
        private static int scaleMinK4(byte[] s, int p, int j, boolean min) {
            if (j < 4) return s[p + j + (min ? 4 : 0)] & 63;
            int packed = s[p + j + 4] & 0xFF;
            return min ? (packed >>> 4) | (((s[p + j] & 0xFF) >>> 6) << 4)
                    : (packed & 0xF) | (((s[p + j - 4] & 0xFF) >>> 6) << 4);
        }

        /** The tile in each order some token of group g takes. */
        @Override
        public void tile(float[] wf, int wo, float[] scales, int so, int cols, int superBlocks, Activations a, int g, int sb0, int sb1,
                         float[] acc, int accOff, float[] pairs) {
            Q4_KTiles.tile(wf, wo, scales, so, cols, a, g, sb0, sb1, acc, accOff, pairs);
        }

        /** Each token's result in its own order: acc - accMin. */
        @Override
        public void store(float[] acc, int o, Activations a, int g, int row, float[] out, int outStride) {
            int tokens = Math.min(LANES, a.count - g * LANES);
            for (int lane = 0; lane < tokens; lane++) {
                int t = g * LANES + lane, i = o + (a.gemm[t] ? 0 : ROW_ACC) + lane;
                out[t * outStride + row] = acc[i] - acc[i + LANES];
            }
        }
    }

    /** Floats of one token group's pair sums in a tile's super-block, {@code [row][pair][lane]}. */
    private static final int PAIRS_PER_GROUP = 4 * 4 * LANES;

    // C2 inlines Vector API calls only while a compilation stays under its node budget; past it, vectors are boxed and
    // the kernel slows severalfold (the single method that summed and finished both orders did, in the CLI's prefill).
    // So the sums and each order's finish are separate compilations, joined by a small float array in L1.

    /**
     * Four rows (scaled quants from {@code wf[w0]}, scales from {@code scales[so]}, rows {@code cols} and 18 scales
     * per super-block apart) times token group g, and g + 1 where there is one, over super-blocks {@code [sb0, sb1)} in
     * each order some token of the group takes; row r keeps its lanes at {@code acc[accOff + r * 2 * ROW_ACC]} (gemm
     * acc, accMin, then gemv's), group g + 1's {@link TokenLaneProduct#groupStride} further; {@code pairs}: the
     * {@link TokenLanes#workFloats} floats of scratch the sums pass to the finish.
     */
    private static void tile(float[] wf, int w0, float[] scales, int so, int cols, Activations a, int g, int sb0, int sb1,
                             float[] acc, int accOff, float[] pairs) {
        int h = g + 1, hAcc = accOff + TokenLaneProduct.groupStride(2 * ROW_ACC);
        boolean two = h < BlockActivations.groups(a.count);
        for (int sb = sb0; sb < sb1; sb++) {
            if (two) pairSums(wf, w0, cols, a.q, g * cols * LANES, h * cols * LANES, sb, pairs);
            else pairSums(wf, w0, cols, a.q, g * cols * LANES, sb, pairs);
            finish(pairs, 0, scales, so, a, g, sb, acc, accOff);
            if (two) finish(pairs, PAIRS_PER_GROUP, scales, so, a, h, sb, acc, hAcc);
        }
    }

    /** Each order some token of group g takes, after super-block sb. */
    private static void finish(float[] pairs, int p, float[] scales, int so, Activations a, int g, int sb, float[] acc, int accOff) {
        if (a.anyGemm[g]) finishGemm(pairs, p, scales, so, a, g, sb, acc, accOff);
        if (a.anyGemv[g]) finishGemv(pairs, p, scales, so, a, g, sb, acc, accOff + ROW_ACC);
    }

    /**
     * As {@link #pairSums(float[], int, int, float[], int, int, float[])} for two token groups (activations from
     * {@code qBase} and {@code qBase2}; the second group's sums {@link #PAIRS_PER_GROUP} further): each weight
     * broadcast serves both, and each of the eight chains runs over a pair's 64 products, exact as above.
     */
    private static void pairSums(float[] wf, int w0, int cols, float[] q, int qBase, int qBase2, int sb, float[] pairs) {
        int w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        for (int pair = 0; pair < 4; pair++) {
            FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int e = 256 * sb + 64 * pair, xi = qBase + e * LANES, yi = qBase2 + e * LANES;
            for (int i = 0; i < 64; i++) {
                FloatVector x = FloatVector.fromArray(F8, q, xi + i * LANES), y = FloatVector.fromArray(F8, q, yi + i * LANES);
                FloatVector v0 = FloatVector.broadcast(F8, wf[w0 + e + i]), v1 = FloatVector.broadcast(F8, wf[w1 + e + i]);
                FloatVector v2 = FloatVector.broadcast(F8, wf[w2 + e + i]), v3 = FloatVector.broadcast(F8, wf[w3 + e + i]);
                a0 = v0.fma(x, a0);
                b0 = v0.fma(y, b0);
                a1 = v1.fma(x, a1);
                b1 = v1.fma(y, b1);
                a2 = v2.fma(x, a2);
                b2 = v2.fma(y, b2);
                a3 = v3.fma(x, a3);
                b3 = v3.fma(y, b3);
            }
            int o = pair * LANES, o2 = PAIRS_PER_GROUP + o;
            a0.intoArray(pairs, o);
            a1.intoArray(pairs, o + 4 * LANES);
            a2.intoArray(pairs, o + 8 * LANES);
            a3.intoArray(pairs, o + 12 * LANES);
            b0.intoArray(pairs, o2);
            b1.intoArray(pairs, o2 + 4 * LANES);
            b2.intoArray(pairs, o2 + 8 * LANES);
            b3.intoArray(pairs, o2 + 12 * LANES);
        }
    }

    /**
     * Super-block sb's four pair sums {@code sc_0 · Σ q·a + sc_1 · Σ q·a} for four rows, each an exact integer: the
     * rows are unpacked as {@code sc · q} (at most 945), so each sub-block's chain stays below 32 · 945 · 127 and the
     * pair's sum below 2^23. The two sub-blocks of a pair sum in chains of their own, eight FMAs in flight.
     */
    private static void pairSums(float[] wf, int w0, int cols, float[] q, int qBase, int sb, float[] pairs) {
        int w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        for (int pair = 0; pair < 4; pair++) {
            FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int e = 256 * sb + 64 * pair, f = e + 32, xi = qBase + e * LANES, xj = qBase + f * LANES;
            for (int i = 0; i < 32; i++) {
                FloatVector x = FloatVector.fromArray(F8, q, xi + i * LANES), y = FloatVector.fromArray(F8, q, xj + i * LANES);
                a0 = FloatVector.broadcast(F8, wf[w0 + e + i]).fma(x, a0);
                a1 = FloatVector.broadcast(F8, wf[w1 + e + i]).fma(x, a1);
                a2 = FloatVector.broadcast(F8, wf[w2 + e + i]).fma(x, a2);
                a3 = FloatVector.broadcast(F8, wf[w3 + e + i]).fma(x, a3);
                b0 = FloatVector.broadcast(F8, wf[w0 + f + i]).fma(y, b0);
                b1 = FloatVector.broadcast(F8, wf[w1 + f + i]).fma(y, b1);
                b2 = FloatVector.broadcast(F8, wf[w2 + f + i]).fma(y, b2);
                b3 = FloatVector.broadcast(F8, wf[w3 + f + i]).fma(y, b3);
            }
            int o = pair * LANES;
            a0.add(b0).intoArray(pairs, o);
            a1.add(b1).intoArray(pairs, o + 4 * LANES);
            a2.add(b2).intoArray(pairs, o + 8 * LANES);
            a3.add(b3).intoArray(pairs, o + 12 * LANES);
        }
    }

    /** The gemm order after super-block sb: one fma per pair of sub-blocks into each row's acc and accMin. */
    private static void finishGemm(float[] pairs, int p, float[] scales, int so, Activations a, int g, int sb, float[] acc, int accOff) {
        int superBlocks = a.superBlocks, subBlocks = 8 * superBlocks, rowScales = 18 * superBlocks;
        FloatVector ad = FloatVector.fromArray(F8, a.d, (g * superBlocks + sb) * LANES);
        int sBase = g * subBlocks * LANES;
        for (int r = 0; r < 4; r++) {
            int d = so + r * rowScales, n = d + 2 * superBlocks + subBlocks, o = accOff + r * 2 * ROW_ACC;
            // the row's acc and accMin stay in registers over the four pairs; each step as the twin's fma
            FloatVector dw = ad.mul(scales[d + sb]), dminw = ad.mul(scales[d + superBlocks + sb]);
            FloatVector sum = FloatVector.fromArray(F8, acc, o), sumMin = FloatVector.fromArray(F8, acc, o + LANES);
            for (int pair = 0; pair < 4; pair++) {
                int j = 8 * sb + 2 * pair;
                FloatVector s0 = FloatVector.fromArray(F8, a.sums, sBase + j * LANES), s1 = FloatVector.fromArray(F8, a.sums, sBase + (j + 1) * LANES);
                FloatVector summs = s1.mul(scales[n + j + 1]).add(s0.mul(scales[n + j])); // exact integers
                sum = FloatVector.fromArray(F8, pairs, p + (4 * r + pair) * LANES).fma(dw, sum);
                sumMin = summs.fma(dminw, sumMin);
            }
            sum.intoArray(acc, o);
            sumMin.intoArray(acc, o + LANES);
        }
    }

    /** The gemv order after super-block sb: its four pairs' sum in int lanes (past float's exact range), one fma. */
    private static void finishGemv(float[] pairs, int p0, float[] scales, int so, Activations a, int g, int sb, float[] acc, int accOff) {
        int superBlocks = a.superBlocks, subBlocks = 8 * superBlocks, rowScales = 18 * superBlocks;
        int sBase = g * subBlocks * LANES, dBase = g * superBlocks * LANES;
        for (int r = 0; r < 4; r++) {
            int d = so + r * rowScales, n = d + 2 * superBlocks + subBlocks, o = accOff + r * 2 * ROW_ACC, p = p0 + 4 * r * LANES;
            IntVector isum = IntVector.zero(I8);
            for (int pair = 0; pair < 4; pair++) isum = isum.add(FloatVector.fromArray(F8, pairs, p + pair * LANES).convert(VectorOperators.F2I, 0));
            superBlock(isum, a, sBase, dBase, sb, scales, n, scales[d + sb], scales[d + superBlocks + sb], acc, o);
        }
    }

    /** The gemv order's step after a super-block: its four pairs' exact int sum, and Σ_j m_j · sums_j, each one fma. */
    private static void superBlock(IntVector isum, Activations a, int sBase, int dBase, int sb, float[] mins, int jRow, float dw, float dminw,
                                   float[] acc, int o) {
        FloatVector ad = FloatVector.fromArray(F8, a.d, dBase + sb * LANES);
        FloatVector summs = FloatVector.zero(F8);
        for (int j = 8 * sb; j < 8 * sb + 8; j++) summs = FloatVector.fromArray(F8, a.sums, sBase + j * LANES).fma(FloatVector.broadcast(F8, mins[jRow + j]), summs); // exact integers
        ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(ad.mul(dw), FloatVector.fromArray(F8, acc, o)).intoArray(acc, o);
        summs.fma(ad.mul(dminw), FloatVector.fromArray(F8, acc, o + LANES)).intoArray(acc, o + LANES);
    }
}
