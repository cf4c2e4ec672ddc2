package io.srm4j.runtime.tensor;

import static io.srm4j.runtime.tensor.Dequantize.f16;
import static io.srm4j.runtime.tensor.Dequantize.u8;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0 and Q4_K products summed as llama.cpp sums them on AVX2 machines, where its CPU_REPACK buffer interleaves the
 * rows of every such matrix whose row count is a multiple of 8 (ggml-cpu repack.cpp: block_q4_0x8 / block_q4_Kx8;
 * the token embedding is looked up from an unrepacked copy) and multiplies with ggml_gemv_* for single activation
 * rows and ggml_gemm_* for groups of four. Each output is a chain of fused multiply-adds of exact integer sums:
 *
 * <ul>
 *   <li>Q4_0, gemv and gemm alike: per 32-block {@code acc = fma(Σ q·a, d_w · d_a, acc)} ({@link #q4_0}).</li>
 *   <li>Q4_K gemv (one row): per 256-super-block {@code acc = fma(Σ_j sc_j Σ q·a, d_w · d_a, acc)} and
 *       {@code accMin = fma(Σ_j m_j · bsum_j, dmin_w · d_a, accMin)}, result {@code acc - accMin}
 *       ({@link #q4_KGemv}).</li>
 *   <li>Q4_K gemm (rows in groups of four): the same, but one fma per 64 elements (a pair of sub-blocks) instead of per
 *       super-block ({@link #q4_KGemm}); its activations are quantised by ggml_quantize_mat_q8_K_4x8, which picks the
 *       positive value when a block's largest magnitude occurs with both signs.</li>
 * </ul>
 *
 * As forward_mul_mat does, a product of {@code n} activation rows takes the gemm order for the first
 * {@code n - n % 4} and the gemv order for the rest ({@link #gemmRows}); since each row's result depends only on its
 * own activations and order, callers may choose the order row by row instead (MatMul.matMul with flags: the
 * Transformer does, so that a sequence's rows sum the same in a batch of other sequences as alone). The activation quantisation is otherwise the one of
 * {@link QuantizedActivations} (ggml_quantize_mat_q8_0_4x8 computes as quantize_row_q8_0). Matrices with another row
 * count keep ggml's vec_dot order ({@link ScalarKernels#dotQ}). Held to ggml's own kernels by RepackedQ4ParityTest.
 *
 * <p>The scalar methods here are the reference twins; {@link Q4_0x8} and {@link Q4_Kx8} (one token: the rows
 * interleaved as llama.cpp does), {@link ExactBlockKernels} (Q4_0, one token until its copy is built), {@link Q4_0Tiles} (Q4_0,
 * several tokens) and {@link RepackedQ4Kernels} (Q4_K,
 * until its interleaved copy is built, and prompts) are the fast ones; {@link Q4_KTiles} takes Q4_K products of four tokens or more, in 16-bit lanes as {@link Q4_0Tiles}.
 */
public final class RepackedQ4 {
    private RepackedQ4() {}

    /** Rows interleaved per repacked block in llama.cpp. */
    static final int INTERLEAVE = 8;
    /** Activation rows ggml's repacked gemm takes at a time. */
    static final int GEMM_ROWS = 4;

    /** True when llama.cpp repacks a {@code type} matrix of {@code rows} rows on AVX2 (and srm4j mirrors it here). */
    public static boolean applies(GgmlType type, int rows) {
        return (type == GgmlType.Q4_0 || type == GgmlType.Q4_K) && rows % INTERLEAVE == 0;
    }

    /**
     * Which activation rows of a product of {@code n} ggml's repacked gemm takes when they are multiplied together:
     * the first {@code n - n % 4} (the rest go through gemv).
     */
    public static boolean[] gemmRows(int n) {
        boolean[] gemm = new boolean[n];
        java.util.Arrays.fill(gemm, 0, n - n % GEMM_ROWS, true);
        return gemm;
    }

    /** Activations for a product of {@code n} rows with a repacked {@code type} matrix, {@code gemm[t]}: row t's order. */
    static QuantizedActivations quantize(GgmlType type, float[] x, int xOffset, int cols, int n, boolean[] gemm) {
        return QuantizedActivations.quantize(QuantizedActivations.formatFor(type), x, xOffset, cols, n, type == GgmlType.Q4_K ? gemm : null);
    }

    // ------------------------------------------------------------------ scalar twins

    /** One Q4_0 row times Q8_0 activations from {@code aOffset}: exact block sums, one fma per block. */
    public static float q4_0(MemorySegment w, long p, QuantizedActivations a, int aOffset, int n) {
        float acc = 0;
        for (int b = 0; b < n / 32; b++, p += 18) {
            int y = aOffset + 32 * b, sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, p + 2 + j);
                sumi += ((q & 0xF) - 8) * a.qs[y + j] + ((q >>> 4) - 8) * a.qs[y + j + 16];
            }
            acc = Math.fma((float) sumi, f16(w, p) * a.d[y / 32], acc);
        }
        return acc;
    }

    /** One Q4_K row times Q8_K activations from {@code aOffset}, as ggml_gemv_q4_K_8x8_q8_K. */
    public static float q4_KGemv(MemorySegment w, long p, QuantizedActivations a, int aOffset, int n) {
        return q4_K(w, p, a, aOffset, n, 4);
    }

    /** One Q4_K row times Q8_K activations from {@code aOffset}, as ggml_gemm_q4_K_8x8_q8_K. */
    public static float q4_KGemm(MemorySegment w, long p, QuantizedActivations a, int aOffset, int n) {
        return q4_K(w, p, a, aOffset, n, 1);
    }

    /** Integer sums over {@code pairsPerStep} pairs of sub-blocks between fused multiply-adds (4: per super-block). */
    private static float q4_K(MemorySegment w, long p, QuantizedActivations a, int aOffset, int n, int pairsPerStep) {
        float acc = 0, accMin = 0;
        for (int b = 0; b < n / 256; b++, p += 144) {
            int y = aOffset + 256 * b, sb = y / 256;
            float d = f16(w, p) * a.d[sb], dmin = f16(w, p + 2) * a.d[sb];
            int isum = 0, summs = 0;
            for (int pair = 0; pair < 4; pair++) {
                for (int j = 2 * pair; j < 2 * pair + 2; j++) {
                    int sc = Dequantize.scaleMinK4(w, p + 4, j, false), m = Dequantize.scaleMinK4(w, p + 4, j, true);
                    long q = p + 16 + 32L * (j / 2);
                    int shift = 4 * (j % 2), s = 0;
                    for (int l = 0; l < 32; l++) s += ((u8(w, q + l) >>> shift) & 0xF) * a.qs[y + 32 * j + l];
                    isum += sc * s;
                    summs += m * (a.bsums[sb * 16 + 2 * j] + a.bsums[sb * 16 + 2 * j + 1]);
                }
                if ((pair + 1) % pairsPerStep == 0) {
                    acc = Math.fma((float) isum, d, acc);
                    accMin = Math.fma((float) summs, dmin, accMin);
                    isum = 0;
                    summs = 0;
                }
            }
        }
        return acc - accMin;
    }

    /** Row {@code r} of token {@code t}'s product, in the gemm order or not: the twin of what MatMul computes there. */
    static float scalarProduct(Matrix w, QuantizedActivations a, int t, boolean gemm, int r) {
        long p = r * w.rowBytes();
        int cols = w.cols(), ao = t * cols;
        return switch (w.type()) {
            case Q4_0 -> q4_0(w.data(), p, a, ao, cols);
            case Q4_K -> gemm ? q4_KGemm(w.data(), p, a, ao, cols) : q4_KGemv(w.data(), p, a, ao, cols);
            default -> throw new IllegalArgumentException(w.type() + " is not repacked");
        };
    }

    // ------------------------------------------------------------------ products

    /** The single-token (gemv order) product of {@code w} as a task over row ranges, which must be whole groups of 8. */
    static WorkerPool.RangeTask rowTask(Matrix w, MatMul.VectorInput in, float[] out, int outOffset) {
        int cols = w.cols();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        Q4_0x8 packed = w.type() == GgmlType.Q4_0 && Q4_0x8.supported() ? Q4_0x8.ready(w) : null;
        if (packed != null) {
            Q4_0x8.Pairs a = in.pairs();
            return (from, to) -> packed.matVecGroups(a, from / INTERLEAVE, to / INTERLEAVE, out, outOffset);
        }
        Q4_Kx8 packedK = w.type() == GgmlType.Q4_K && Q4_Kx8.supported() ? Q4_Kx8.ready(w) : null;
        if (packedK != null) {
            Q4_Kx8.Activations a = in.q4_KActivations();
            return (from, to) -> packedK.matVecGroups(a, from / INTERLEAVE, to / INTERLEAVE, out, outOffset);
        }
        QuantizedActivations q = in.quantized(QuantizedActivations.formatFor(w.type()));
        if (w.type() == GgmlType.Q4_0 && ExactBlockKernels.supports(w.type())) {
            BlockActivations a = in.blocks();
            return (from, to) -> ExactBlockKernels.matVecRows(data, rowBytes, a, from, to, out, outOffset);
        } else if (w.type() == GgmlType.Q4_K && RepackedQ4Kernels.supported()) {
            return (from, to) -> {
                for (int r = from; r < to; r++) out[outOffset + r] = RepackedQ4Kernels.q4_KGemv(data, r * rowBytes, q, 0, cols);
            };
        } else {
            return (from, to) -> {
                for (int r = from; r < to; r++) out[outOffset + r] = scalarProduct(w, q, 0, false, r);
            };
        }
    }

    /** The tokens of {@code in}, token t's product in the gemm order when {@code in.gemm[t]} (it differs from gemv only for Q4_K). */
    static void matMul(WorkerPool pool, Matrix w, MatMul.Tokens in, float[] out) {
        int n = in.n, rows = w.rows(), cols = w.cols();
        boolean[] gemm = in.gemm;
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        QuantizedActivations q = in.quantized(QuantizedActivations.formatFor(w.type()), w.type() == GgmlType.Q4_K);
        if (w.type() == GgmlType.Q4_0 && Q4_0Tiles.supported()) {
            Q4_0Tiles.Activations a = in.prepared("Q4_0 tiles", () -> new Q4_0Tiles.Activations(q));
            pool.parallelFor(0, rows / INTERLEAVE, MatMul.ROW_BLOCK / INTERLEAVE, (g0, g1) ->
                    Q4_0Tiles.matMulRows(data, rowBytes, a, INTERLEAVE * g0, INTERLEAVE * g1, out, rows));
        } else if (w.type() == GgmlType.Q4_K && Q4_KTiles.worthIt(n)) {
            Q4_KTiles.Activations a = in.prepared("Q4_K tiles", () -> new Q4_KTiles.Activations(q, gemm));
            pool.parallelFor(0, rows / INTERLEAVE, MatMul.ROW_BLOCK / INTERLEAVE, (g0, g1) ->
                    Q4_KTiles.matMulRows(data, rowBytes, a, INTERLEAVE * g0, INTERLEAVE * g1, out, rows));
        } else if (w.type() == GgmlType.Q4_K && RepackedQ4Kernels.supported()) {
            int block = MatMul.ROW_BLOCK;
            pool.parallelFor(0, rows, block, (from, to) -> {
                UnpackedRows unpacked = new UnpackedRows(GgmlType.Q4_K, cols, block);
                for (int r0 = from; r0 < to; r0 += block) {
                    int nRows = Math.min(block, to - r0);
                    unpacked.unpack(data, r0 * rowBytes, rowBytes, nRows);
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < nRows; r++) out[t * rows + r0 + r] = RepackedQ4Kernels.q4_K(unpacked, r, q, t * cols, gemm[t]);
                    }
                }
            });
        } else {
            pool.parallelFor(0, rows, MatMul.ROW_GRAIN, (from, to) -> {
                for (int t = 0; t < n; t++) {
                    for (int r = from; r < to; r++) out[t * rows + r] = scalarProduct(w, q, t, gemm[t], r);
                }
            });
        }
    }
}
