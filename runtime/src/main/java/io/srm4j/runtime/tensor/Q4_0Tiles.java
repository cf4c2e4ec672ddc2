package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 products of many tokens (prefill, batched decode) in 16-bit integer lanes, bit for bit {@link RepackedQ4#q4_0}
 * (llama.cpp's repacked order: per 32-block {@code acc = fma(Σ (q-8)·a, d_w·d_a, acc)}).
 *
 * <p>Why shorts: the float-lane tiles this replaced (as {@link Q8_0Kernels}'s) spend one FMA per product, and this machine kind has
 * two FMA pipes; a 16-bit multiply and add take 16 products per instruction and spread over more pipes (a probe of
 * pure register work here: 82 G products/s in shorts against 50 in float FMA on one core). A Q4_0 quant minus 8 times
 * an 8-bit activation is at most 8·127 in magnitude, so a lane holding 16 of them stays exact in a short, and adjacent
 * lanes' sum (the block's 32 products, at most 32,512) too.
 *
 * <p>Layout: tokens in the lanes as pairs, eight tokens a group: activations {@code [group][pair][token]} ints, a pair
 * being element e of blocks 2m and 2m + 1 ({@link #pairLayout}); each weight row unpacked once per call to one int per
 * pair, its two quants minus 8 as the int's low and high shorts, broadcast to every lane when multiplied. Per pair and
 * tile (four rows, two token groups): two activation loads, four broadcasts, eight multiplies and adds, 256 products.
 * After two blocks each int lane is split into its two shorts (each token's exact block sums), converted and scaled in
 * with one fma per block, row and token, as the scalar twin.
 */
final class Q4_0Tiles {
    private Q4_0Tiles() {}

    private static final VectorSpecies<Short> S16 = VectorKernels.S16;
    private static final VectorSpecies<Integer> I8 = VectorKernels.I8;
    private static final VectorSpecies<Float> F8 = VectorKernels.F8;
    /**
     * Elements per span of pairs: element e of block 2m and of block 2m + 1 share a pair, so a short lane sums one
     * block and its neighbour the next, and one split of each int lane per two blocks gives both blocks' sums.
     */
    private static final int SPAN = 64;
    /** Tokens per group: one int lane each. */
    static final int LANES = 8;
    /** Rows per register tile. */
    private static final int TILE_ROWS = 4;
    /** Rows unpacked at a time (as {@link TokenLaneProduct#CHUNK_ROWS}). */
    private static final int CHUNK_ROWS = 16;
    /** Blocks per pass over a chunk: a slice of the chunk's pairs and of two token groups' stays in L1/L2. */
    private static final int SLICE_BLOCKS = 16;
    /** Floats between one token group's accumulators and the next's (a chunk's plus a cache line, as TokenLaneProduct). */
    private static final int GROUP_STRIDE = CHUNK_ROWS * LANES + 16;

    static boolean supported() {
        return VectorKernels.INT_PATH;
    }

    /**
     * Q8_0 activations of {@code count} tokens in groups of eight ({@link #pairLayout}) with their scales
     * {@code [group][block][token]}; the group count is rounded up to even (tiles take two) and lanes past
     * {@code count} are zero and never stored.
     */
    static final class Activations {
        final int count, cols, blocks, groups;
        final int[] q;
        final float[] d;

        Activations(QuantizedActivations a) {
            if (a.format != GgmlType.Q8_0) throw new IllegalArgumentException("Q8_0 activations needed, got " + a.format);
            this.count = a.count;
            this.cols = a.length;
            this.blocks = cols / 32;
            int g = (count + LANES - 1) / LANES;
            this.groups = g + (g & 1);
            this.q = pairLayout(a, groups);
            this.d = new float[groups * blocks * LANES];
            for (int t = 0; t < count; t++) {
                int dBase = (t / LANES) * blocks * LANES + t % LANES;
                for (int b = 0; b < blocks; b++) d[dBase + b * LANES] = a.d[t * blocks + b];
            }
        }
    }

    /**
     * The quants of {@code a} (any 8-bit format) as {@code [group][pair][token]} ints, {@code groups} groups of eight
     * tokens (lanes past the count zero): pair 32m + j holds element 64m + j in its low short and 64m + 32 + j in its
     * high short, element j of blocks 2m and 2m + 1, as the rows unpack ({@link #unpackRow}, {@link Q4_KTiles}); a
     * last odd block pairs with zeros. Tokens are laid out in parallel on the pool.
     */
    static int[] pairLayout(QuantizedActivations a, int groups) {
        int cols = a.length, h = SPAN / 2, pairs = pairs(cols);
        int[] q = new int[Math.multiplyExact(groups * LANES, pairs)];
        byte[] qs = a.qs;
        WorkerPool.shared().parallelFor(0, a.count, Math.max(1, 16384 / cols), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int o = t * cols, end = o + cols, d = (t / LANES) * pairs * LANES + t % LANES;
                for (; o < end; o += SPAN) {
                    boolean full = o + SPAN <= end;
                    for (int j = 0; j < h; j++, d += LANES) q[d] = (qs[o + j] & 0xFFFF) | (full ? qs[o + j + h] << 16 : 0);
                }
            }
        });
        return q;
    }

    /** Pairs per row of {@code cols} elements (a last odd block counted as two). */
    static int pairs(int cols) {
        return (cols + SPAN - 1) / SPAN * (SPAN / 2);
    }

    /** Per-thread scratch: a chunk's pairs, their scales, the accumulators. */
    private static final ThreadLocal<Object[]> SCRATCH = ThreadLocal.withInitial(() -> new Object[] {new int[0], new float[0], new float[0]});

    /**
     * {@code out[t * outStride + r] = W[r] · a_t} for rows {@code [from, to)} of the Q4_0 matrix at {@code w}
     * ({@code rowBytes} apart) and every token of {@code a}.
     */
    static void matMulRows(MemorySegment w, long rowBytes, Activations a, int from, int to, float[] out, int outStride) {
        int cols = a.cols, blocks = a.blocks, half = pairs(cols);
        Object[] scratch = SCRATCH.get();
        if (((int[]) scratch[0]).length < CHUNK_ROWS * half) scratch[0] = new int[CHUNK_ROWS * half];
        if (((float[]) scratch[1]).length < CHUNK_ROWS * blocks) scratch[1] = new float[CHUNK_ROWS * blocks];
        int accFloats = a.groups * GROUP_STRIDE;
        if (((float[]) scratch[2]).length < accFloats) scratch[2] = new float[accFloats];
        int[] wp = (int[]) scratch[0];
        float[] wd = (float[]) scratch[1], acc = (float[]) scratch[2];
        for (int c0 = from; c0 < to; c0 += CHUNK_ROWS) {
            int chunkRows = Math.min(CHUNK_ROWS, to - c0), tiledRows = (chunkRows + TILE_ROWS - 1) / TILE_ROWS * TILE_ROWS;
            for (int k = 0; k < tiledRows; k++) {
                if (k < chunkRows) unpackRow(w, (c0 + k) * rowBytes, blocks, wp, k * half, wd, k * blocks);
                else {
                    Arrays.fill(wp, k * half, (k + 1) * half, 0);
                    Arrays.fill(wd, k * blocks, (k + 1) * blocks, 0f);
                }
            }
            Arrays.fill(acc, 0, accFloats, 0f);
            for (int s0 = 0; s0 < blocks; s0 += SLICE_BLOCKS) {
                int s1 = Math.min(blocks, s0 + SLICE_BLOCKS);
                for (int g = 0; g < a.groups; g += 2) {
                    for (int r = 0; r < tiledRows; r += TILE_ROWS) tile(wp, r * half, wd, r * blocks, a, g, s0, s1, acc, g * GROUP_STRIDE + r * LANES);
                }
            }
            for (int g = 0; g < a.groups; g++) {
                int tokens = Math.min(LANES, a.count - g * LANES);
                for (int k = 0; k < chunkRows; k++) {
                    int o = g * GROUP_STRIDE + k * LANES;
                    for (int l = 0; l < tokens; l++) out[(g * LANES + l) * outStride + c0 + k] = acc[o + l];
                }
            }
        }
    }

    /**
     * A Q4_0 row as one int per pair of quants minus 8 (as {@link #pairLayout} pairs): element e of block 2m
     * in the low short and element e of block 2m + 1 in the high one (a last odd block pairs with zeros, as its
     * activations do); and its block scales. Quant byte j of a block holds element j (low nibble) and j + 16 (high).
     */
    static void unpackRow(MemorySegment w, long p, int blocks, int[] wp, int o, float[] wd, int dO) {
        for (int b = 0; b < blocks; b += 2, p += 36, o += 32) {
            wd[dO + b] = Dequantize.f16(w, p);
            boolean two = b + 1 < blocks;
            if (two) wd[dO + b + 1] = Dequantize.f16(w, p + 18);
            for (int i = 0; i < 16; i += 8) {
                IntVector lo = ExactBlockKernels.bytesToInts(w, p + 2 + i);
                IntVector hi = two ? ExactBlockKernels.bytesToInts(w, p + 20 + i) : IntVector.zero(I8);
                lo.and(0xF).or(hi.lanewise(VectorOperators.LSHL, 16).and(0xF0000)).reinterpretAsShorts().sub((short) 8).reinterpretAsInts()
                        .intoArray(wp, o + i);
                lo.lanewise(VectorOperators.ASHR, 4).and(0xF).or(hi.lanewise(VectorOperators.LSHL, 12).and(0xF0000)).reinterpretAsShorts()
                        .sub((short) 8).reinterpretAsInts().intoArray(wp, o + 16 + i);
            }
        }
    }

    /**
     * Four rows (pairs from {@code wp[w0]}, {@link #pairs} apart; scales from {@code wd[d0]}, {@code blocks} apart)
     * times token groups g and g + 1 over blocks {@code [b0, b1)}; row k's token lanes at {@code acc[accOff + 8k]},
     * group g + 1's {@link #GROUP_STRIDE} further. Written without helper methods: C2 inlines callees only while the
     * compilation stays under its node budget, and a vector handed to a call it did not inline is boxed (several times
     * slower); the Vector API's own methods are always inlined.
     */
    private static void tile(int[] wp, int w0, float[] wd, int d0, Activations a, int g, int b0, int b1, float[] acc, int accOff) {
        int half = pairs(a.cols), blocks = a.blocks;
        int w1 = w0 + half, w2 = w1 + half, w3 = w2 + half;
        int[] q = a.q;
        int xBase = g * half * LANES, yBase = xBase + half * LANES, h = accOff + GROUP_STRIDE;
        for (int b = b0; b < b1; b += 2) {
            ShortVector c0 = ShortVector.zero(S16), c1 = c0, c2 = c0, c3 = c0, e0 = c0, e1 = c0, e2 = c0, e3 = c0;
            for (int i = 16 * b, end = i + 32; i < end; i++) {
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
            // a token's low short: block b's exact sum, its high short block b + 1's (each |sum| <= 32,512); per block
            // in order, as the twin: acc = fma(sumi, d_w * d_a, acc)
            FloatVector da = FloatVector.fromArray(F8, a.d, (g * blocks + b) * LANES), db = FloatVector.fromArray(F8, a.d, ((g + 1) * blocks + b) * LANES);
            IntVector i0 = c0.reinterpretAsInts(), i1 = c1.reinterpretAsInts(), i2 = c2.reinterpretAsInts(), i3 = c3.reinterpretAsInts();
            IntVector j0 = e0.reinterpretAsInts(), j1 = e1.reinterpretAsInts(), j2 = e2.reinterpretAsInts(), j3 = e3.reinterpretAsInts();
            ((FloatVector) i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(da.mul(wd[d0 + b]), FloatVector.fromArray(F8, acc, accOff)).intoArray(acc, accOff);
            ((FloatVector) i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(da.mul(wd[d0 + blocks + b]), FloatVector.fromArray(F8, acc, accOff + LANES)).intoArray(acc, accOff + LANES);
            ((FloatVector) i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(da.mul(wd[d0 + 2 * blocks + b]), FloatVector.fromArray(F8, acc, accOff + 2 * LANES)).intoArray(acc, accOff + 2 * LANES);
            ((FloatVector) i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(da.mul(wd[d0 + 3 * blocks + b]), FloatVector.fromArray(F8, acc, accOff + 3 * LANES)).intoArray(acc, accOff + 3 * LANES);
            ((FloatVector) j0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(db.mul(wd[d0 + b]), FloatVector.fromArray(F8, acc, h)).intoArray(acc, h);
            ((FloatVector) j1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(db.mul(wd[d0 + blocks + b]), FloatVector.fromArray(F8, acc, h + LANES)).intoArray(acc, h + LANES);
            ((FloatVector) j2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(db.mul(wd[d0 + 2 * blocks + b]), FloatVector.fromArray(F8, acc, h + 2 * LANES)).intoArray(acc, h + 2 * LANES);
            ((FloatVector) j3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(db.mul(wd[d0 + 3 * blocks + b]), FloatVector.fromArray(F8, acc, h + 3 * LANES)).intoArray(acc, h + 3 * LANES);
            if (b + 1 < blocks) {
                int n = b + 1;
                FloatVector dn = FloatVector.fromArray(F8, a.d, (g * blocks + n) * LANES), dm = FloatVector.fromArray(F8, a.d, ((g + 1) * blocks + n) * LANES);
                ((FloatVector) i0.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .fma(dn.mul(wd[d0 + n]), FloatVector.fromArray(F8, acc, accOff)).intoArray(acc, accOff);
                ((FloatVector) i1.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .fma(dn.mul(wd[d0 + blocks + n]), FloatVector.fromArray(F8, acc, accOff + LANES)).intoArray(acc, accOff + LANES);
                ((FloatVector) i2.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .fma(dn.mul(wd[d0 + 2 * blocks + n]), FloatVector.fromArray(F8, acc, accOff + 2 * LANES)).intoArray(acc, accOff + 2 * LANES);
                ((FloatVector) i3.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .fma(dn.mul(wd[d0 + 3 * blocks + n]), FloatVector.fromArray(F8, acc, accOff + 3 * LANES)).intoArray(acc, accOff + 3 * LANES);
                ((FloatVector) j0.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .fma(dm.mul(wd[d0 + n]), FloatVector.fromArray(F8, acc, h)).intoArray(acc, h);
                ((FloatVector) j1.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .fma(dm.mul(wd[d0 + blocks + n]), FloatVector.fromArray(F8, acc, h + LANES)).intoArray(acc, h + LANES);
                ((FloatVector) j2.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .fma(dm.mul(wd[d0 + 2 * blocks + n]), FloatVector.fromArray(F8, acc, h + 2 * LANES)).intoArray(acc, h + 2 * LANES);
                ((FloatVector) j3.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .fma(dm.mul(wd[d0 + 3 * blocks + n]), FloatVector.fromArray(F8, acc, h + 3 * LANES)).intoArray(acc, h + 3 * LANES);
            }
        }
    }
}
