package io.srm4j.runtime.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A Q4_0 matrix with its rows interleaved eight at a time, as llama.cpp's CPU_REPACK buffer holds it, for fast
 * single-token products bit for bit equal to {@link RepackedQ4#q4_0}: eight rows share the vector lanes, so a block
 * costs no reduction across lanes, only one fused multiply-add per row as in ggml_gemv_q4_0_8x8_q8_0.
 *
 * <p>Layout, per group of 8 rows and 32-block: 4 loads of 16 shorts, short 2r+h of load L holding four quants of row
 * r, at bits 4i, those of elements 2q+h of pair q = 4L+i (the low nibbles of quant bytes 2q+h for q < 8, the high
 * nibbles of bytes 2q-16+h after). Shifted and masked, a load gives four vectors whose lanes 2r and 2r+1 are row r's two
 * elements of a pair; each is multiplied by that activation pair, repeated in every int lane, and summed in short lanes
 * (16 products of at most 15·127 stay below 2^15), then adjacent lanes are added, so int lane r holds row r's exact Σ
 * q·a with the nibbles unshifted; -8·Σa makes it Σ (q-8)·a. The scales are kept as floats, 8 per group and block.
 * One 32-byte load serves 64 products (the quant bytes widened to shorts served 32 per 16-byte load, with as many masks
 * and shifts), and the activation pairs come repeated from an array rather than broadcast from an int each time:
 * 1.12-1.19x on one thread (Q4_0x8Probe, 4864x896 and 896x4864), the same bits.
 *
 * <p>Built once per matrix in the background on first use ({@link #ready}) and kept while the Matrix is reachable;
 * until then single tokens use the mapped weights ({@link ExactBlockKernels}), and prompts (which read each weight once
 * for many tokens anyway) {@link Q4_0Tiles}, which give the same bits.
 */
final class Q4_0x8 {
    private static final int ROWS = RepackedQ4.INTERLEAVE;
    /**
     * Products of fewer tokens take this copy token by token once it is built, not the tiles: group by group, each
     * group's weights read once for all the tokens, ~0.19 ms a token on a 4864x896 matrix (one thread), against ~1.97
     * ms for a {@link Q4_0Tiles} pass of 9-16 tokens (two token groups whatever the count; Q4_0TilesProbe -Dn=8|12:
     * copy 1.52 / 2.29 ms, tiles 1.64 / 1.97), so the copy wins up to 10 tokens.
     */
    static final int COPY_TOKENS = 11;
    /** Shorts per group and block: 8 rows x 32 quants of 4 bits. */
    private static final int BLOCK_SHORTS = 64;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private static final InterleavedCopies<Q4_0x8> COPIES = new InterleavedCopies<>(new InterleavedCopies.Layout<>() {
        @Override
        public Q4_0x8 allocate(int rows, int cols) {
            return new Q4_0x8(rows, cols);
        }

        @Override
        public void packGroups(Q4_0x8 copy, MemorySegment data, long rowBytes, int fromGroup, int toGroup) {
            byte[] tmp = new byte[(int) (ROWS * rowBytes)];
            short[] group = new short[copy.blocks * BLOCK_SHORTS];
            float[] scales = new float[copy.blocks * ROWS];
            for (int g = fromGroup; g < toGroup; g++) copy.pack(data, rowBytes, g, tmp, group, scales);
        }
    });

    final int rows, cols, blocks;
    /**
     * {@code [group][block][load L][row][h]} shorts of four quants each (see the layout above), off the Java heap: the
     * copy lives as long as the model, and on the heap the collector copied it between generations (pauses of 50-125 ms
     * within the first decoded tokens, with ParallelGC).
     */
    final MemorySegment qs;
    /** {@code [group][block][row]} scales as floats, off the heap like {@link #qs}. */
    final MemorySegment d;

    private Q4_0x8(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / 32;
        this.qs = Arena.ofAuto().allocate(2L * Math.multiplyExact(rows / ROWS * blocks, BLOCK_SHORTS), 64);
        this.d = Arena.ofAuto().allocate(4L * rows * blocks, 64);
    }

    static boolean supported() {
        return VectorKernels.INT_PATH;
    }

    private static void check(Matrix w) {
        if (w.type() != GgmlType.Q4_0 || w.rows() % ROWS != 0) throw new IllegalArgumentException(w.name() + ": not a Q4_0 matrix of 8k rows");
    }

    /**
     * The interleaved copy of {@code w} if it is built; else null, and it is being built on a background thread (see
     * {@link InterleavedCopies#ready}); the caller then multiplies the mapped weights ({@link ExactBlockKernels#matVecRows},
     * the same bits).
     */
    static Q4_0x8 ready(Matrix w) {
        check(w);
        return COPIES.ready(w);
    }

    /** The interleaved copy of {@code w} (Q4_0, rows a multiple of 8), built now over the pool if need be. */
    static Q4_0x8 of(WorkerPool pool, Matrix w) {
        check(w);
        return COPIES.of(pool, w);
    }

    /** Interleaves group g's rows: one bulk copy, then plain array work (this runs before the JIT has warmed up). */
    private void pack(MemorySegment w, long rowBytes, int g, byte[] rowsTmp, short[] group, float[] scales) {
        int rb = (int) rowBytes;
        MemorySegment.copy(w, ValueLayout.JAVA_BYTE, (long) g * ROWS * rowBytes, rowsTmp, 0, ROWS * rb);
        java.util.Arrays.fill(group, (short) 0);
        int o = 0, so = 0;
        for (int b = 0; b < blocks; b++, o += BLOCK_SHORTS, so += ROWS) {
            for (int r = 0; r < ROWS; r++) {
                int p = r * rb + 18 * b;
                scales[so + r] = Float.float16ToFloat((short) ((rowsTmp[p] & 0xFF) | (rowsTmp[p + 1] << 8)));
                for (int q = 0; q < 16; q++) {
                    for (int h = 0; h < 2; h++) {
                        int quants = rowsTmp[p + 2 + 2 * (q & 7) + h] & 0xFF;
                        int nibble = q < 8 ? quants & 0xF : quants >> 4;
                        group[o + 16 * (q >> 2) + 2 * r + h] |= (short) (nibble << (4 * (q & 3)));
                    }
                }
            }
        }
        MemorySegment.copy(group, 0, qs, ValueLayout.JAVA_SHORT, 2L * g * blocks * BLOCK_SHORTS, group.length);
        MemorySegment.copy(scales, 0, d, ValueLayout.JAVA_FLOAT, 4L * g * blocks * ROWS, scales.length);
    }

    /**
     * Activations for {@link #matVecGroups}: the pairs as {@link QuantizedActivations#repeatedPairs} lays them out
     * (pair q of block b is elements 32b+2q and 32b+2q+1, the order of the layout above), 8·Σa per block, the scales.
     */
    record Pairs(short[] pairs, int[] eightSums, float[] d) {
        static Pairs of(QuantizedActivations a) {
            return of(a, a.repeatedPairs());
        }

        /** With {@code pairs} = {@code a.repeatedPairs()}, shared with the other copies that take them. */
        static Pairs of(QuantizedActivations a, short[] pairs) {
            Pairs p = unfilled(a, pairs);
            p.fill(a, 0, a.length / 32);
            return p;
        }

        /** Pairs of {@code a} whose sums and scales {@link #fill} sets block range by block range. */
        static Pairs unfilled(QuantizedActivations a, short[] pairs) {
            if (a.format != GgmlType.Q8_0 || a.count != 1) throw new IllegalArgumentException("one Q8_0 vector needed");
            return new Pairs(pairs, new int[a.length / 32], new float[a.length / 32]);
        }

        /** Sums and scales of blocks {@code [b0, b1)} of {@code a}, quantised already. */
        void fill(QuantizedActivations a, int b0, int b1) {
            for (int b = b0; b < b1; b++) {
                int s = 0;
                for (int j = 0; j < 32; j++) s += a.qs[32 * b + j];
                eightSums[b] = 8 * s;
                d[b] = a.d[b];
            }
        }
    }

    /** {@code out[outOffset + r] = W[r] · a} for the rows of groups {@code [g0, g1)}. */
    void matVecGroups(Pairs a, int g0, int g1, float[] out, int outOffset) {
        // one call per group: the JIT compiles a method called often sooner than a long loop
        for (int g = g0; g < g1; g++) group(a, g, out, outOffset);
    }

    private void group(Pairs a, int g, float[] out, int outOffset) {
        FloatVector acc = FloatVector.zero(VectorKernels.F8);
        short[] pairs = a.pairs;
        IntVector nibble = IntVector.broadcast(VectorKernels.I8, 0x000F000F);
        int o = g * blocks * BLOCK_SHORTS, so = g * blocks * ROWS;
        for (int b = 0; b < blocks; b++, o += BLOCK_SHORTS, so += ROWS) {
            // two sums (exact in shorts, so their order is free) halve the chain of dependent adds. The nibbles are
            // shifted in int lanes and masked per short: C2 shifts ints by an immediate but gives every short shift a
            // count register of its own (Q4_0x8Probe 1.10x). Tried and slower: the sums started from the first load's
            // products instead of zero (0.55x), two groups sharing the activation loads (0.68x)
            ShortVector s = ShortVector.zero(VectorKernels.S16), t = s;
            for (int load = 0; load < 4; load++) {
                IntVector x = ShortVector.fromMemorySegment(VectorKernels.S16, qs, 2L * (o + 16 * load), NATIVE).reinterpretAsInts();
                int p = 16 * (16 * b + 4 * load);
                s = s.add(x.and(nibble).reinterpretAsShorts().mul(ShortVector.fromArray(VectorKernels.S16, pairs, p)))
                        .add(x.lanewise(VectorOperators.LSHR, 8).and(nibble).reinterpretAsShorts().mul(ShortVector.fromArray(VectorKernels.S16, pairs, p + 32)));
                t = t.add(x.lanewise(VectorOperators.LSHR, 4).and(nibble).reinterpretAsShorts().mul(ShortVector.fromArray(VectorKernels.S16, pairs, p + 16)))
                        .add(x.lanewise(VectorOperators.LSHR, 12).and(nibble).reinterpretAsShorts().mul(ShortVector.fromArray(VectorKernels.S16, pairs, p + 48)));
            }
            IntVector sumi = VectorKernels.pairSums(s.add(t)).sub(a.eightSums[b]);
            FloatVector scale = FloatVector.fromMemorySegment(VectorKernels.F8, d, 4L * so, NATIVE).mul(a.d[b]);
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(scale, acc);
        }
        acc.intoArray(out, outOffset + g * ROWS);
    }
}
