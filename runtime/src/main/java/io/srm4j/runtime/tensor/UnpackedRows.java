package io.srm4j.runtime.tensor;

import static io.srm4j.runtime.tensor.Dequantize.f16;
import static io.srm4j.runtime.tensor.Dequantize.i8;
import static io.srm4j.runtime.tensor.Dequantize.u8;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A block of quantised weight rows unpacked once for prefill: every quant as a 16-bit integer in element order,
 * an integer scale (and min) per 16 quants, float scales per ggml block. Each of the n activation vectors then
 * multiplies the unpacked rows directly, with the same integer arithmetic as {@link ScalarKernels#dotQ}, so bit
 * unpacking is paid once per row instead of once per row and token.
 */
final class UnpackedRows {
    private static final jdk.incubator.vector.VectorSpecies<Short> S16 = VectorKernels.S16;
    private static final jdk.incubator.vector.VectorSpecies<Float> F8 = VectorKernels.F8;

    final GgmlType type;
    final int cols;
    private final int capacity;
    private final boolean superBlocks;
    final short[] q;
    /** The same quants as bytes, for the 32-element types whose products sum in ggml's order (null otherwise). */
    final byte[] qb;
    /** Per 16 quants: K-quant sub-block scale and min (unused for 32-element blocks). */
    final short[] scale, min;
    /** Per ggml block: the weight scale, and the min / dmin (zero where the type has none). */
    final float[] d, m;
    /** Scratch of the ggml-order K-quant products (an instance serves one thread). */
    private final GgmlOrderKQuants.Scratch kScratch = new GgmlOrderKQuants.Scratch();

    UnpackedRows(GgmlType type, int cols, int capacity) {
        this.type = type;
        this.cols = cols;
        this.capacity = capacity;
        this.superBlocks = type.blockSize == 256;
        this.q = new short[capacity * cols];
        this.qb = !superBlocks && ScalarKernels.sumsInGgmlOrder(type) ? new byte[capacity * cols] : null;
        this.scale = new short[capacity * cols / 16];
        this.min = new short[capacity * cols / 16];
        this.d = new float[capacity * cols / type.blockSize];
        this.m = new float[capacity * cols / type.blockSize];
    }

    /** Unpacks {@code nRows <= capacity} rows starting at byte {@code offset}, {@code rowBytes} apart. */
    void unpack(MemorySegment w, long offset, long rowBytes, int nRows) {
        if (nRows > capacity) throw new IllegalArgumentException(nRows + " rows exceed capacity " + capacity);
        int blocksPerRow = cols / type.blockSize;
        for (int r = 0; r < nRows; r++) {
            for (int b = 0; b < blocksPerRow; b++) {
                long p = offset + r * rowBytes + (long) b * type.typeSize;
                int blk = r * blocksPerRow + b, e = blk * type.blockSize, g = e / 16;
                switch (type) {
                    case Q8_0 -> unpackQ8_0(w, p, blk, e, g);
                    case Q4_0, Q4_1 -> unpackQ4_0or1(w, p, blk, e, g);
                    case Q5_0, Q5_1 -> unpackQ5_0or1(w, p, blk, e, g);
                    case Q2_K -> unpackQ2_K(w, p, blk, e, g);
                    case Q3_K -> unpackQ3_K(w, p, blk, e, g);
                    case Q4_K, Q5_K -> unpackQ4_Kor5_K(w, p, blk, e, g);
                    case Q6_K -> unpackQ6_K(w, p, blk, e, g);
                    default -> throw new UnsupportedOperationException("no unpacking for " + type);
                }
                if (qb != null) for (int i = 0; i < type.blockSize; i++) qb[e + i] = (byte) q[e + i];
            }
        }
    }

    // One small method per type keeps each compiled well (a single 1.5 KB method was not).

    private void unpackQ8_0(MemorySegment w, long p, int blk, int e, int g) {
        d[blk] = f16(w, p);
        for (int j = 0; j < 32; j++) q[e + j] = (short) i8(w, p + 2 + j);
    }

    private void unpackQ4_0or1(MemorySegment w, long p, int blk, int e, int g) {
        boolean affine = type == GgmlType.Q4_1;
        d[blk] = f16(w, p);
        m[blk] = affine ? f16(w, p + 2) : 0;
        long qs = p + (affine ? 4 : 2);
        int off = affine ? 0 : 8;
        for (int j = 0; j < 16; j++) {
            int v = u8(w, qs + j);
            q[e + j] = (short) ((v & 0xF) - off);
            q[e + j + 16] = (short) ((v >>> 4) - off);
        }
    }

    private void unpackQ5_0or1(MemorySegment w, long p, int blk, int e, int g) {
        boolean affine = type == GgmlType.Q5_1;
        d[blk] = f16(w, p);
        m[blk] = affine ? f16(w, p + 2) : 0;
        int qh = w.get(Dequantize.I32, p + (affine ? 4 : 2));
        long qs = p + (affine ? 8 : 6);
        int off = affine ? 0 : 16;
        for (int j = 0; j < 16; j++) {
            int v = u8(w, qs + j);
            q[e + j] = (short) (((v & 0xF) | (((qh >>> j) & 1) << 4)) - off);
            q[e + j + 16] = (short) (((v >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) - off);
        }
    }

    private void unpackQ2_K(MemorySegment w, long p, int blk, int e, int g) {
        d[blk] = f16(w, p + 80);
        m[blk] = f16(w, p + 82);
        for (int j = 0; j < 16; j++) {
            int sc = u8(w, p + j);
            scale[g + j] = (short) (sc & 0xF);
            min[g + j] = (short) (sc >>> 4);
            long qp = p + 16 + 32L * (j / 8) + 16 * (j % 2);
            int shift = 2 * ((j % 8) / 2);
            for (int l = 0; l < 16; l++) q[e + 16 * j + l] = (short) ((u8(w, qp + l) >>> shift) & 3);
        }
    }

    private void unpackQ3_K(MemorySegment w, long p, int blk, int e, int g) {
        d[blk] = f16(w, p + 108);
        int[] sc = Dequantize.q3kScales(w, p + 96);
        for (int j = 0; j < 16; j++) {
            scale[g + j] = (short) (sc[j] - 32);
            long qp = p + 32 + 32L * (j / 8) + 16 * (j % 2), hm = p + 16 * (j % 2);
            int shift = 2 * ((j % 8) / 2), bit = 1 << (j / 2);
            for (int l = 0; l < 16; l++) {
                q[e + 16 * j + l] = (short) (((u8(w, qp + l) >>> shift) & 3) - ((u8(w, hm + l) & bit) != 0 ? 0 : 4));
            }
        }
    }

    private void unpackQ4_Kor5_K(MemorySegment w, long p, int blk, int e, int g) {
        boolean five = type == GgmlType.Q5_K;
        d[blk] = f16(w, p);
        m[blk] = f16(w, p + 2);
        long qs = p + (five ? 48 : 16);
        for (int j = 0; j < 8; j++) {
            short sc = (short) Dequantize.scaleMinK4(w, p + 4, j, false);
            short mn = (short) Dequantize.scaleMinK4(w, p + 4, j, true);
            scale[g + 2 * j] = scale[g + 2 * j + 1] = sc;
            min[g + 2 * j] = min[g + 2 * j + 1] = mn;
            long qp = qs + 32L * (j / 2);
            int shift = 4 * (j % 2);
            for (int l = 0; l < 32; l++) {
                int v = (u8(w, qp + l) >>> shift) & 0xF;
                if (five) v |= ((u8(w, p + 16 + l) >>> j) & 1) << 4;
                q[e + 32 * j + l] = (short) v;
            }
        }
    }

    private void unpackQ6_K(MemorySegment w, long p, int blk, int e, int g) {
        d[blk] = f16(w, p + 208);
        for (int j = 0; j < 16; j++) {
            scale[g + j] = (short) i8(w, p + 192 + j);
            int half = j / 8, quarter = (j % 8) / 2, l0 = 16 * (j % 2);
            long ql = p + 64L * half + (quarter % 2) * 32 + l0, qh = p + 128 + 32L * half + l0;
            for (int l = 0; l < 16; l++) {
                int low = (u8(w, ql + l) >>> (4 * (quarter / 2))) & 0xF;
                int high = (u8(w, qh + l) >>> (2 * quarter)) & 3;
                q[e + 16 * j + l] = (short) (low | (high << 4)); // unsigned: ggml subtracts the 32 per lane
            }
        }
    }

    /** Row {@code r} of the block times the activations from element {@code y}. */
    float dot(int r, QuantizedActivations a, int y) {
        return superBlocks ? dotK(r, a, y) : dot32(r, a, y);
    }

    private float dot32(int r, QuantizedActivations a, int y) {
        if (qb != null) return dotGgmlOrder(r, a, y);
        FloatVector acc = FloatVector.zero(F8);
        float mins = 0;
        int e = r * cols, blk = e / 32;
        for (int b = 0; b < cols / 32; b++, e += 32, y += 32, blk++) {
            // |q| <= 128, |a| <= 127: two products fit in a short
            ShortVector prod = ShortVector.fromArray(S16, q, e).mul(ShortVector.fromArray(S16, a.qs16, y))
                    .add(ShortVector.fromArray(S16, q, e + 16).mul(ShortVector.fromArray(S16, a.qs16, y + 16)));
            IntVector sumi = VectorKernels.pairSums(prod);
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, d[blk] * a.d[y / 32]), acc);
            if (a.s != null) mins += m[blk] * a.s[y / 32];
        }
        return VectorKernels.sum(acc) + mins;
    }

    /** Q8_0, Q5_0, Q4_1, Q5_1 in ggml's order, bit for bit {@link ScalarKernels#blocks32InGgmlOrder}. */
    private float dotGgmlOrder(int r, QuantizedActivations a, int y) {
        FloatVector acc = FloatVector.zero(F8);
        float summs = 0;
        int e = r * cols, blk = e / 32;
        for (int b = 0; b < cols / 32; b++, e += 32, y += 32, blk++) {
            IntVector wq = jdk.incubator.vector.ByteVector.fromArray(jdk.incubator.vector.ByteVector.SPECIES_256, qb, e).reinterpretAsInts();
            float scale = d[blk] * a.d[y / 32];
            acc = ((FloatVector) VectorKernels.lanesOf4(wq, a, y).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scale), acc);
            if (a.s != null) summs = Math.fma(m[blk], a.s[y / 32], summs);
        }
        return ScalarKernels.hsum8(acc.toArray()) + summs;
    }

    private float dotK(int r, QuantizedActivations a, int y) {
        if (GgmlOrderKQuants.supports(type)) return GgmlOrderKQuants.dotUnpacked(type, q, scale, min, d, m, r * cols, r * cols / 256, cols, a, y, kScratch);
        float sum = 0;
        int e = r * cols, blk = e / 256;
        for (int b = 0; b < cols / 256; b++, e += 256, y += 256, blk++) {
            int sb = y / 256;
            int isum = superBlock(e, a.qs16, y), summs = 0;
            for (int g = 0; g < 16; g++) summs += min[e / 16 + g] * a.bsums[sb * 16 + g];
            sum += a.d[sb] * d[blk] * isum - a.d[sb] * m[blk] * summs;
        }
        return sum;
    }

    /** Σ_g scale_g · Σ_16 q·a over one super-block. */
    private int superBlock(int e, short[] act, int y) {
        IntVector isum = IntVector.zero(VectorKernels.I8);
        for (int g = 0; g < 16; g++) {
            // |q| <= 32, |a| <= 127: one product per short
            ShortVector prod = ShortVector.fromArray(S16, q, e + 16 * g).mul(ShortVector.fromArray(S16, act, y + 16 * g));
            isum = isum.add(VectorKernels.pairSums(prod).mul(scale[e / 16 + g]));
        }
        return isum.reduceLanes(VectorOperators.ADD);
    }
}
