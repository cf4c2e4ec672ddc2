package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K products of several tokens (prefill, batched decode) in float lanes, bit-identical to
 * {@link RepackedQ4#q4_KGemm} and {@link RepackedQ4#q4_KGemv} token by token: tokens sit in the eight lanes
 * ({@link Activations}), weight rows are converted to floats once per call, 16 rows at a time, and broadcast
 * against the token lanes in 4-row tiles, as {@link Q8_0Kernels#matMulRows} does for Q8_0.
 *
 * <p>Exactness: a sub-block's sum {@code Σ_32 q·a} is at most 32 · 15 · 127 = 60,960 and a pair of sub-blocks'
 * {@code sc_0 · s_0 + sc_1 · s_1} at most 2 · 63 · 60,960 &lt; 2^24, so float FMAs give the exact integers ggml's
 * kernels sum. The gemm order takes one fma per pair with them, as the twin; the gemv order adds a super-block's four
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
        public int accumulatorsPerRow() {
            return 2 * ROW_ACC;
        }

        /** A Q4_K row's quants as floats in element order, and its scales (see the class above). */
        @Override
        public void unpackRow(MemorySegment w, long p, int superBlocks, float[] wf, int o, float[] scales, int so) {
            int sc = so + 2 * superBlocks, mn = sc + 8 * superBlocks;
            for (int b = 0; b < superBlocks; b++, p += 144) {
                scales[so + b] = Dequantize.f16(w, p);
                scales[so + superBlocks + b] = Dequantize.f16(w, p + 2);
                for (int j = 0; j < 8; j++) {
                    scales[sc + 8 * b + j] = Dequantize.scaleMinK4(w, p + 4, j, false);
                    scales[mn + 8 * b + j] = Dequantize.scaleMinK4(w, p + 4, j, true);
                }
                for (int half = 0; half < 4; half++) { // 32 bytes: sub-block 2 * half in the low nibbles, 2 * half + 1 in the high
                    long qp = p + 16 + 32L * half;
                    int e = o + 256 * b + 64 * half;
                    for (int i = 0; i < 32; i += 8) {
                        IntVector v = (IntVector) ByteVector.fromMemorySegment(B8, w, qp + i, VectorKernels.LE).convertShape(VectorOperators.B2I, I8, 0);
                        ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).intoArray(wf, e + i);
                        ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).intoArray(wf, e + 32 + i);
                    }
                }
            }
        }

        /** The tile in each order some token of group g takes. */
        @Override
        public void tile(float[] wf, int wo, float[] scales, int so, int cols, int superBlocks, Activations a, int g, int sb0, int sb1,
                         float[] acc, int accOff) {
            if (a.anyGemm[g]) Q4_KTiles.tile(wf, wo, scales, so, cols, a, g, sb0, sb1, true, acc, accOff);
            if (a.anyGemv[g]) Q4_KTiles.tile(wf, wo, scales, so, cols, a, g, sb0, sb1, false, acc, accOff + ROW_ACC);
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

    /**
     * Four rows (floats from {@code wf[w0]}, scales from {@code scales[so]}, rows {@code cols} and 18 scales per
     * super-block apart) times token group g over super-blocks {@code [sb0, sb1)} in one order; row r keeps its lanes
     * at {@code acc[accOff + r * 2 * ROW_ACC]} (acc) and {@code + LANES} (accMin).
     */
    private static void tile(float[] wf, int w0, float[] scales, int so, int cols, Activations a,
                             int g, int sb0, int sb1, boolean gemm, float[] acc, int accOff) {
        float[] q = a.q;
        int subBlocks = cols / 32, superBlocks = a.superBlocks, rowScales = 18 * superBlocks, rowAcc = 2 * ROW_ACC;
        int qBase = g * cols * LANES, dBase = g * superBlocks * LANES, sBase = g * subBlocks * LANES;
        int w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        // row r: d at d_r + sb, dmin at d_r + superBlocks + sb; sub-block j's scale at j_r + j, its min at n_r + j
        int d0 = so, d1 = d0 + rowScales, d2 = d1 + rowScales, d3 = d2 + rowScales;
        int j0 = so + 2 * superBlocks, j1 = j0 + rowScales, j2 = j1 + rowScales, j3 = j2 + rowScales;
        int n0 = j0 + subBlocks, n1 = j1 + subBlocks, n2 = j2 + subBlocks, n3 = j3 + subBlocks, dm = superBlocks;
        for (int sb = sb0; sb < sb1; sb++) {
            IntVector i0 = IntVector.zero(I8), i1 = i0, i2 = i0, i3 = i0;
            FloatVector p0 = FloatVector.zero(F8), p1 = p0, p2 = p0, p3 = p0;
            for (int j = 8 * sb; j < 8 * sb + 8; j++) {
                FloatVector c0 = FloatVector.zero(F8), c1 = c0, c2 = c0, c3 = c0;
                for (int e = 32 * j, xi = qBase + e * LANES; e < 32 * j + 32; e++, xi += LANES) {
                    FloatVector x = FloatVector.fromArray(F8, q, xi);
                    c0 = FloatVector.broadcast(F8, wf[w0 + e]).fma(x, c0);
                    c1 = FloatVector.broadcast(F8, wf[w1 + e]).fma(x, c1);
                    c2 = FloatVector.broadcast(F8, wf[w2 + e]).fma(x, c2);
                    c3 = FloatVector.broadcast(F8, wf[w3 + e]).fma(x, c3);
                }
                if (j % 2 == 0) { // sc_0 · s_0 of the pair
                    p0 = c0.mul(scales[j0 + j]);
                    p1 = c1.mul(scales[j1 + j]);
                    p2 = c2.mul(scales[j2 + j]);
                    p3 = c3.mul(scales[j3 + j]);
                    continue;
                }
                p0 = c0.fma(FloatVector.broadcast(F8, scales[j0 + j]), p0);
                p1 = c1.fma(FloatVector.broadcast(F8, scales[j1 + j]), p1);
                p2 = c2.fma(FloatVector.broadcast(F8, scales[j2 + j]), p2);
                p3 = c3.fma(FloatVector.broadcast(F8, scales[j3 + j]), p3);
                if (gemm) {
                    FloatVector ad = FloatVector.fromArray(F8, a.d, dBase + sb * LANES);
                    FloatVector s0 = FloatVector.fromArray(F8, a.sums, sBase + (j - 1) * LANES), s1 = FloatVector.fromArray(F8, a.sums, sBase + j * LANES);
                    pair(p0, s0, s1, scales[n0 + j - 1], scales[n0 + j], ad, scales[d0 + sb], scales[d0 + dm + sb], acc, accOff);
                    pair(p1, s0, s1, scales[n1 + j - 1], scales[n1 + j], ad, scales[d1 + sb], scales[d1 + dm + sb], acc, accOff + rowAcc);
                    pair(p2, s0, s1, scales[n2 + j - 1], scales[n2 + j], ad, scales[d2 + sb], scales[d2 + dm + sb], acc, accOff + 2 * rowAcc);
                    pair(p3, s0, s1, scales[n3 + j - 1], scales[n3 + j], ad, scales[d3 + sb], scales[d3 + dm + sb], acc, accOff + 3 * rowAcc);
                } else {
                    i0 = i0.add(p0.convert(VectorOperators.F2I, 0));
                    i1 = i1.add(p1.convert(VectorOperators.F2I, 0));
                    i2 = i2.add(p2.convert(VectorOperators.F2I, 0));
                    i3 = i3.add(p3.convert(VectorOperators.F2I, 0));
                }
            }
            if (!gemm) {
                superBlock(i0, a, sBase, dBase, sb, scales, n0, scales[d0 + sb], scales[d0 + dm + sb], acc, accOff);
                superBlock(i1, a, sBase, dBase, sb, scales, n1, scales[d1 + sb], scales[d1 + dm + sb], acc, accOff + rowAcc);
                superBlock(i2, a, sBase, dBase, sb, scales, n2, scales[d2 + sb], scales[d2 + dm + sb], acc, accOff + 2 * rowAcc);
                superBlock(i3, a, sBase, dBase, sb, scales, n3, scales[d3 + sb], scales[d3 + dm + sb], acc, accOff + 3 * rowAcc);
            }
        }
    }

    /** The gemm order's step after a pair of sub-blocks: {@code acc = fma(isum, d, acc)}, {@code accMin = fma(summs, dmin, accMin)}. */
    private static void pair(FloatVector isum, FloatVector s0, FloatVector s1, float m0, float m1, FloatVector ad, float dw, float dminw,
                             float[] acc, int o) {
        FloatVector summs = s1.mul(m1).add(s0.mul(m0)); // exact integers
        isum.fma(ad.mul(dw), FloatVector.fromArray(F8, acc, o)).intoArray(acc, o);
        summs.fma(ad.mul(dminw), FloatVector.fromArray(F8, acc, o + LANES)).intoArray(acc, o + LANES);
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
