package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain scalar dequantisation, bit-exact with ggml's block layouts (ggml-common.h) and with the float arithmetic
 * of ggml's {@code dequantize_row_*}: the reference every fast kernel is tested against.
 *
 * <p>Each block method reads one block at byte {@code p} and writes its {@code blockSize} floats at {@code y}.
 * Written for readability, not speed.
 */
public final class Dequantize {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantize() {}

    /** Dequantises {@code n} elements starting at byte {@code offset} of {@code src} (a block boundary). */
    public static void row(GgmlType type, MemorySegment src, long offset, float[] dst, int dstOffset, int n) {
        long bytes = type.rowBytes(n); // also rejects n that is not a whole number of blocks
        if (offset < 0 || offset + bytes > src.byteSize()) {
            throw new IndexOutOfBoundsException(type + " row of " + n + " elements at byte " + offset
                    + " runs past the end of a " + src.byteSize() + "-byte segment");
        }
        if (dstOffset < 0 || dstOffset + n > dst.length) {
            throw new IndexOutOfBoundsException("destination [" + dstOffset + ", " + (dstOffset + n) + ") outside float[" + dst.length + "]");
        }
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32, offset, dst, dstOffset, n);
            case F16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = Float.float16ToFloat(src.get(I16, offset + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = bf16ToFloat(src.get(I16, offset + 2L * i));
            }
            default -> {
                int blocks = n / type.blockSize;
                for (int b = 0; b < blocks; b++) {
                    long p = offset + (long) b * type.typeSize;
                    int y = dstOffset + b * type.blockSize;
                    switch (type) {
                        case Q8_0 -> q8_0(src, p, dst, y);
                        case Q4_0 -> q4_0(src, p, dst, y);
                        case Q4_1 -> q4_1(src, p, dst, y);
                        case Q5_0 -> q5_0(src, p, dst, y);
                        case Q5_1 -> q5_1(src, p, dst, y);
                        case Q2_K -> q2_K(src, p, dst, y);
                        case Q3_K -> q3_K(src, p, dst, y);
                        case Q4_K -> q4_K(src, p, dst, y);
                        case Q5_K -> q5_K(src, p, dst, y);
                        case Q6_K -> q6_K(src, p, dst, y);
                        default -> throw new UnsupportedOperationException("dequantisation of " + type + " is not implemented");
                    }
                }
            }
        }
    }

    /** Convenience for byte arrays (tests, the quantiser's round trip). */
    public static float[] row(GgmlType type, byte[] src, int n) {
        float[] out = new float[n];
        row(type, MemorySegment.ofArray(src), 0, out, 0, n);
        return out;
    }

    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    static float f16(MemorySegment s, long p) {
        return Float.float16ToFloat(s.get(I16, p));
    }

    static int u8(MemorySegment s, long p) {
        return Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, p));
    }

    static int i8(MemorySegment s, long p) {
        return s.get(ValueLayout.JAVA_BYTE, p);
    }

    // block_q8_0: f16 d, int8 qs[32]
    private static void q8_0(MemorySegment s, long p, float[] y, int o) {
        float d = f16(s, p);
        for (int j = 0; j < 32; j++) y[o + j] = i8(s, p + 2 + j) * d;
    }

    // block_q4_0: f16 d, qs[16]; byte j: element j in the low nibble, element j+16 in the high nibble; offset 8
    private static void q4_0(MemorySegment s, long p, float[] y, int o) {
        float d = f16(s, p);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, p + 2 + j);
            y[o + j] = ((q & 0x0F) - 8) * d;
            y[o + j + 16] = ((q >>> 4) - 8) * d;
        }
    }

    // block_q4_1: f16 d, f16 m, qs[16]; x = q*d + m
    private static void q4_1(MemorySegment s, long p, float[] y, int o) {
        float d = f16(s, p), m = f16(s, p + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, p + 4 + j);
            y[o + j] = (q & 0x0F) * d + m;
            y[o + j + 16] = (q >>> 4) * d + m;
        }
    }

    // block_q5_0: f16 d, uint32 qh (bit j = 5th bit of element j), qs[16]; offset 16
    private static void q5_0(MemorySegment s, long p, float[] y, int o) {
        float d = f16(s, p);
        int qh = s.get(I32, p + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, p + 6 + j);
            int h0 = ((qh >>> j) << 4) & 0x10;
            int h1 = (qh >>> (j + 12)) & 0x10;
            y[o + j] = (((q & 0x0F) | h0) - 16) * d;
            y[o + j + 16] = (((q >>> 4) | h1) - 16) * d;
        }
    }

    // block_q5_1: f16 d, f16 m, uint32 qh, qs[16]; x = q*d + m
    private static void q5_1(MemorySegment s, long p, float[] y, int o) {
        float d = f16(s, p), m = f16(s, p + 2);
        int qh = s.get(I32, p + 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, p + 8 + j);
            int h0 = ((qh >>> j) << 4) & 0x10;
            int h1 = (qh >>> (j + 12)) & 0x10;
            y[o + j] = ((q & 0x0F) | h0) * d + m;
            y[o + j + 16] = ((q >>> 4) | h1) * d + m;
        }
    }

    // block_q2_K: scales[16] (low nibble scale, high nibble min), qs[64], f16 d, f16 dmin.
    // Each half of 128 elements uses 32 bytes of qs; 2-bit field `shift` of byte l holds element 32*(shift/2) + l.
    private static void q2_K(MemorySegment s, long p, float[] y, int o) {
        float d = f16(s, p + 80), min = f16(s, p + 82);
        long q = p + 16;
        int is = 0;
        for (int half = 0; half < 2; half++) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int sub = 0; sub < 2; sub++) {
                    int sc = u8(s, p + is++);
                    float dl = d * (sc & 0xF), ml = min * (sc >>> 4);
                    for (int l = 0; l < 16; l++) y[o++] = dl * ((u8(s, q + 16 * sub + l) >>> shift) & 3) - ml;
                }
            }
            q += 32;
        }
    }

    // block_q3_K: hmask[32], qs[64], scales[12] (16 six-bit signed scales, offset 32), f16 d.
    // Element value = low 2 bits from qs, minus 4 when its hmask bit is clear.
    private static void q3_K(MemorySegment s, long p, float[] y, int o) {
        float dAll = f16(s, p + 108);
        int[] scales = q3kScales(s, p + 96);
        long q = p + 32;
        int m = 1, is = 0;
        for (int half = 0; half < 2; half++) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int sub = 0; sub < 2; sub++) {
                    float dl = dAll * (scales[is++] - 32);
                    for (int l = 0; l < 16; l++) {
                        int lo = (u8(s, q + 16 * sub + l) >>> shift) & 3;
                        int hi = (u8(s, p + 16 * sub + l) & m) != 0 ? 0 : 4;
                        y[o++] = dl * (lo - hi);
                    }
                }
                m <<= 1;
            }
            q += 32;
        }
    }

    /** The 16 unsigned 6-bit Q3_K scales (0..63, stored with an offset of 32) from their 12-byte packing. */
    static int[] q3kScales(MemorySegment s, long p) {
        int[] sc = new int[16];
        for (int j = 0; j < 16; j++) {
            int low = j < 8 ? u8(s, p + j) & 0xF : u8(s, p + j - 8) >>> 4;
            int high = (u8(s, p + 8 + j % 4) >>> (2 * (j / 4))) & 3;
            sc[j] = low | (high << 4);
        }
        return sc;
    }

    /** Q4_K/Q5_K 6-bit scale (index 0) and min (index 1) of sub-block j from the 12-byte packing at p. */
    static int scaleMinK4(MemorySegment s, long p, int j, boolean min) {
        if (j < 4) return u8(s, p + j + (min ? 4 : 0)) & 63;
        int packed = u8(s, p + j + 4);
        return min ? (packed >>> 4) | ((u8(s, p + j) >>> 6) << 4)
                : (packed & 0xF) | ((u8(s, p + j - 4) >>> 6) << 4);
    }

    // block_q4_K: f16 d, f16 dmin, scales[12], qs[128]; 8 sub-blocks of 32, each 32-byte group of qs holds two
    // sub-blocks (low nibbles, then high nibbles). x = d*sc*q - dmin*m
    private static void q4_K(MemorySegment s, long p, float[] y, int o) {
        float d = f16(s, p), min = f16(s, p + 2);
        long q = p + 16;
        for (int is = 0; is < 8; is += 2) {
            float d1 = d * scaleMinK4(s, p + 4, is, false), m1 = min * scaleMinK4(s, p + 4, is, true);
            float d2 = d * scaleMinK4(s, p + 4, is + 1, false), m2 = min * scaleMinK4(s, p + 4, is + 1, true);
            for (int l = 0; l < 32; l++) y[o++] = d1 * (u8(s, q + l) & 0xF) - m1;
            for (int l = 0; l < 32; l++) y[o++] = d2 * (u8(s, q + l) >>> 4) - m2;
            q += 32;
        }
    }

    // block_q5_K: f16 d, f16 dmin, scales[12], qh[32], qs[128]; as Q4_K plus a 5th bit: sub-block is takes bit is of qh[l]
    private static void q5_K(MemorySegment s, long p, float[] y, int o) {
        float d = f16(s, p), min = f16(s, p + 2);
        long qh = p + 16, ql = p + 48;
        int u1 = 1, u2 = 2;
        for (int is = 0; is < 8; is += 2) {
            float d1 = d * scaleMinK4(s, p + 4, is, false), m1 = min * scaleMinK4(s, p + 4, is, true);
            float d2 = d * scaleMinK4(s, p + 4, is + 1, false), m2 = min * scaleMinK4(s, p + 4, is + 1, true);
            for (int l = 0; l < 32; l++) y[o++] = d1 * ((u8(s, ql + l) & 0xF) + ((u8(s, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) y[o++] = d2 * ((u8(s, ql + l) >>> 4) + ((u8(s, qh + l) & u2) != 0 ? 16 : 0)) - m2;
            ql += 32;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    // block_q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), int8 scales[16], f16 d; offset 32.
    // Per half of 128: element l, l+32, l+64, l+96 share ql[l], ql[l+32] nibbles and the four 2-bit fields of qh[l].
    private static void q6_K(MemorySegment s, long p, float[] y, int o) {
        float d = f16(s, p + 208);
        long ql = p, qh = p + 128, sc = p + 192;
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int a = u8(s, ql + l), b = u8(s, ql + l + 32), h = u8(s, qh + l);
                int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((b & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((b >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                y[o + l] = d * i8(s, sc + is) * q1;
                y[o + l + 32] = d * i8(s, sc + is + 2) * q2;
                y[o + l + 64] = d * i8(s, sc + is + 4) * q3;
                y[o + l + 96] = d * i8(s, sc + is + 6) * q4;
            }
            o += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }
}
