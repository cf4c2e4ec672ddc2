package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A Q4_K matrix with its rows interleaved eight at a time (the idea of llama.cpp's block_q4_Kx8, in a layout of its
 * own: two bytes per row and step, scales unpacked to bytes), for single-token products
 * bit for bit equal to {@link RepackedQ4#q4_KGemv} (ggml_gemv_q4_K_8x8_q8_K's order): eight rows share the vector
 * lanes, so a super-block costs no reduction across lanes, only two fused multiply-adds per row.
 *
 * <p>Why it is exact: per row and super-block the gemv order takes the integer sum {@code isum = Σ_j sc_j Σ q·a} over
 * the eight 32-element sub-blocks and {@code summs = Σ_j m_j (bsums[2j] + bsums[2j+1])}, then
 * {@code acc = fma(isum, d·d_a, acc)}, {@code accMin = fma(summs, dmin·d_a, accMin)}, and returns {@code acc - accMin}.
 * The integer sums are exact in any order, so only the float steps must match, and they run here lane by lane (lane r:
 * row r) with the same operands.
 *
 * <p>Layout, per group of 8 rows and super-block: for each of the four 32-byte quant runs p (sub-blocks 2p in the low
 * nibbles, 2p+1 in the high), 16 steps s of 16 bytes, step s holding bytes 2s and 2s+1 of the run for rows 0..7 in
 * turn (row r at bytes 2r, 2r+1). Widened to 16 shorts, lanes 2r and 2r+1 are row r's elements 2s, 2s+1 of sub-block
 * 2p (low nibbles) or 2p+1 (high): multiplied by the activation pair broadcast to every int lane and summed in short
 * lanes, one sum per sub-block (16 products of at most 15·127 stay below 2^15), then adjacent lanes are added, so int
 * lane r holds row r's exact sub-block sum. Scales and mins are kept as bytes {@code [sub-block][row]}, d and dmin
 * as floats {@code [row]}.
 *
 * <p>Built once per matrix in the background on first use ({@link #ready}) and kept while the Matrix is reachable;
 * until then, and for prompts, products use the mapped weights ({@link RepackedQ4Kernels}), which give the same bits.
 * Matrices whose rows are not a multiple of 8 are not repacked by llama.cpp and keep ggml's vec_dot order
 * ({@link VectorKernels#dotQ}).
 */
final class Q4_Kx8 {
    private static final int ROWS = RepackedQ4.INTERLEAVE;
    /** Quant bytes of one group's super-block: 8 rows of 128. */
    private static final int QS_BYTES = 128 * ROWS;
    /** Scale (or min) bytes of one group's super-block: 8 sub-blocks of 8 rows. */
    private static final int SCALE_BYTES = 8 * ROWS;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;

    private static final InterleavedCopies<Q4_Kx8> COPIES = new InterleavedCopies<>(new InterleavedCopies.Layout<>() {
        @Override
        public Q4_Kx8 allocate(int rows, int cols) {
            return new Q4_Kx8(rows, cols);
        }

        @Override
        public void packGroups(Q4_Kx8 copy, MemorySegment data, long rowBytes, int fromGroup, int toGroup) {
            byte[] tmp = new byte[(int) (ROWS * rowBytes)];
            for (int g = fromGroup; g < toGroup; g++) copy.pack(data, rowBytes, g, tmp);
        }
    });

    final int rows, cols, superBlocks;
    /** {@code [group][super-block][run p][step s][row][2]} quant bytes. */
    final byte[] qs;
    /** {@code [group][super-block][sub-block][row]} 6-bit scales and mins. */
    final byte[] scales, mins;
    /** {@code [group][super-block][row]} super-block scales of the scales and of the mins. */
    final float[] d, dmin;

    private Q4_Kx8(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.superBlocks = cols / 256;
        int blocks = Math.multiplyExact(rows / ROWS, superBlocks);
        this.qs = new byte[Math.multiplyExact(blocks, QS_BYTES)];
        this.scales = new byte[Math.multiplyExact(blocks, SCALE_BYTES)];
        this.mins = new byte[Math.multiplyExact(blocks, SCALE_BYTES)];
        this.d = new float[Math.multiplyExact(blocks, ROWS)];
        this.dmin = new float[Math.multiplyExact(blocks, ROWS)];
    }

    static boolean supported() {
        return VectorKernels.INT_PATH;
    }

    private static void check(Matrix w) {
        if (w.type() != GgmlType.Q4_K || w.rows() % ROWS != 0) throw new IllegalArgumentException(w.name() + ": not a Q4_K matrix of 8k rows");
    }

    /**
     * The interleaved copy of {@code w} if it is built; else null, and it is being built on a background thread (see
     * {@link InterleavedCopies#ready}); the caller then multiplies the mapped weights, which give the same bits.
     */
    static Q4_Kx8 ready(Matrix w) {
        check(w);
        return COPIES.ready(w);
    }

    /** The interleaved copy of {@code w} (Q4_K, rows a multiple of 8), built now over the pool if need be. */
    static Q4_Kx8 of(WorkerPool pool, Matrix w) {
        check(w);
        return COPIES.of(pool, w);
    }

    /** Interleaves group g's rows: one bulk copy, then plain array work (this runs before the JIT has warmed up). */
    private void pack(MemorySegment w, long rowBytes, int g, byte[] rowsTmp) {
        int rb = (int) rowBytes;
        MemorySegment.copy(w, ValueLayout.JAVA_BYTE, (long) g * ROWS * rowBytes, rowsTmp, 0, ROWS * rb);
        MemorySegment tmp = MemorySegment.ofArray(rowsTmp);
        for (int b = 0; b < superBlocks; b++) {
            int blk = g * superBlocks + b, o = blk * QS_BYTES, so = blk * SCALE_BYTES;
            for (int r = 0; r < ROWS; r++) {
                int p = r * rb + 144 * b;
                d[blk * ROWS + r] = Dequantize.f16(tmp, p);
                dmin[blk * ROWS + r] = Dequantize.f16(tmp, p + 2);
                for (int j = 0; j < 8; j++) {
                    scales[so + ROWS * j + r] = (byte) Dequantize.scaleMinK4(tmp, p + 4, j, false);
                    mins[so + ROWS * j + r] = (byte) Dequantize.scaleMinK4(tmp, p + 4, j, true);
                }
                for (int run = 0; run < 4; run++) {
                    for (int step = 0; step < 16; step++) {
                        int dst = o + 256 * run + 16 * step + 2 * r, src = p + 16 + 32 * run + 2 * step;
                        qs[dst] = rowsTmp[src];
                        qs[dst + 1] = rowsTmp[src + 1];
                    }
                }
            }
        }
    }

    /**
     * One Q8_K activation vector as {@link #matVecGroups} reads it: the quants as repeated pairs (pair k: elements 2k,
     * 2k+1, {@link QuantizedActivations#repeatedPairs}), each sub-block's sum ({@code bsums[2j] + bsums[2j+1]}) and
     * the super-block scales.
     */
    record Activations(short[] pairs, int[] subBlockSums, float[] d) {
        static Activations of(QuantizedActivations a) {
            return of(a, a.repeatedPairs());
        }

        /** With {@code pairs} = {@code a.repeatedPairs()}, shared with the other copies that take them. */
        static Activations of(QuantizedActivations a, short[] pairs) {
            Activations x = new Activations(pairs, new int[a.length / 32], new float[a.length / 256]);
            x.fill(a);
            return x;
        }

        /** The sums and scales of {@code a} (its pairs already in {@link #pairs}), replacing the previous input's. */
        void fill(QuantizedActivations a) {
            if (a.format != GgmlType.Q8_K || a.count != 1 || a.length != 32 * subBlockSums.length) throw new IllegalArgumentException("one Q8_K vector of " + 32 * subBlockSums.length + " needed");
            for (int j = 0; j < subBlockSums.length; j++) subBlockSums[j] = a.bsums[2 * j] + a.bsums[2 * j + 1];
            System.arraycopy(a.d, 0, d, 0, d.length);
        }
    }

    /** {@code out[outOffset + r] = W[r] · a} for the rows of groups {@code [g0, g1)}. */
    void matVecGroups(Activations a, int g0, int g1, float[] out, int outOffset) {
        if (a.pairs.length != 8 * cols) throw new IllegalArgumentException(a.pairs.length / 8 + " activations for " + cols + " columns");
        // one call per group: the JIT compiles a method called often sooner than a long loop
        for (int g = g0; g < g1; g++) group(a, g, out, outOffset);
    }

    private void group(Activations a, int g, float[] out, int outOffset) {
        FloatVector acc = FloatVector.zero(VectorKernels.F8), accMin = FloatVector.zero(VectorKernels.F8);
        for (int b = 0, blk = g * superBlocks; b < superBlocks; b++, blk++) {
            int o = blk * QS_BYTES, so = blk * SCALE_BYTES;
            IntVector isum = IntVector.zero(VectorKernels.I8);
            // one call site, so C2 inlines it once and stays under its node budget (a vector returned from a call not
            // inlined is boxed, several times slower)
            for (int p = 0; p < 4; p++) isum = isum.add(run(a.pairs, 128 * b + 32 * p, o + 256 * p, so + 16 * p));
            IntVector summs = minSums(a.subBlockSums, 8 * b, so);
            FloatVector ad = FloatVector.broadcast(VectorKernels.F8, a.d[b]);
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(VectorKernels.F8, d, blk * ROWS).mul(ad), acc);
            accMin = ((FloatVector) summs.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(VectorKernels.F8, dmin, blk * ROWS).mul(ad), accMin);
        }
        acc.sub(accMin).intoArray(out, outOffset + g * ROWS);
    }

    /**
     * Int lane r: row r's {@code sc_lo Σ q·a} over the run's low-nibble sub-block plus {@code sc_hi Σ q·a} over its
     * high one; the run's quant bytes start at {@code o}, its activation pairs at {@code ai}, its two sub-blocks'
     * scales at {@code so}.
     */
    private IntVector run(short[] pairs, int ai, int o, int so) {
        ShortVector lo = ShortVector.zero(VectorKernels.S16), hi = ShortVector.zero(VectorKernels.S16);
        for (int step = 0; step < 16; step++) {
            ShortVector q = (ShortVector) ByteVector.fromArray(VectorKernels.B16, qs, o + 16 * step)
                    .convertShape(VectorOperators.B2S, VectorKernels.S16, 0);
            ShortVector aLo = ShortVector.fromArray(VectorKernels.S16, pairs, 16 * (ai + step));
            ShortVector aHi = ShortVector.fromArray(VectorKernels.S16, pairs, 16 * (ai + 16 + step));
            lo = lo.add(q.and((short) 0xF).mul(aLo));
            hi = hi.add(q.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(aHi));
        }
        return VectorKernels.pairSums(lo).mul(bytesAsInts(scales, so)).add(VectorKernels.pairSums(hi).mul(bytesAsInts(scales, so + ROWS)));
    }

    /** Int lane r: row r's {@code Σ_j m_j · subBlockSums[j]} over the super-block's eight sub-blocks. */
    private IntVector minSums(int[] subBlockSums, int j0, int so) {
        IntVector s = IntVector.zero(VectorKernels.I8);
        for (int j = 0; j < 8; j++) s = s.add(bytesAsInts(mins, so + ROWS * j).mul(subBlockSums[j0 + j]));
        return s;
    }

    /** Eight bytes (each below 64) as eight int lanes. */
    private static IntVector bytesAsInts(byte[] b, int o) {
        return (IntVector) ByteVector.fromArray(B8, b, o).convertShape(VectorOperators.B2I, VectorKernels.I8, 0);
    }
}
