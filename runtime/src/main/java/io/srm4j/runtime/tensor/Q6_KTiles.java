package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K products of several tokens (prefill, batched decode) in float lanes on {@link TokenLaneProduct}, bit-identical
 * to {@link GgmlOrderKQuants#dotScalar} token by token: tokens sit in the eight lanes ({@link Activations}), weight rows
 * are converted to floats once per call and broadcast against the token lanes in 4-row tiles.
 *
 * <p>ggml's order (see {@link GgmlOrderKQuants}): per super-block eight int lanes, lane l the sum over the eight
 * 32-element chunks of {@code sc[2 chunk + l/4] · Σ_{i<4} q[32 chunk + 4l + i] · a[..]} (q unsigned) minus
 * {@code 32 · (bsums[2l] · sc[2l] + bsums[2l+1] · sc[2l+1])}; each lane into its own float,
 * {@code acc_l = fma(d_w · d_a, lane, acc_l)}; {@link ScalarKernels#hsum8} at the end. So each row keeps 8 float
 * lanes per token. Exactness: rows are unpacked as {@code sc · q} (at most 128 · 63 in magnitude), so a product with
 * an activation is at most 1,024,128 and a four-chunk half of a lane, sixteen of them, at most 16,386,048 &lt; 2^24:
 * float FMAs hold every partial sum exactly. Eight chunks would not, so each half is converted to int and the halves
 * and the offset are added in int lanes, as the twin's integers.
 */
final class Q6_KTiles {
    private Q6_KTiles() {}

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final int LANES = BlockActivations.LANES;
    /** Per row and token group: ggml's eight float lanes, each over the group's eight tokens. */
    private static final int ROW_ACC = 8 * LANES;

    /** Whether {@link #matMulRows} takes Q6_K products of {@code n} tokens: with fewer, most token lanes would idle. */
    static boolean worthIt(GgmlType type, int n) {
        return type == GgmlType.Q6_K && VectorKernels.INT_PATH && n >= 4;
    }

    /** Q8_K activations of several tokens transposed into groups of {@link #LANES} tokens. */
    static final class Activations {
        final int length, count, superBlocks;
        /** {@code [group][element][lane]}. */
        final float[] q;
        /** Super-block scales, {@code [group][superBlock][lane]}. */
        final float[] d;
        /** Σ quants of each 16 elements, {@code [group][superBlock * 16 + j][lane]}. */
        final int[] bsums;

        Activations(QuantizedActivations a) {
            if (a.format != GgmlType.Q8_K) throw new IllegalArgumentException("Q6_K products take Q8_K activations, got " + a.format);
            length = a.length;
            count = a.count;
            superBlocks = length / 256;
            int groups = BlockActivations.groups(count);
            q = new float[Math.multiplyExact(groups * LANES, length)];
            d = new float[groups * LANES * superBlocks];
            bsums = new int[groups * LANES * superBlocks * 16];
            for (int t = 0; t < count; t++) {
                int g = t / LANES, lane = t % LANES, o = t * length;
                int qo = g * length * LANES + lane;
                for (int e = 0; e < length; e++) q[qo + e * LANES] = a.qs[o + e];
                for (int sb = 0; sb < superBlocks; sb++) d[(g * superBlocks + sb) * LANES + lane] = a.d[o / 256 + sb];
                for (int j = 0; j < 16 * superBlocks; j++) bsums[(g * superBlocks * 16 + j) * LANES + lane] = a.bsums[o / 16 + j];
            }
        }
    }

    /** {@code out[t * outStride + r] = W[r] · a_t} for rows {@code [from, to)} of the Q6_K matrix at {@code w}. */
    static void matMulRows(MemorySegment w, long rowBytes, Activations a, int from, int to, float[] out, int outStride) {
        TokenLaneProduct.matMulRows(TOKEN_LANES, w, rowBytes, a, a.length, a.count, from, to, out, outStride);
    }

    private static final TokenLanes TOKEN_LANES = new TokenLanes();

    /** A row's scales: the 16 sub-block scales of each super-block, then each super-block's d. */
    private static final class TokenLanes implements TokenLaneProduct.Format<Activations> {
        @Override
        public int blockSize() {
            return 256;
        }

        @Override
        public int scalesPerRow(int superBlocks) {
            return 17 * superBlocks;
        }

        @Override
        public int groupsPerTile() {
            return 2;
        }

        @Override
        public int accumulatorsPerRow() {
            return ROW_ACC;
        }

        /** A Q6_K row's unsigned quants times their sub-block scales as floats in element order, and its scales. */
        @Override
        public void unpackRow(MemorySegment w, long p, int superBlocks, float[] wf, int o, float[] scales, int so) {
            for (int b = 0; b < superBlocks; b++, p += 210) {
                scales[so + 16 * superBlocks + b] = Dequantize.f16(w, p + 208);
                for (int j = 0; j < 16; j++) scales[so + 16 * b + j] = w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p + 192 + j);
                for (int half = 0; half < 2; half++) { // 128 elements from 64 ql and 32 qh bytes, as ggml's dequantize_row_q6_K
                    long ql = p + 64L * half, qh = p + 128 + 32L * half;
                    int e = o + 256 * b + 128 * half;
                    for (int l = 0; l < 32; l += 8) {
                        IntVector l0 = ((IntVector) ByteVector.fromMemorySegment(B8, w, ql + l, VectorKernels.LE).convertShape(VectorOperators.B2I, I8, 0)).and(0xFF);
                        IntVector l1 = ((IntVector) ByteVector.fromMemorySegment(B8, w, ql + 32 + l, VectorKernels.LE).convertShape(VectorOperators.B2I, I8, 0)).and(0xFF);
                        IntVector h = ((IntVector) ByteVector.fromMemorySegment(B8, w, qh + l, VectorKernels.LE).convertShape(VectorOperators.B2I, I8, 0)).and(0xFF);
                        // element k's sub-block scale: k / 16 of this half's eight
                        int s = so + 16 * b + 8 * half + l / 16;
                        store(l0.and(0xF).or(h.and(3).lanewise(VectorOperators.LSHL, 4)), scales[s], wf, e + l);
                        store(l1.and(0xF).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30)), scales[s + 2], wf, e + 32 + l);
                        store(l0.lanewise(VectorOperators.LSHR, 4).or(h.and(0x30)), scales[s + 4], wf, e + 64 + l);
                        store(l1.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2).and(0x30)), scales[s + 6], wf, e + 96 + l);
                    }
                }
            }
        }

        private static void store(IntVector v, float scale, float[] wf, int o) {
            ((FloatVector) v.mul((int) scale).convert(VectorOperators.I2F, 0)).intoArray(wf, o);
        }

        @Override
        public void tile(float[] wf, int wo, float[] scales, int so, int cols, int superBlocks, Activations a, int g, int sb0, int sb1,
                         float[] acc, int accOff, float[] work) {
            Q6_KTiles.tile(wf, wo, scales, so, cols, superBlocks, a, g, sb0, sb1, acc, accOff);
        }

        /** Each token's lanes added in hsum8's order. */
        @Override
        public void store(float[] acc, int o, Activations a, int g, int row, float[] out, int outStride) {
            int tokens = Math.min(LANES, a.count - g * LANES);
            for (int lane = 0; lane < tokens; lane++) {
                int i = o + lane;
                float r0 = acc[i + 32] + acc[i], r1 = acc[i + 40] + acc[i + 8], r2 = acc[i + 48] + acc[i + 16], r3 = acc[i + 56] + acc[i + 24];
                out[(g * LANES + lane) * outStride + row] = (r0 + r2) + (r1 + r3);
            }
        }
    }

    /** Ints of one token group's lanes in a tile's super-block: {@code [row][lane l][token]}. */
    private static final int GROUP_SUMS = 4 * ROW_ACC;
    /** Where the second four-chunk halves' ints start, after the first halves' of up to two token groups. */
    private static final int HALF = 2 * GROUP_SUMS;
    /** Per-thread int lanes of one tile's super-block, for up to two token groups, first halves then second. */
    private static final ThreadLocal<int[]> SUMS = ThreadLocal.withInitial(() -> new int[2 * HALF]);

    // C2 inlines Vector API calls only while a compilation stays under its node budget; past it, vectors are boxed and
    // a kernel slows severalfold. So the tile's sums and the per-lane finish are separate compilations, joined by a
    // small int array in L1 (as GgmlOrderKQuants does).

    /**
     * Four rows (floats from {@code wf[w0]}, {@code cols} apart; scales from {@code scales[so]}, 17 per super-block
     * apart) times token group g, and g + 1 where there is one, over super-blocks {@code [sb0, sb1)}; row r's lane l at
     * {@code acc[accOff + r * ROW_ACC + 8 l]}, group g + 1's {@link TokenLaneProduct#groupStride}
     * further.
     */
    private static void tile(float[] wf, int w0, float[] scales, int so, int cols, int superBlocks, Activations a,
                             int g, int sb0, int sb1, float[] acc, int accOff) {
        int[] sums = SUMS.get();
        int rowScales = 17 * superBlocks, h = g + 1;
        boolean two = h < BlockActivations.groups(a.count);
        for (int sb = sb0; sb < sb1; sb++) {
            for (int l = 0; l < 8; l++) {
                if (two) sums(wf, w0, cols, a.q, g * cols * LANES, h * cols * LANES, sb, l, sums);
                else sums(wf, w0, scales, so, rowScales, cols, a.q, g * cols * LANES, sb, l, sums);
            }
            finish(sums, 0, scales, so, rowScales, superBlocks, a, g, sb, acc, accOff);
            if (two) finish(sums, GROUP_SUMS, scales, so, rowScales, superBlocks, a, h, sb, acc, accOff + TokenLaneProduct.groupStride(ROW_ACC));
        }
    }

    /**
     * As {@link #sums(float[], int, float[], int, int, int, float[], int, int, int, int[])} for two token groups
     * (activations from {@code qBase} and {@code qBase2}, the second group's ints {@link #GROUP_SUMS} further): each
     * weight broadcast serves both, eight chains of one half at a time, each half's ints parked in {@code sums}.
     */
    private static void sums(float[] wf, int w0, int cols, float[] q, int qBase, int qBase2, int sb, int l, int[] sums) {
        halfSums(wf, w0, cols, q, qBase, qBase2, sb, l, 0, sums);
        halfSums(wf, w0, cols, q, qBase, qBase2, sb, l, 4, sums);
    }

    /** Chunks {@code [c0, c0 + 4)} of lane l for four rows and two groups, stored as ints. */
    private static void halfSums(float[] wf, int w0, int cols, float[] q, int qBase, int qBase2, int sb, int l, int c0, int[] sums) {
        int w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols, o = 8 * l, o2 = GROUP_SUMS + o;
        FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int c = c0; c < c0 + 4; c++) {
            int e = 256 * sb + 32 * c + 4 * l, xi = qBase + e * LANES, yi = qBase2 + e * LANES;
            for (int i = 0; i < 4; i++) {
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
        }
        int h = c0 == 0 ? 0 : HALF; // each half's ints apart: added in finish
        toInt(a0).intoArray(sums, h + o);
        toInt(a1).intoArray(sums, h + o + ROW_ACC);
        toInt(a2).intoArray(sums, h + o + 2 * ROW_ACC);
        toInt(a3).intoArray(sums, h + o + 3 * ROW_ACC);
        toInt(b0).intoArray(sums, h + o2);
        toInt(b1).intoArray(sums, h + o2 + ROW_ACC);
        toInt(b2).intoArray(sums, h + o2 + 2 * ROW_ACC);
        toInt(b3).intoArray(sums, h + o2 + 3 * ROW_ACC);
    }

    /**
     * Lane l of super-block sb for four rows: its two four-chunk halves, each sixteen products of a scaled quant
     * ({@code sc · q}, from {@link TokenLanes#unpackRow}) and an activation summed exactly in float FMAs, added in
     * ints. The halves' chains are independent, so eight FMAs are in flight.
     */
    private static void sums(float[] wf, int w0, float[] scales, int so, int rowScales, int cols, float[] q, int qBase, int sb, int l, int[] sums) {
        int w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        FloatVector p0 = FloatVector.zero(F8), p1 = p0, p2 = p0, p3 = p0, h0 = p0, h1 = p0, h2 = p0, h3 = p0;
        for (int c = 0; c < 4; c++) { // chunk c into p (first half), chunk c + 4 into h (second half)
            int e = 256 * sb + 32 * c + 4 * l, f = e + 128, xi = qBase + e * LANES, xh = qBase + f * LANES;
            for (int i = 0; i < 4; i++) {
                FloatVector x = FloatVector.fromArray(F8, q, xi + i * LANES), y = FloatVector.fromArray(F8, q, xh + i * LANES);
                p0 = FloatVector.broadcast(F8, wf[w0 + e + i]).fma(x, p0);
                p1 = FloatVector.broadcast(F8, wf[w1 + e + i]).fma(x, p1);
                p2 = FloatVector.broadcast(F8, wf[w2 + e + i]).fma(x, p2);
                p3 = FloatVector.broadcast(F8, wf[w3 + e + i]).fma(x, p3);
                h0 = FloatVector.broadcast(F8, wf[w0 + f + i]).fma(y, h0);
                h1 = FloatVector.broadcast(F8, wf[w1 + f + i]).fma(y, h1);
                h2 = FloatVector.broadcast(F8, wf[w2 + f + i]).fma(y, h2);
                h3 = FloatVector.broadcast(F8, wf[w3 + f + i]).fma(y, h3);
            }
        }
        int o = 8 * l;
        toInt(p0).intoArray(sums, o);
        toInt(p1).intoArray(sums, o + ROW_ACC);
        toInt(p2).intoArray(sums, o + 2 * ROW_ACC);
        toInt(p3).intoArray(sums, o + 3 * ROW_ACC);
        toInt(h0).intoArray(sums, HALF + o);
        toInt(h1).intoArray(sums, HALF + o + ROW_ACC);
        toInt(h2).intoArray(sums, HALF + o + 2 * ROW_ACC);
        toInt(h3).intoArray(sums, HALF + o + 3 * ROW_ACC);
    }

    private static IntVector toInt(FloatVector v) {
        return v.convert(VectorOperators.F2I, 0).reinterpretAsInts();
    }

    /**
     * Each of the four rows' eight lanes less its offset {@code 32 (bsums_2l sc_2l + bsums_2l+1 sc_2l+1)}, into its
     * float: {@code acc_l = fma(d_w · d_a, lane, acc_l)}; token group g's ints from {@code sums[sumsOff]}.
     */
    private static void finish(int[] sums, int sumsOff, float[] scales, int so, int rowScales, int superBlocks, Activations a, int g, int sb,
                               float[] acc, int accOff) {
        FloatVector ad = FloatVector.fromArray(F8, a.d, (g * superBlocks + sb) * LANES);
        int bBase = (g * superBlocks + sb) * 16 * LANES;
        for (int r = 0; r < 4; r++) {
            int s = so + r * rowScales + 16 * sb;
            FloatVector d = ad.mul(scales[so + r * rowScales + 16 * superBlocks + sb]);
            for (int l = 0; l < 8; l++) {
                IntVector b0 = IntVector.fromArray(I8, a.bsums, bBase + 2 * l * LANES), b1 = IntVector.fromArray(I8, a.bsums, bBase + (2 * l + 1) * LANES);
                IntVector offset = b0.mul((int) scales[s + 2 * l]).add(b1.mul((int) scales[s + 2 * l + 1])).lanewise(VectorOperators.LSHL, 5);
                int i = r * ROW_ACC + 8 * l, o = accOff + i;
                IntVector lane = IntVector.fromArray(I8, sums, sumsOff + i).add(IntVector.fromArray(I8, sums, HALF + sumsOff + i)).sub(offset);
                ((FloatVector) lane.convert(VectorOperators.I2F, 0)).fma(d, FloatVector.fromArray(F8, acc, o)).intoArray(acc, o);
            }
        }
    }
}
