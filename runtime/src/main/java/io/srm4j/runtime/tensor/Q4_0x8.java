package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A Q4_0 matrix with its rows interleaved eight at a time, as llama.cpp's CPU_REPACK buffer holds it, for fast
 * single-token products bit for bit equal to {@link RepackedQ4#q4_0}: eight rows share the vector lanes, so a block
 * costs no reduction across lanes, only one fused multiply-add per row as in ggml_gemv_q4_0_8x8_q8_0.
 *
 * <p>Layout, per group of 8 rows and 32-block: 8 steps p of 16 bytes, step p holding the quant bytes 2p and 2p+1 of
 * rows 0..7 in turn (row r at bytes 2r, 2r+1), each byte the quants of elements j (low nibble) and j+16 (high). Widened
 * to 16 shorts, lanes 2r and 2r+1 are row r's elements 2p, 2p+1 (or 2p+16, 2p+17): multiplied by the activation
 * pair broadcast to every int lane and summed in short lanes (16 products of at most 15·127 stay below 2^15), then
 * adjacent lanes are added, so int lane r holds row r's exact Σ q·a with the nibbles unshifted; -8·Σa makes it Σ
 * (q-8)·a. The scales are kept as floats, 8 per group and block.
 *
 * <p>Built once per matrix in the background on first use ({@link #ready}) and kept while the Matrix is reachable;
 * until then, and for prompts (which read each weight once for many tokens anyway), products use the mapped weights
 * ({@link ExactBlockKernels}), which give the same bits.
 */
final class Q4_0x8 {
    private static final int ROWS = RepackedQ4.INTERLEAVE;
    /**
     * Products of fewer tokens take this copy token by token once it is built, not the prefill tiles: one token costs
     * ~0.225 ms on a 4864x896 matrix (one thread; 8 tokens 1.8 ms against 2.0 in the one-group tiles), a two-group
     * tile pass of 9-16 tokens ~3.0 ms (Q4_KPrefillProbe -Dtype=Q4_0 -Dn=8|16), so the copy wins up to 12 tokens.
     */
    static final int COPY_TOKENS = 13;
    private static final int BLOCK_BYTES = 16 * ROWS;

    private static final InterleavedCopies<Q4_0x8> COPIES = new InterleavedCopies<>(new InterleavedCopies.Layout<>() {
        @Override
        public Q4_0x8 allocate(int rows, int cols) {
            return new Q4_0x8(rows, cols);
        }

        @Override
        public void packGroups(Q4_0x8 copy, MemorySegment data, long rowBytes, int fromGroup, int toGroup) {
            byte[] tmp = new byte[(int) (ROWS * rowBytes)];
            for (int g = fromGroup; g < toGroup; g++) copy.pack(data, rowBytes, g, tmp);
        }
    });

    final int rows, cols, blocks;
    /** {@code [group][block][step p][row][2]} quant bytes. */
    final byte[] qs;
    /** {@code [group][block][row]} scales. */
    final float[] d;

    private Q4_0x8(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / 32;
        this.qs = new byte[Math.multiplyExact(rows / ROWS * blocks, BLOCK_BYTES)];
        this.d = new float[rows * blocks];
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
    private void pack(MemorySegment w, long rowBytes, int g, byte[] rowsTmp) {
        int rb = (int) rowBytes;
        MemorySegment.copy(w, java.lang.foreign.ValueLayout.JAVA_BYTE, (long) g * ROWS * rowBytes, rowsTmp, 0, ROWS * rb);
        int o = g * blocks * BLOCK_BYTES, so = g * blocks * ROWS;
        for (int b = 0; b < blocks; b++, o += BLOCK_BYTES, so += ROWS) {
            for (int r = 0; r < ROWS; r++) {
                int p = r * rb + 18 * b;
                d[so + r] = Float.float16ToFloat((short) ((rowsTmp[p] & 0xFF) | (rowsTmp[p + 1] << 8)));
                for (int step = 0; step < 8; step++) {
                    qs[o + step * 16 + 2 * r] = rowsTmp[p + 2 + 2 * step];
                    qs[o + step * 16 + 2 * r + 1] = rowsTmp[p + 3 + 2 * step];
                }
            }
        }
    }

    /** Activation pairs for {@link #matVecGroups}: per block and step, two int-packed pairs of shorts, and 8·Σa. */
    record Pairs(int[] lo, int[] hi, int[] eightSums, float[] d) {
        static Pairs of(QuantizedActivations a) {
            if (a.format != GgmlType.Q8_0 || a.count != 1) throw new IllegalArgumentException("one Q8_0 vector needed");
            int blocks = a.length / 32;
            int[] lo = new int[blocks * 8], hi = new int[blocks * 8], sums = new int[blocks];
            for (int b = 0; b < blocks; b++) {
                int s = 0;
                for (int j = 0; j < 32; j++) s += a.qs[32 * b + j];
                sums[b] = 8 * s;
                for (int step = 0; step < 8; step++) {
                    int e = 32 * b + 2 * step;
                    lo[b * 8 + step] = (a.qs[e] & 0xFFFF) | (a.qs[e + 1] << 16);
                    hi[b * 8 + step] = (a.qs[e + 16] & 0xFFFF) | (a.qs[e + 17] << 16);
                }
            }
            return new Pairs(lo, hi, sums, java.util.Arrays.copyOf(a.d, blocks));
        }
    }

    /** {@code out[outOffset + r] = W[r] · a} for the rows of groups {@code [g0, g1)}. */
    void matVecGroups(Pairs a, int g0, int g1, float[] out, int outOffset) {
        // one call per group: the JIT compiles a method called often sooner than a long loop
        for (int g = g0; g < g1; g++) group(a, g, out, outOffset);
    }

    private void group(Pairs a, int g, float[] out, int outOffset) {
        FloatVector acc = FloatVector.zero(VectorKernels.F8);
        int o = g * blocks * BLOCK_BYTES, so = g * blocks * ROWS;
        for (int b = 0; b < blocks; b++, o += BLOCK_BYTES, so += ROWS) {
            ShortVector s = ShortVector.zero(VectorKernels.S16);
            for (int step = 0; step < 8; step++) {
                ShortVector q = (ShortVector) ByteVector.fromArray(VectorKernels.B16, qs, o + 16 * step)
                        .convertShape(VectorOperators.B2S, VectorKernels.S16, 0);
                ShortVector lo = IntVector.broadcast(VectorKernels.I8, a.lo[8 * b + step]).reinterpretAsShorts();
                ShortVector hi = IntVector.broadcast(VectorKernels.I8, a.hi[8 * b + step]).reinterpretAsShorts();
                s = s.add(q.and((short) 0xF).mul(lo)).add(q.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(hi));
            }
            IntVector sumi = VectorKernels.pairSums(s).sub(a.eightSums[b]);
            FloatVector scale = FloatVector.fromArray(VectorKernels.F8, d, so).mul(a.d[b]);
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(scale, acc);
        }
        acc.intoArray(out, outOffset + g * ROWS);
    }
}
