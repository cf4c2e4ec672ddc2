package io.srm4j.runtime.tensor;

import static io.srm4j.runtime.tensor.Dequantize.f16;
import static io.srm4j.runtime.tensor.Dequantize.i8;
import static io.srm4j.runtime.tensor.Dequantize.u8;

import java.lang.foreign.MemorySegment;

/**
 * Plain scalar dot products of one weight row with activations: the reference twins of {@link VectorKernels}.
 *
 * <ul>
 *   <li>{@link #dot}: float activations; dequantises the row ({@link Dequantize}) and sums in order.</li>
 *   <li>{@link #dotQ}: activations quantised to the type's 8-bit partner ({@link QuantizedActivations}); integer
 *       products per block, scaled in float as ggml's generic {@code ggml_vec_dot_*} do.</li>
 * </ul>
 */
public final class ScalarKernels {
    private ScalarKernels() {}

    /** {@code Σ W[i] · x[xOffset + i]} for the {@code n}-element row of {@code type} at byte {@code offset} of {@code w}. */
    public static float dot(GgmlType type, MemorySegment w, long offset, float[] x, int xOffset, int n) {
        float[] row = new float[n];
        Dequantize.row(type, w, offset, row, 0, n);
        float sum = 0;
        for (int i = 0; i < n; i++) sum += row[i] * x[xOffset + i];
        return sum;
    }

    /**
     * Types whose {@link #dotQ} already sums exactly as llama.cpp's x86 kernels do ({@link #blocks32InGgmlOrder},
     * {@link GgmlOrderKQuants}).
     */
    public static boolean sumsInGgmlOrder(GgmlType type) {
        return type == GgmlType.Q8_0 || type == GgmlType.Q4_0 || type == GgmlType.Q5_0 || type == GgmlType.Q4_1 || type == GgmlType.Q5_1
                || GgmlOrderKQuants.supports(type);
    }

    /** True when {@link #dotQ} handles {@code type}. */
    public static boolean hasQuantizedDot(GgmlType type) {
        return QuantizedActivations.formatFor(type) != null;
    }

    /**
     * Dot of the row with the quantised activations {@code a} from element {@code aOffset} (a block boundary of
     * {@code a.format}); {@code a.format} must be {@link QuantizedActivations#formatFor}({@code type}).
     */
    public static float dotQ(GgmlType type, MemorySegment w, long offset, QuantizedActivations a, int aOffset, int n) {
        checkQ(type, w, offset, a, aOffset, n);
        if (GgmlOrderKQuants.supports(type)) return GgmlOrderKQuants.dotScalar(type, w, offset, a, aOffset, n);
        if (sumsInGgmlOrder(type)) return blocks32InGgmlOrder(type, w, offset, a, aOffset, n);
        float sum = 0;
        int blocks = n / type.blockSize;
        for (int b = 0; b < blocks; b++) {
            long p = offset + (long) b * type.typeSize;
            int y = aOffset + b * type.blockSize;
            sum += switch (type) {
                case Q4_K -> q4_K(w, p, a, y);
                default -> throw new UnsupportedOperationException("no quantised dot for " + type);
            };
        }
        return sum;
    }

    static void checkQ(GgmlType type, MemorySegment w, long offset, QuantizedActivations a, int aOffset, int n) {
        GgmlType want = QuantizedActivations.formatFor(type);
        if (want == null) throw new UnsupportedOperationException("no quantised dot for " + type);
        if (a.format != want) throw new IllegalArgumentException(type + " weights multiply " + want + " activations, got " + a.format);
        long bytes = type.rowBytes(n);
        if (offset < 0 || offset + bytes > w.byteSize()) {
            throw new IndexOutOfBoundsException(type + " row at byte " + offset + " runs past a " + w.byteSize() + "-byte segment");
        }
        if (aOffset < 0 || aOffset % a.format.blockSize != 0 || aOffset + n > a.qs.length) {
            throw new IndexOutOfBoundsException("activations [" + aOffset + ", " + (aOffset + n) + ") outside " + a.qs.length + " or off a block");
        }
    }

    // ---- 32-element blocks: d_w * d_a * Σ q_w q_a (+ m_w * s_a for the affine types)

    /**
     * Q8_0, Q4_0, Q5_0, Q4_1 and Q5_1 rows in the order of ggml's AVX2 {@code ggml_vec_dot_*} (and of llamafile's
     * tinyBLAS for Q8_0 / Q4_0 / Q5_0 prompts, which sums the same way), what llama.cpp runs for these types on x86
     * (Q4_0 only for matrices it does not repack, see {@link RepackedQ4}): per
     * block, eight integer sums of four consecutive elements, each added to its own float lane as
     * {@code fma(d_w * d_a, lane, acc)}; the lanes summed at the end as {@link #hsum8} does; for Q4_1 / Q5_1 plus
     * {@code Σ m_w * s_a} accumulated with fma (the C compiler contracts it). Bit for bit the same sums make the
     * attention's F16 roundings and the next activations' 8-bit quantisation come out as in llama.cpp; any other
     * order flips some of them and moves logits by up to ~0.1 (docs/RUNTIME.md).
     */
    static float blocks32InGgmlOrder(GgmlType type, MemorySegment w, long offset, QuantizedActivations a, int aOffset, int n) {
        float[] acc = new float[8];
        float summs = 0;
        int[] v = new int[32];
        for (int b = 0; b < n / 32; b++) {
            long p = offset + (long) b * type.typeSize;
            int y = aOffset + b * 32;
            float scale = f16(w, p) * a.d[y / 32];
            blockQuants(type, w, p, v);
            if (a.s != null) summs = Math.fma(f16(w, p + 2), a.s[y / 32], summs);
            for (int lane = 0; lane < 8; lane++) {
                int e = 4 * lane;
                int sumi = v[e] * a.qs[y + e] + v[e + 1] * a.qs[y + e + 1] + v[e + 2] * a.qs[y + e + 2] + v[e + 3] * a.qs[y + e + 3];
                acc[lane] = Math.fma(scale, (float) sumi, acc[lane]);
            }
        }
        return hsum8(acc) + summs;
    }

    /**
     * The 32 quants of the Q8_0 / Q4_0 / Q5_0 / Q4_1 / Q5_1 block at byte {@code p}, offset applied (Q4_0: -8, Q5_0: -16),
     * into {@code v}: what {@link #blocks32InGgmlOrder} multiplies, and what {@link Blocks32x8} copies.
     */
    static void blockQuants(GgmlType type, MemorySegment w, long p, int[] v) {
        switch (type) {
            case Q8_0 -> {
                for (int e = 0; e < 32; e++) v[e] = i8(w, p + 2 + e);
            }
            case Q4_0 -> nibbles(w, p + 2, 0, -8, v);
            case Q5_0 -> nibbles(w, p + 6, w.get(Dequantize.I32, p + 2), -16, v);
            case Q4_1 -> nibbles(w, p + 4, 0, 0, v);
            case Q5_1 -> nibbles(w, p + 8, w.get(Dequantize.I32, p + 4), 0, v);
            default -> throw new IllegalArgumentException("not a 32-element block type: " + type);
        }
    }

    /** Elements of a 4-bit block (low nibbles first), the fifth bits from {@code qh}, plus {@code offset}. */
    private static void nibbles(MemorySegment w, long qs, int qh, int offset, int[] v) {
        for (int j = 0; j < 16; j++) {
            int q = u8(w, qs + j);
            v[j] = ((q & 0xF) | (((qh >>> j) & 1) << 4)) + offset;
            v[j + 16] = ((q >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) + offset;
        }
    }

    /** ggml's {@code hsum_float_8}: the upper four lanes onto the lower four, then lanes 0+2 and 1+3, then those two. */
    public static float hsum8(float[] a) {
        float r0 = a[4] + a[0], r1 = a[5] + a[1], r2 = a[6] + a[2], r3 = a[7] + a[3];
        return (r0 + r2) + (r1 + r3);
    }

    // ---- super-blocks of 256: d * Σ_sub scale_sub * Σ q a  -  dmin * Σ_sub min_sub * Σ a
    // (Q2_K, Q3_K, Q5_K, Q6_K: GgmlOrderKQuants)

    private static float q4_K(MemorySegment w, long p, QuantizedActivations a, int y) {
        int b = y / 256;
        int isum = 0, summs = 0;
        for (int j = 0; j < 8; j++) {
            int sc = Dequantize.scaleMinK4(w, p + 4, j, false), m = Dequantize.scaleMinK4(w, p + 4, j, true);
            summs += m * (a.bsums[b * 16 + 2 * j] + a.bsums[b * 16 + 2 * j + 1]);
            long q = p + 16 + 32L * (j / 2);
            int shift = 4 * (j % 2);
            int s = 0;
            for (int l = 0; l < 32; l++) s += ((u8(w, q + l) >>> shift) & 0xF) * a.qs[y + 32 * j + l];
            isum += sc * s;
        }
        return a.d[b] * f16(w, p) * isum - a.d[b] * f16(w, p + 2) * summs;
    }
}
