package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A Q8_0, Q5_0, Q4_1 or Q5_1 matrix with its rows interleaved eight at a time and its quants decoded to signed bytes,
 * for single-token products (decode) bit for bit equal to {@link ScalarKernels#blocks32InGgmlOrder}, ggml's AVX2
 * order: per 32-block, eight lanes each the exact integer sum of four consecutive elements, each added to its own float
 * as {@code fma(d_w * d_a, lane, acc)}, the lanes summed as {@link ScalarKernels#hsum8}, plus {@code Σ fma(m_w, s_a)}
 * for the affine types.
 *
 * <p>Why: on the mapped weights ({@link Q8_0Kernels#matVecRows}, {@link Blocks32Kernels#matVecRows}) every eight
 * products cost two shifts to get their bytes out of the int lanes, a conversion and an fma (Q8_0: ~23 vector
 * operations per 32 products with the block's scale), and the 5-bit types as much again to assemble their quants, so
 * decode ran on the cores, not on memory (one thread: 8.6 GB/s of Q8_0 weights against ~15 GB/s a core reads). Here,
 * as in {@link Q4_0x8}, 16 bytes hold two elements of eight rows: widened to shorts and multiplied by the activation
 * pair broadcast to every int lane, two such products added (|q·a| <= 128·127, so two fit a short) and adjacent
 * shorts added, int lane r is row r's exact sum over one ggml lane: ~11 operations per 32 products, and the rows sit
 * in the vector lanes, so no horizontal sum is left at the end either.
 *
 * <p>Layout: quants {@code [group][block][ggml lane][step][row][2]} (step s of lane l: elements 4l + 2s and
 * 4l + 2s + 1), scales (and mins) as floats {@code [group][block][row]}. The copy takes about a byte per weight (Q8_0:
 * as the file; the 4/5-bit types: 1.45-1.8x the file). Built once per matrix in the background on first use
 * ({@link #ready}) and kept while the Matrix is reachable; until then, and when the heap has no room, products use the
 * mapped weights, which give the same bits.
 */
final class Blocks32x8 {
    private static final int ROWS = RepackedQ4.INTERLEAVE; // InterleavedCopies packs groups of this many rows
    /** Quant bytes of one group's block: 8 rows of 32. */
    private static final int BLOCK_BYTES = 32 * ROWS;
    /**
     * Products of fewer tokens (batched decode, speculative checks) take this copy token by token once it is built,
     * not the prefill tiles: a tile pass costs about the same for 1 to 8 tokens, and one token group's tile runs at about
     * half the two-group speed. Blocks32x8Probe -Dtokens, one thread, 4864x896: copy/tiles speed Q8_0 5.9x at 2 tokens,
     * 1.5x at 8, 0.99x at 16; Q5_0 9.6x, 1.7x, 1.07x.
     */
    static final int COPY_TOKENS = 16;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    /** One set of copies per type: each knows how its blocks unpack. */
    private static final java.util.EnumMap<GgmlType, InterleavedCopies<Blocks32x8>> BY_TYPE = new java.util.EnumMap<>(GgmlType.class);

    static {
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q5_0, GgmlType.Q4_1, GgmlType.Q5_1}) {
            BY_TYPE.put(t, new InterleavedCopies<>(new InterleavedCopies.Layout<>() {
                @Override
                public Blocks32x8 allocate(int rows, int cols) {
                    return new Blocks32x8(t, rows, cols);
                }

                @Override
                public void packGroups(Blocks32x8 copy, MemorySegment data, long rowBytes, int fromGroup, int toGroup) {
                    byte[] tmp = new byte[(int) (ROWS * rowBytes)];
                    for (int g = fromGroup; g < toGroup; g++) copy.pack(data, rowBytes, g, tmp);
                }

                @Override
                public long heapBytes(int rows, int cols, long mappedBytes) {
                    // a byte per quant, and a float scale (and min) per row and block
                    return (long) rows * cols + (long) rows * (cols / 32) * (affine(t) ? 8 : 4);
                }
            }));
        }
    }

    final GgmlType type;
    final int rows, cols, blocks;
    /** {@code [group][block][ggml lane][step][row][2]} quants, offset applied. */
    final byte[] qs;
    /** {@code [group][block][row]} scales d. */
    final float[] d;
    /** {@code [group][block][row]} mins m (Q4_1, Q5_1); null otherwise. */
    final float[] m;

    private Blocks32x8(GgmlType type, int rows, int cols) {
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / 32;
        this.qs = new byte[Math.multiplyExact(rows, cols)];
        this.d = new float[rows * blocks];
        this.m = affine(type) ? new float[rows * blocks] : null;
    }

    private static boolean affine(GgmlType type) {
        return type == GgmlType.Q4_1 || type == GgmlType.Q5_1;
    }

    /** Whether single-token products of a {@code type} matrix of {@code rows} rows can take the interleaved copy. */
    static boolean applies(GgmlType type, int rows) {
        return BY_TYPE.containsKey(type) && rows % ROWS == 0 && VectorKernels.INT_PATH;
    }

    private static InterleavedCopies<Blocks32x8> copies(Matrix w) {
        if (!applies(w.type(), w.rows())) throw new IllegalArgumentException(w.name() + ": not a Q8_0/Q5_0/Q4_1/Q5_1 matrix of 8k rows");
        return BY_TYPE.get(w.type());
    }

    /**
     * The interleaved copy of {@code w} if it is built; else null, and it is being built on a background thread while
     * the caller multiplies the mapped weights (the same bits): the first product does not wait for the copy.
     */
    static Blocks32x8 ready(Matrix w) {
        return copies(w).ready(w);
    }

    /** The interleaved copy of {@code w}, built now over the pool if need be (tests and probes). */
    static Blocks32x8 of(WorkerPool pool, Matrix w) {
        return copies(w).of(pool, w);
    }

    /** Interleaves group g's rows: one bulk copy, then the twin's own block decoding (this runs before the JIT has warmed up). */
    private void pack(MemorySegment w, long rowBytes, int g, byte[] rowsTmp) {
        int rb = (int) rowBytes, bb = type.typeSize;
        MemorySegment.copy(w, java.lang.foreign.ValueLayout.JAVA_BYTE, (long) g * ROWS * rowBytes, rowsTmp, 0, ROWS * rb);
        MemorySegment tmp = MemorySegment.ofArray(rowsTmp);
        int[] v = new int[32];
        for (int b = 0; b < blocks; b++) {
            int gb = g * blocks + b, o = gb * BLOCK_BYTES;
            for (int r = 0; r < ROWS; r++) {
                long p = (long) r * rb + (long) bb * b;
                d[gb * ROWS + r] = Dequantize.f16(tmp, p);
                if (m != null) m[gb * ROWS + r] = Dequantize.f16(tmp, p + 2);
                ScalarKernels.blockQuants(type, tmp, p, v);
                for (int e = 0; e < 32; e++) qs[o + (e / 2) * 2 * ROWS + 2 * r + e % 2] = (byte) v[e];
            }
        }
    }

    /** Per-thread lanes of {@link #group}: eight floats (one per row) per ggml lane. */
    private static final ThreadLocal<float[]> LANE_SUMS = ThreadLocal.withInitial(() -> new float[8 * ROWS]);

    /**
     * {@code out[outOffset + r] = W[r] · a} for the rows of groups {@code [g0, g1)}: {@code pairs} the activation quants
     * as repeated pairs ({@link QuantizedActivations#repeatedPairs}), {@code ad} their block scales, {@code as} their block sums (Q8_1,
     * the affine types; else unused).
     */
    void matVecGroups(short[] pairs, float[] ad, float[] as, int g0, int g1, float[] out, int outOffset) {
        if (pairs.length < 8 * cols || ad.length < blocks) throw new IllegalArgumentException(pairs.length / 8 + " activations for " + cols + " columns");
        if (m != null && (as == null || as.length < blocks)) throw new IllegalArgumentException(type + " needs Q8_1 activations (block sums)");
        float[] lanes = LANE_SUMS.get();
        // one call per group: the JIT compiles a method called often sooner than a long loop
        for (int g = g0; g < g1; g++) group(pairs, ad, as, g, lanes, out, outOffset);
    }

    /**
     * Group g: block by block, each ggml lane of the eight rows added to its floats in {@code lanes} (kept in L1, not
     * in registers: eight lanes unrolled in registers made one compilation too large for C2, which then boxed the
     * vectors), then hsum8's tree over the eight lanes for all eight rows at once, plus the mins.
     */
    private void group(short[] pairs, float[] ad, float[] as, int g, float[] lanes, float[] out, int outOffset) {
        java.util.Arrays.fill(lanes, 0f);
        for (int b = 0, gb = g * blocks, o = gb * BLOCK_BYTES, pi = 0; b < blocks; b++, gb++, o += BLOCK_BYTES, pi += 16) {
            // d_w * d_a for the eight rows, as the twin's scale
            FloatVector scale = FloatVector.fromArray(F8, d, gb * ROWS).mul(ad[b]);
            for (int l = 0; l < 8; l++) {
                int q = o + 32 * l, p = pi + 2 * l, at = l * ROWS;
                ShortVector s = widen(qs, q).mul(ShortVector.fromArray(VectorKernels.S16, pairs, 16 * p))
                        .add(widen(qs, q + 16).mul(ShortVector.fromArray(VectorKernels.S16, pairs, 16 * p + 16)));
                FloatVector sum = (FloatVector) VectorKernels.pairSums(s).convert(VectorOperators.I2F, 0);
                scale.fma(sum, FloatVector.fromArray(F8, lanes, at)).intoArray(lanes, at);
            }
        }
        FloatVector summs = m == null ? FloatVector.zero(F8) : mins(as, g);
        FloatVector r0 = FloatVector.fromArray(F8, lanes, 4 * ROWS).add(FloatVector.fromArray(F8, lanes, 0));
        FloatVector r1 = FloatVector.fromArray(F8, lanes, 5 * ROWS).add(FloatVector.fromArray(F8, lanes, ROWS));
        FloatVector r2 = FloatVector.fromArray(F8, lanes, 6 * ROWS).add(FloatVector.fromArray(F8, lanes, 2 * ROWS));
        FloatVector r3 = FloatVector.fromArray(F8, lanes, 7 * ROWS).add(FloatVector.fromArray(F8, lanes, 3 * ROWS));
        // the twin's hsum8(acc) + summs (a zero sum of mins for Q8_0 and Q5_0)
        r0.add(r2).add(r1.add(r3)).add(summs).intoArray(out, outOffset + g * ROWS);
    }

    /** 16 quant bytes (two elements of eight rows) as shorts. */
    private static ShortVector widen(byte[] qs, int o) {
        return (ShortVector) ByteVector.fromArray(VectorKernels.B16, qs, o).convertShape(VectorOperators.B2S, VectorKernels.S16, 0);
    }

    /** {@code Σ_b fma(m_w, s_a)} for group g's eight rows, in block order as the twin. */
    private FloatVector mins(float[] as, int g) {
        FloatVector summs = FloatVector.zero(F8);
        for (int b = 0, gb = g * blocks; b < blocks; b++, gb++) summs = FloatVector.fromArray(F8, m, gb * ROWS).fma(FloatVector.broadcast(F8, as[b]), summs);
        return summs;
    }
}
