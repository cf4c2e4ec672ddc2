package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K products of several tokens (prefill, batched decode) in 16-bit integer lanes, bit-identical to
 * {@link RepackedQ4#q4_KGemm} and {@link RepackedQ4#q4_KGemv} token by token, as {@link Q4_0Tiles} does for Q4_0.
 *
 * <p>Layout: sub-blocks 2p and 2p + 1 of a super-block share 32 quant bytes (the first in the low nibbles, the second
 * in the high ones), so a byte is one pair: element l of each sub-block, both minus 8, as an int's two shorts, one int
 * per byte once per call. The activations are paired the same way ({@link Q4_0Tiles#pairLayout}),
 * tokens in the lanes, eight a group. In a tile of four rows and two token groups each weight int is broadcast and
 * multiplied by the groups' activation pairs: after a pair of sub-blocks' 32 pairs, a token's low short holds the first
 * sub-block's {@code Σ (q-8)·a} and its high short the second's, each at most 32 · 8 · 127 = 32,512 in magnitude, exact.
 *
 * <p>Then per row and token: {@code + 8·Σa} gives ggml's {@code Σ q·a} (at most 60,960), times the sub-block's scale
 * at most 3,840,480, and the pair's {@code sc_0·s_0 + sc_1·s_1} at most 7,680,960 &lt; 2^24: exact in float. The gemm
 * order takes one fma per pair with it, as the twin; the gemv order adds a super-block's four pairs in int lanes (past
 * float's exact range) and converts once, as the twin's {@code (float) isum}. The mins' sums (at most 8 · 63 · 4,064)
 * are exact in floats either way. A group's tokens may take either order (a prompt's last {@code n % 4}: gemv); each
 * order a group needs is kept.
 */
final class Q4_KTiles {
    private Q4_KTiles() {}

    private static final VectorSpecies<Short> S16 = VectorKernels.S16;
    private static final VectorSpecies<Integer> I8 = VectorKernels.I8;
    private static final VectorSpecies<Float> F8 = VectorKernels.F8;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final int LANES = Q4_0Tiles.LANES;
    private static final int TILE_ROWS = 4;
    private static final int CHUNK_ROWS = 16;
    /** Super-blocks per pass over a chunk (1,024 columns, as TokenLaneProduct's slices). */
    private static final int SLICE_SUPER_BLOCKS = 4;
    /** Floats of scales per row and super-block: d, dmin, eight sub-block scales, eight mins. */
    private static final int SCALES = 18;
    /** Per row and token group: the gemm order's acc and accMin lanes, then the gemv order's. */
    private static final int ROW_ACC = 4 * LANES;
    private static final int GROUP_STRIDE = CHUNK_ROWS * ROW_ACC + 16;

    /** Whether {@link #matMulRows} takes products of {@code n} tokens: with fewer, most token lanes would idle. */
    static boolean worthIt(int n) {
        return RepackedQ4Kernels.supported() && n >= 4;
    }

    /** Q8_K activations of several tokens in groups of eight as pairs, with each token's order. */
    static final class Activations {
        final int length, count, superBlocks, groups;
        /** {@link Q4_0Tiles#pairLayout} (its spans of 64 are sub-blocks 2p and 2p + 1), the group count rounded up to even. */
        final int[] q;
        /** Super-block scales, {@code [group][superBlock][lane]}. */
        final float[] d;
        /** Σ quants of each 32-element sub-block, {@code [group][subBlock][lane]}, and eight times that as ints. */
        final float[] sums;
        final int[] eightSums;
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
            int g = (count + LANES - 1) / LANES, subBlocks = length / 32;
            groups = g + (g & 1);
            q = Q4_0Tiles.pairLayout(a, groups);
            d = new float[groups * LANES * superBlocks];
            sums = new float[groups * LANES * subBlocks];
            eightSums = new int[sums.length];
            this.gemm = Arrays.copyOf(gemm, count);
            anyGemm = new boolean[groups];
            anyGemv = new boolean[groups];
            for (int t = 0; t < count; t++) {
                int gr = t / LANES, lane = t % LANES, o = t * length;
                if (gemm[t]) anyGemm[gr] = true;
                else anyGemv[gr] = true;
                for (int sb = 0; sb < superBlocks; sb++) d[(gr * superBlocks + sb) * LANES + lane] = a.d[o / 256 + sb];
                for (int j = 0; j < subBlocks; j++) {
                    int s = a.bsums[o / 16 + 2 * j] + a.bsums[o / 16 + 2 * j + 1], i = (gr * subBlocks + j) * LANES + lane;
                    sums[i] = s;
                    eightSums[i] = 8 * s;
                }
            }
        }
    }

    /** Per-thread scratch: a chunk's pairs, its scales, the accumulators, the gemv sums, a pair's sums, a row's bytes. */
    private static final ThreadLocal<Object[]> SCRATCH = ThreadLocal.withInitial(
            () -> new Object[] {new int[0], new float[0], new float[0], new int[0], new float[2 * TILE_ROWS * LANES], new byte[0]});

    /**
     * {@code out[t * outStride + r] = W[r] · a_t} in token t's order for rows {@code [from, to)} of the Q4_K matrix at
     * {@code w} ({@code rowBytes} apart).
     */
    static void matMulRows(MemorySegment w, long rowBytes, Activations a, int from, int to, float[] out, int outStride) {
        int cols = a.length, superBlocks = a.superBlocks, half = cols / 2;
        Object[] scratch = SCRATCH.get();
        if (((int[]) scratch[0]).length < CHUNK_ROWS * half) scratch[0] = new int[CHUNK_ROWS * half];
        if (((float[]) scratch[1]).length < CHUNK_ROWS * SCALES * superBlocks) scratch[1] = new float[CHUNK_ROWS * SCALES * superBlocks];
        int accFloats = a.groups * GROUP_STRIDE;
        if (((float[]) scratch[2]).length < accFloats) scratch[2] = new float[accFloats];
        if (((int[]) scratch[3]).length < a.groups * CHUNK_ROWS * LANES) scratch[3] = new int[a.groups * CHUNK_ROWS * LANES];
        if (((byte[]) scratch[5]).length < rowBytes) scratch[5] = new byte[(int) rowBytes];
        int[] wp = (int[]) scratch[0], isum = (int[]) scratch[3];
        float[] scales = (float[]) scratch[1], acc = (float[]) scratch[2], pair = (float[]) scratch[4];
        byte[] row = (byte[]) scratch[5];
        int rowScales = SCALES * superBlocks;
        for (int c0 = from; c0 < to; c0 += CHUNK_ROWS) {
            int chunkRows = Math.min(CHUNK_ROWS, to - c0), tiledRows = (chunkRows + TILE_ROWS - 1) / TILE_ROWS * TILE_ROWS;
            for (int k = 0; k < tiledRows; k++) {
                if (k < chunkRows) unpackRow(w, (c0 + k) * rowBytes, superBlocks, row, wp, k * half, scales, k * rowScales);
                else {
                    Arrays.fill(wp, k * half, (k + 1) * half, 0);
                    Arrays.fill(scales, k * rowScales, (k + 1) * rowScales, 0f);
                }
            }
            Arrays.fill(acc, 0, accFloats, 0f);
            Arrays.fill(isum, 0, a.groups * CHUNK_ROWS * LANES, 0);
            for (int s0 = 0; s0 < superBlocks; s0 += SLICE_SUPER_BLOCKS) {
                int s1 = Math.min(superBlocks, s0 + SLICE_SUPER_BLOCKS);
                for (int g = 0; g < a.groups; g += 2) {
                    for (int r = 0; r < tiledRows; r += TILE_ROWS) {
                        for (int sb = s0; sb < s1; sb++) {
                            for (int p = 0; p < 4; p++) {
                                pairSums(wp, r * half, half, scales, r * rowScales + SCALES * sb + 2 + 2 * p, rowScales, a, g, 4 * sb + p, pair);
                                finishPair(pair, scales, r * rowScales, rowScales, superBlocks, a, g, sb, p, acc, g * GROUP_STRIDE + r * ROW_ACC,
                                        isum, (g * CHUNK_ROWS + r) * LANES);
                            }
                        }
                    }
                }
            }
            for (int g = 0; g < a.groups; g++) {
                int tokens = Math.min(LANES, a.count - g * LANES);
                for (int k = 0; k < chunkRows; k++) {
                    int o = g * GROUP_STRIDE + k * ROW_ACC;
                    for (int l = 0; l < tokens; l++) {
                        int t = g * LANES + l, i = o + (a.gemm[t] ? 0 : 2 * LANES) + l;
                        out[t * outStride + c0 + k] = acc[i] - acc[i + LANES];
                    }
                }
            }
        }
    }

    /**
     * A Q4_K row as one int per quant byte, its low nibble minus 8 in the low short and its high nibble minus 8 in the
     * high one (pair l of sub-blocks 2p and 2p + 1 at {@code 32 · (4 · sb + p) + l}), and per super-block d, dmin, the
     * eight scales and the eight mins as floats.
     */
    static void unpackRow(MemorySegment w, long p, int superBlocks, byte[] row, int[] wp, int o, float[] scales, int so) {
        // from a copy of the row: reading the mapped segment byte by byte pays its checks each time
        MemorySegment.copy(w, ValueLayout.JAVA_BYTE, p, row, 0, 144 * superBlocks);
        MemorySegment copy = MemorySegment.ofArray(row);
        for (int b = 0; b < superBlocks; b++) {
            int base = 144 * b, s = so + SCALES * b;
            scales[s] = Float.float16ToFloat((short) ((row[base] & 0xFF) | (row[base + 1] << 8)));
            scales[s + 1] = Float.float16ToFloat((short) ((row[base + 2] & 0xFF) | (row[base + 3] << 8)));
            for (int j = 0; j < 8; j++) {
                scales[s + 2 + j] = Dequantize.scaleMinK4(copy, base + 4, j, false);
                scales[s + 10 + j] = Dequantize.scaleMinK4(copy, base + 4, j, true);
            }
            for (int i = 0; i < 128; i += 8) {
                IntVector v = (IntVector) ByteVector.fromArray(B8, row, base + 16 + i).convertShape(VectorOperators.B2I, I8, 0);
                v.and(0xF).or(v.lanewise(VectorOperators.LSHL, 12).and(0xF0000)).reinterpretAsShorts().sub((short) 8).reinterpretAsInts()
                        .intoArray(wp, o + 128 * b + i);
            }
        }
    }

    /**
     * Pair {@code pi} of sub-blocks (global index: 4 · super-block + p) of four rows (pairs from {@code wp[w0]},
     * {@code half} apart; row k's two scales at {@code scales[sc + k · rowScales]}) times token groups g and g + 1:
     * each row's and token's exact {@code sc_0·Σ q·a + sc_1·Σ q·a} into {@code pair} ({@code [group][row][lane]}).
     * Written without helper methods: C2 inlines callees only while the compilation stays under its node budget, and a
     * vector handed to a call it did not inline is boxed (the Vector API's own methods are always inlined).
     */
    private static void pairSums(int[] wp, int w0, int half, float[] scales, int sc, int rowScales, Activations a, int g, int pi, float[] pair) {
        int w1 = w0 + half, w2 = w1 + half, w3 = w2 + half;
        int[] q = a.q;
        int xBase = g * half * LANES, yBase = xBase + half * LANES;
        // the same loop as Q4_0Tiles.tile's: eight vectors handed back from a shared method would be boxed
        ShortVector c0 = ShortVector.zero(S16), c1 = c0, c2 = c0, c3 = c0, e0 = c0, e1 = c0, e2 = c0, e3 = c0;
        for (int i = 32 * pi, end = i + 32; i < end; i++) {
            ShortVector x = IntVector.fromArray(I8, q, xBase + i * LANES).reinterpretAsShorts();
            ShortVector y = IntVector.fromArray(I8, q, yBase + i * LANES).reinterpretAsShorts();
            ShortVector v0 = IntVector.broadcast(I8, wp[w0 + i]).reinterpretAsShorts();
            ShortVector v1 = IntVector.broadcast(I8, wp[w1 + i]).reinterpretAsShorts();
            ShortVector v2 = IntVector.broadcast(I8, wp[w2 + i]).reinterpretAsShorts();
            ShortVector v3 = IntVector.broadcast(I8, wp[w3 + i]).reinterpretAsShorts();
            c0 = c0.add(v0.mul(x));
            e0 = e0.add(v0.mul(y));
            c1 = c1.add(v1.mul(x));
            e1 = e1.add(v1.mul(y));
            c2 = c2.add(v2.mul(x));
            e2 = e2.add(v2.mul(y));
            c3 = c3.add(v3.mul(x));
            e3 = e3.add(v3.mul(y));
        }
        // low short: the first sub-block's Σ (q-8)·a, high short: the second's; + 8·Σa, times the scale, summed (exact)
        int subBlocks = a.length / 32, j = 2 * pi;
        IntVector ex0 = IntVector.fromArray(I8, a.eightSums, (g * subBlocks + j) * LANES), ex1 = IntVector.fromArray(I8, a.eightSums, (g * subBlocks + j + 1) * LANES);
        IntVector ey0 = IntVector.fromArray(I8, a.eightSums, ((g + 1) * subBlocks + j) * LANES), ey1 = IntVector.fromArray(I8, a.eightSums, ((g + 1) * subBlocks + j + 1) * LANES);
        IntVector s;
        s = c0.reinterpretAsInts();
        ((FloatVector) s.lanewise(VectorOperators.ASHR, 16).add(ex1).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scales[sc + 1]),
                ((FloatVector) s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(ex0).convert(VectorOperators.I2F, 0)).mul(scales[sc]))
                .intoArray(pair, 0);
        s = c1.reinterpretAsInts();
        ((FloatVector) s.lanewise(VectorOperators.ASHR, 16).add(ex1).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scales[sc + rowScales + 1]),
                ((FloatVector) s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(ex0).convert(VectorOperators.I2F, 0)).mul(scales[sc + rowScales]))
                .intoArray(pair, LANES);
        s = c2.reinterpretAsInts();
        ((FloatVector) s.lanewise(VectorOperators.ASHR, 16).add(ex1).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scales[sc + 2 * rowScales + 1]),
                ((FloatVector) s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(ex0).convert(VectorOperators.I2F, 0)).mul(scales[sc + 2 * rowScales]))
                .intoArray(pair, 2 * LANES);
        s = c3.reinterpretAsInts();
        ((FloatVector) s.lanewise(VectorOperators.ASHR, 16).add(ex1).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scales[sc + 3 * rowScales + 1]),
                ((FloatVector) s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(ex0).convert(VectorOperators.I2F, 0)).mul(scales[sc + 3 * rowScales]))
                .intoArray(pair, 3 * LANES);
        s = e0.reinterpretAsInts();
        ((FloatVector) s.lanewise(VectorOperators.ASHR, 16).add(ey1).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scales[sc + 1]),
                ((FloatVector) s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(ey0).convert(VectorOperators.I2F, 0)).mul(scales[sc]))
                .intoArray(pair, 4 * LANES);
        s = e1.reinterpretAsInts();
        ((FloatVector) s.lanewise(VectorOperators.ASHR, 16).add(ey1).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scales[sc + rowScales + 1]),
                ((FloatVector) s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(ey0).convert(VectorOperators.I2F, 0)).mul(scales[sc + rowScales]))
                .intoArray(pair, 5 * LANES);
        s = e2.reinterpretAsInts();
        ((FloatVector) s.lanewise(VectorOperators.ASHR, 16).add(ey1).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scales[sc + 2 * rowScales + 1]),
                ((FloatVector) s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(ey0).convert(VectorOperators.I2F, 0)).mul(scales[sc + 2 * rowScales]))
                .intoArray(pair, 6 * LANES);
        s = e3.reinterpretAsInts();
        ((FloatVector) s.lanewise(VectorOperators.ASHR, 16).add(ey1).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scales[sc + 3 * rowScales + 1]),
                ((FloatVector) s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(ey0).convert(VectorOperators.I2F, 0)).mul(scales[sc + 3 * rowScales]))
                .intoArray(pair, 7 * LANES);
    }

    /**
     * Pair p of super-block sb done ({@code pair}: its exact {@code sc_0·s_0 + sc_1·s_1} per row and token, groups g and
     * g + 1): the gemm order's fma into acc and accMin now; the gemv order's sum in ints, scaled in after the
     * super-block's last pair. Row k's scales from {@code scales[s0 + k * rowScales]}, its accumulators at
     * {@code acc[accOff + k * ROW_ACC]} and {@code isum[iOff + k * LANES]}, group g + 1's a group further.
     */
    private static void finishPair(float[] pair, float[] scales, int s0, int rowScales, int superBlocks, Activations a, int g, int sb, int p,
                                   float[] acc, int accOff, int[] isum, int iOff) {
        int subBlocks = a.length / 32;
        for (int gg = 0; gg < 2; gg++) {
            int grp = g + gg;
            boolean gemm = a.anyGemm[grp], gemv = a.anyGemv[grp];
            if (!gemm && !gemv) continue;
            FloatVector ad = FloatVector.fromArray(F8, a.d, (grp * superBlocks + sb) * LANES);
            int sumBase = grp * subBlocks * LANES, j = 8 * sb + 2 * p;
            FloatVector m0s = FloatVector.fromArray(F8, a.sums, sumBase + j * LANES), m1s = FloatVector.fromArray(F8, a.sums, sumBase + (j + 1) * LANES);
            for (int k = 0; k < TILE_ROWS; k++) {
                int s = s0 + k * rowScales + SCALES * sb, o = accOff + gg * GROUP_STRIDE + k * ROW_ACC, io = iOff + (gg * CHUNK_ROWS + k) * LANES;
                FloatVector f = FloatVector.fromArray(F8, pair, (4 * gg + k) * LANES);
                if (gemm) {
                    FloatVector summs = m1s.mul(scales[s + 10 + 2 * p + 1]).add(m0s.mul(scales[s + 10 + 2 * p])); // exact integers
                    f.fma(ad.mul(scales[s]), FloatVector.fromArray(F8, acc, o)).intoArray(acc, o);
                    summs.fma(ad.mul(scales[s + 1]), FloatVector.fromArray(F8, acc, o + LANES)).intoArray(acc, o + LANES);
                }
                if (gemv) {
                    IntVector sum = ((IntVector) f.convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(I8, isum, io));
                    if (p < 3) {
                        sum.intoArray(isum, io);
                    } else {
                        FloatVector summs = FloatVector.zero(F8);
                        for (int jj = 8 * sb; jj < 8 * sb + 8; jj++) {
                            summs = FloatVector.fromArray(F8, a.sums, sumBase + jj * LANES).fma(FloatVector.broadcast(F8, scales[s + 10 + jj - 8 * sb]), summs); // exact
                        }
                        ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(ad.mul(scales[s]), FloatVector.fromArray(F8, acc, o + 2 * LANES)).intoArray(acc, o + 2 * LANES);
                        summs.fma(ad.mul(scales[s + 1]), FloatVector.fromArray(F8, acc, o + 3 * LANES)).intoArray(acc, o + 3 * LANES);
                        IntVector.zero(I8).intoArray(isum, io);
                    }
                }
            }
        }
    }
}
