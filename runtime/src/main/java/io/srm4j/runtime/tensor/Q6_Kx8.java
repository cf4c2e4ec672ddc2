package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A Q6_K matrix with its rows interleaved eight at a time and its 6-bit quants unpacked to bytes, for single-token
 * products bit for bit equal to {@link GgmlOrderKQuants#dotScalar} (ggml's AVX2 ggml_vec_dot_q6_K_q8_K): eight rows
 * share the vector lanes, so nothing is reduced across lanes per super-block and no bits are unpacked per product.
 * In Q4_K_M models the classifier (151,936 rows in Qwen3) and some down / value projections are Q6_K.
 *
 * <p>ggml sums each row in eight int lanes per super-block, lane l holding {@code Σ_chunk sc[2 chunk + l/4] · Σ_{i<4}
 * q[32 chunk + 4l + i] · a[..]} minus its offset {@code 32 · (bsums[2l] · sc[2l] + bsums[2l+1] · sc[2l+1])}: the
 * quants are summed unsigned, and the offsets sit in other lanes than the elements they correct (so signed quants
 * would give other lane values, though the same total). Each lane then goes into its own float,
 * {@code acc_l = fma(d_w · d_a, lane, acc_l)}, and {@link ScalarKernels#hsum8} adds the eight at the end. Here vector
 * lane r is row r: the eight float accumulators {@code acc_l} are eight vectors, and hsum8's tree is taken across them.
 *
 * <p>Layout, per group of 8 rows and super-block: for lane l, chunk c and step s (0, 1), 16 bytes: row r's quants of
 * elements {@code e = 32c + 4l + 2s} and {@code e + 1} at bytes 2r, 2r + 1. Widened to shorts and multiplied by the
 * activation pair broadcast to every int lane, two steps summed in short lanes ({@code 2 · 63 · 127} fits), adjacent
 * lanes added: int lane r is row r's four-element sum. Scales as bytes {@code [group][super-block][sub-block][row]},
 * d as floats {@code [group][super-block][row]}.
 *
 * <p>Built once per matrix in the background on first use ({@link #ready}) and kept while the Matrix is reachable;
 * until then products use the mapped weights ({@link GgmlOrderKQuants#dot}), which give the same bits.
 */
final class Q6_Kx8 {
    private static final int ROWS = RepackedQ4.INTERLEAVE; // InterleavedCopies packs groups of this many rows
    /** Quant bytes of one group's super-block: 8 rows of 256. */
    private static final int SUPER_BYTES = 256 * ROWS;
    /**
     * Products of fewer tokens take this copy token by token once it is built, not {@link Q6_KTiles}: one thread,
     * 3072x1024, copy/tiles speed 3.6x at 4 tokens, 1.78x at 8, 1.21x at 16, 1.22x at 24, 1.05x at 32, 0.96x at 48.
     */
    static final int COPY_TOKENS = 32;

    private static final InterleavedCopies<Q6_Kx8> COPIES = new InterleavedCopies<>(new InterleavedCopies.Layout<>() {
        @Override
        public Q6_Kx8 allocate(int rows, int cols) {
            return new Q6_Kx8(rows, cols);
        }

        @Override
        public void packGroups(Q6_Kx8 copy, MemorySegment data, long rowBytes, int fromGroup, int toGroup) {
            byte[] tmp = new byte[(int) (ROWS * rowBytes)];
            for (int g = fromGroup; g < toGroup; g++) copy.pack(data, rowBytes, g, tmp);
        }

        @Override
        public long heapBytes(int rows, int cols, long mappedBytes) {
            // one byte per quant, 16 scale bytes and one float per row and super-block
            return (long) rows * cols + (long) rows * (cols / 256) * 20;
        }
    });

    final int rows, cols, superBlocks;
    /** {@code [group][super-block][lane][chunk][step][row][2]} unsigned quants (0..63). */
    final byte[] qs;
    /** {@code [group][super-block][sub-block][row]} scales. */
    final byte[] scales;
    /** {@code [group][super-block][row]} super-block scales. */
    final float[] d;

    private Q6_Kx8(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.superBlocks = cols / 256;
        this.qs = new byte[Math.multiplyExact(rows / ROWS * superBlocks, SUPER_BYTES)];
        this.scales = new byte[rows * superBlocks * 16];
        this.d = new float[rows * superBlocks];
    }

    /** Whether single-token products of a {@code type} matrix of {@code rows} rows can take the interleaved copy. */
    static boolean applies(GgmlType type, int rows) {
        return type == GgmlType.Q6_K && rows % ROWS == 0 && VectorKernels.INT_PATH;
    }

    private static void check(Matrix w) {
        if (!applies(w.type(), w.rows())) throw new IllegalArgumentException(w.name() + ": not a Q6_K matrix of 8k rows");
    }

    /**
     * The interleaved copy of {@code w} if it is built; else null, and it is being built on a background thread while
     * the caller multiplies the mapped weights (the same bits): the first product does not wait for the copy.
     */
    static Q6_Kx8 ready(Matrix w) {
        check(w);
        return COPIES.ready(w);
    }

    /** The interleaved copy of {@code w}, built now over the pool if need be (tests and probes). */
    static Q6_Kx8 of(WorkerPool pool, Matrix w) {
        check(w);
        return COPIES.of(pool, w);
    }

    /** Interleaves group g's rows: one bulk copy, then plain array work (this runs before the JIT has warmed up). */
    private void pack(MemorySegment w, long rowBytes, int g, byte[] rowsTmp) {
        int rb = (int) rowBytes;
        MemorySegment.copy(w, java.lang.foreign.ValueLayout.JAVA_BYTE, (long) g * ROWS * rowBytes, rowsTmp, 0, ROWS * rb);
        byte[] q = new byte[256];
        for (int sb = 0; sb < superBlocks; sb++) {
            int gs = g * superBlocks + sb, o = gs * SUPER_BYTES;
            for (int r = 0; r < ROWS; r++) {
                int p = r * rb + 210 * sb;
                d[gs * ROWS + r] = Float.float16ToFloat((short) ((rowsTmp[p + 208] & 0xFF) | (rowsTmp[p + 209] << 8)));
                for (int j = 0; j < 16; j++) scales[(gs * 16 + j) * ROWS + r] = rowsTmp[p + 192 + j];
                for (int half = 0; half < 2; half++) { // ggml's layout: 128 elements from 64 ql and 32 qh bytes
                    for (int l = 0; l < 32; l++) {
                        int ql0 = rowsTmp[p + 64 * half + l] & 0xFF, ql1 = rowsTmp[p + 64 * half + 32 + l] & 0xFF;
                        int qh = rowsTmp[p + 128 + 32 * half + l] & 0xFF, e = 128 * half + l;
                        q[e] = (byte) ((ql0 & 0xF) | ((qh & 3) << 4));
                        q[e + 32] = (byte) ((ql1 & 0xF) | (((qh >>> 2) & 3) << 4));
                        q[e + 64] = (byte) ((ql0 >>> 4) | (((qh >>> 4) & 3) << 4));
                        q[e + 96] = (byte) ((ql1 >>> 4) | (((qh >>> 6) & 3) << 4));
                    }
                }
                for (int lane = 0, at = o + 2 * r; lane < 8; lane++) {
                    for (int chunk = 0; chunk < 8; chunk++) {
                        for (int e = 32 * chunk + 4 * lane; e < 32 * chunk + 4 * lane + 4; e += 2, at += 16) {
                            qs[at] = q[e];
                            qs[at + 1] = q[e + 1];
                        }
                    }
                }
            }
        }
    }

    /** Activations for {@link #matVecGroups}: per super-block, lane, chunk and step, an int-packed pair of shorts; bsums; d. */
    record Pairs(int[] pairs, int[] bsums, float[] d) {
        static Pairs of(QuantizedActivations a) {
            Pairs p = new Pairs(new int[a.length / 2], new int[16 * (a.length / 256)], new float[a.length / 256]);
            p.fill(a);
            return p;
        }

        /** The layout of {@code a} (as long as the previous input) in these arrays, replacing what they held. */
        void fill(QuantizedActivations a) {
            if (a.format != GgmlType.Q8_K || a.count != 1 || a.length != 2 * pairs.length) throw new IllegalArgumentException("one Q8_K vector of " + 2 * pairs.length + " needed");
            int superBlocks = d.length;
            for (int sb = 0; sb < superBlocks; sb++) {
                for (int lane = 0; lane < 8; lane++) {
                    for (int chunk = 0; chunk < 8; chunk++) {
                        for (int step = 0; step < 2; step++) {
                            int e = 256 * sb + 32 * chunk + 4 * lane + 2 * step;
                            pairs[((sb * 8 + lane) * 8 + chunk) * 2 + step] = (a.qs[e] & 0xFFFF) | (a.qs[e + 1] << 16);
                        }
                    }
                }
            }
            for (int i = 0; i < bsums.length; i++) bsums[i] = a.bsums[i];
            System.arraycopy(a.d, 0, d, 0, superBlocks);
        }
    }

    /** Per-thread float lanes of {@link #group}: eight per ggml lane. */
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[64]);

    /** {@code out[outOffset + r] = W[r] · a} for the rows of groups {@code [g0, g1)}. */
    void matVecGroups(Pairs a, int g0, int g1, float[] out, int outOffset) {
        if (a.d.length != superBlocks) throw new IllegalArgumentException(a.d.length * 256 + " activations for " + cols + " columns");
        float[] acc = ACC.get();
        // one call per group: the JIT compiles a method called often sooner than a long loop
        for (int g = g0; g < g1; g++) group(a, g, acc, out, outOffset);
    }

    private void group(Pairs a, int g, float[] acc, float[] out, int outOffset) {
        java.util.Arrays.fill(acc, 0f);
        for (int sb = 0; sb < superBlocks; sb++) superBlock(a, g * superBlocks + sb, sb, acc);
        FloatVector r0 = FloatVector.fromArray(VectorKernels.F8, acc, 32).add(FloatVector.fromArray(VectorKernels.F8, acc, 0));
        FloatVector r1 = FloatVector.fromArray(VectorKernels.F8, acc, 40).add(FloatVector.fromArray(VectorKernels.F8, acc, 8));
        FloatVector r2 = FloatVector.fromArray(VectorKernels.F8, acc, 48).add(FloatVector.fromArray(VectorKernels.F8, acc, 16));
        FloatVector r3 = FloatVector.fromArray(VectorKernels.F8, acc, 56).add(FloatVector.fromArray(VectorKernels.F8, acc, 24));
        r0.add(r2).add(r1.add(r3)).intoArray(out, outOffset + g * ROWS); // hsum8's tree, eight rows at once
    }

    /**
     * {@link VectorKernels#pairSums} in three operations instead of four, for sums that fit a short: with x the pair
     * as one int (lo in the low half), {@code x + (x << 16)} holds lo + hi in its high half above lo's unsigned bits,
     * so the arithmetic shift down is exactly lo + hi. Here each short is two products of a 6-bit quant (0..63) and an
     * activation (|a| <= 127), at most 16,002, so a pair is at most 32,004.
     */
    private static IntVector pairSums(ShortVector s) {
        IntVector x = s.reinterpretAsInts();
        return x.add(x.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    /** Super-block sb of group-and-super-block gs into the lanes {@code acc[8l ..]}. */
    private void superBlock(Pairs a, int gs, int sb, float[] acc) {
        int o = gs * SUPER_BYTES, so = gs * 16 * ROWS, po = sb * 128;
        FloatVector dv = FloatVector.fromArray(VectorKernels.F8, d, gs * ROWS).mul(a.d[sb]);
        int[] pairs = a.pairs;
        for (int l = 0; l < 8; l++) {
            IntVector lane = IntVector.zero(VectorKernels.I8);
            int half = l / 4;
            for (int c = 0; c < 8; c++) {
                int q = o + (l * 8 + c) * 32, pi = po + (l * 8 + c) * 2;
                ShortVector q0 = (ShortVector) ByteVector.fromArray(VectorKernels.B16, qs, q).convertShape(VectorOperators.B2S, VectorKernels.S16, 0);
                ShortVector q1 = (ShortVector) ByteVector.fromArray(VectorKernels.B16, qs, q + 16).convertShape(VectorOperators.B2S, VectorKernels.S16, 0);
                ShortVector s = q0.mul(IntVector.broadcast(VectorKernels.I8, pairs[pi]).reinterpretAsShorts())
                        .add(q1.mul(IntVector.broadcast(VectorKernels.I8, pairs[pi + 1]).reinterpretAsShorts()));
                IntVector sc = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, scales, so + (2 * c + half) * ROWS)
                        .convertShape(VectorOperators.B2I, VectorKernels.I8, 0);
                lane = lane.add(pairSums(s).mul(sc));
            }
            IntVector sc0 = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, scales, so + 2 * l * ROWS).convertShape(VectorOperators.B2I, VectorKernels.I8, 0);
            IntVector sc1 = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, scales, so + (2 * l + 1) * ROWS).convertShape(VectorOperators.B2I, VectorKernels.I8, 0);
            lane = lane.sub(sc0.mul(a.bsums[16 * sb + 2 * l]).add(sc1.mul(a.bsums[16 * sb + 2 * l + 1])).lanewise(VectorOperators.LSHL, 5));
            ((FloatVector) lane.convert(VectorOperators.I2F, 0)).fma(dv, FloatVector.fromArray(VectorKernels.F8, acc, 8 * l)).intoArray(acc, 8 * l);
        }
    }
}
