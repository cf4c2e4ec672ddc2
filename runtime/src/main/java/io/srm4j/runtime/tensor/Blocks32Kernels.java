package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_0, Q5_1 and Q4_1 products in float lanes, bit-identical to {@link ScalarKernels#blocks32InGgmlOrder} (ggml's
 * AVX2 {@code ggml_vec_dot_q5_0_q8_0} / {@code _q4_1_q8_1} / {@code _q5_1_q8_1} order, which llama.cpp also keeps for
 * Q5_0 prompts through tinyBLAS): one token ({@link #matVecRows}, decode) and several ({@link #matMulRows}, prefill).
 *
 * <p>ggml's order is Q8_0's ({@link Q8_0Kernels}): per 32-block eight lanes, lane l the exact integer sum of elements
 * 4l..4l+3, {@code acc[l] = fma(d_w * d_a, lane, acc[l])}, {@link ScalarKernels#hsum8} at the end, and for the affine
 * types {@code + Σ fma(m_w, s_a)} over the blocks. A lane's four products (|q_w| <= 31, |q_a| <= 127) are integers
 * summing below 2^24, so float FMA gets them exactly in any order. So both kernels are Q8_0's with another unpacking:
 *
 * <ul>
 *   <li>One token: a block's 32 quants are built as eight int lanes, lane l holding elements 4l..4l+3 one per byte
 *       ({@link #quants}: the 16 nibble bytes broadcast twice, the second half shifted by 4; the fifth bits spread
 *       into place by one multiply; Q5_0's -16 as sign bytes), then multiplied by the activations laid out
 *       {@link Q8_0Kernels#laneMajor} exactly as the Q8_0 kernel does. This replaced {@link VectorKernels#dotQ}'s
 *       32-bit integer multiplies.</li>
 *   <li>Several tokens: rows unpacked to floats in element order and summed by {@link Q8_0Kernels}' token-lane tiles
 *       ({@link TokenLaneProduct}); the affine types' {@code Σ m_w s_a} is then added per row and token, in token
 *       lanes, in the scalar twin's order.</li>
 * </ul>
 */
final class Blocks32Kernels {
    private Blocks32Kernels() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Long> L4 = LongVector.SPECIES_256;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final int LANES = BlockActivations.LANES;

    /**
     * Fewest tokens for {@link #matMulRows}: a pass of the tiles costs as much for 1 token as for 8, about four
     * single-token products ({@link #matVecRows}) of Qwen2.5-0.5B's 4864x896 (Q5_0KernelProbe: 3 tokens 3.1 ms
     * against 3 x 0.7, 4 tokens 2.9 against 4 x 0.7), so fewer tokens go one at a time (the same bits).
     */
    static final int MIN_TILE_TOKENS = 4;

    static boolean supports(GgmlType type) {
        return VectorKernels.INT_PATH && (type == GgmlType.Q5_0 || type == GgmlType.Q5_1 || type == GgmlType.Q4_1);
    }

    /** Where a block's fields sit and how its quants are offset. */
    enum Layout {
        Q4_0(-1, 2, -8), Q5_0(2, 6, -16), Q4_1(-1, 4, 0), Q5_1(4, 8, 0);

        /** Byte offset of the 32 fifth bits (-1: none), of the 16 nibble bytes, and what is added to each quant. */
        final int qhAt, qsAt, offset;

        Layout(int qhAt, int qsAt, int offset) {
            this.qhAt = qhAt;
            this.qsAt = qsAt;
            this.offset = offset;
        }

        boolean affine() {
            return offset == 0;
        }

        static Layout of(GgmlType type) {
            return switch (type) {
                case Q4_0 -> Q4_0;
                case Q5_0 -> Q5_0;
                case Q4_1 -> Q4_1;
                case Q5_1 -> Q5_1;
                default -> throw new IllegalArgumentException("not a 4/5-bit 32-block type: " + type);
            };
        }
    }

    /** Int lanes 0..3 twice: the 16 nibble bytes in both halves. */
    private static final VectorShuffle<Integer> TWICE = VectorShuffle.fromValues(I8, 0, 1, 2, 3, 0, 1, 2, 3);
    /** Longs 0 and 2 from one word, 1 and 3 from the other: the 16 nibble bytes twice. */
    private static final VectorMask<Long> ODD_LONGS = VectorMask.fromValues(L4, false, true, false, true);
    /** Lanes 4..7 take the high nibbles (elements 16..31). */
    private static final IntVector HALF_SHIFTS = IntVector.fromArray(I8, new int[] {0, 0, 0, 0, 4, 4, 4, 4}, 0);
    /** Lane l takes fifth bits 4l..4l+3. */
    private static final IntVector QH_SHIFTS = IntVector.fromArray(I8, new int[] {0, 4, 8, 12, 16, 20, 24, 28}, 0);
    /** Bit k of a 4-bit value to bit 8k+4 (the products do not overlap, so no carries). */
    private static final int SPREAD = (1 << 4) | (1 << 11) | (1 << 18) | (1 << 25);

    /**
     * The block at {@code p}'s 32 quants (offset applied) as signed bytes in element order, four per int lane: lane l
     * holds elements 4l..4l+3 (bytes 0..3), as ggml's AVX2 kernels pair them with the activations.
     */
    static IntVector quants(MemorySegment w, long p, Layout f) {
        long lo = w.get(I64, p + f.qsAt), hi = w.get(I64, p + f.qsAt + 8);
        return withHighBits(w, p, f, LongVector.broadcast(L4, lo).blend(hi, ODD_LONGS).reinterpretAsInts());
    }

    /**
     * As {@link #quants}, the nibbles from one 32-byte load (16 bytes past the block, so not for a segment's last
     * block) and a lane permute: ~20% faster decode than two longs broadcast and blended. (One method taking a flag
     * for the two loads was slower still: C2 boxed the vector merged from the two paths.)
     */
    static IntVector quantsWide(MemorySegment w, long p, Layout f) {
        return withHighBits(w, p, f, ByteVector.fromMemorySegment(B32, w, p + f.qsAt, LE).reinterpretAsInts().rearrange(TWICE));
    }

    /** The 16 nibble bytes in int lanes 0..3 and again in 4..7 to the block's quants. */
    private static IntVector withHighBits(MemorySegment w, long p, Layout f, IntVector twice) {
        IntVector q = twice.lanewise(VectorOperators.LSHR, HALF_SHIFTS).and(0x0F0F0F0F);
        if (f.qhAt >= 0) {
            int qh = w.get(Dequantize.I32, p + f.qhAt);
            // Q5_0: the set bits are where qh is clear, and become a sign byte (nibble - 16); Q5_1: they add 16
            IntVector bits = IntVector.broadcast(I8, f.affine() ? qh : ~qh).lanewise(VectorOperators.LSHR, QH_SHIFTS)
                    .and(0xF).mul(SPREAD).and(0x10101010);
            q = q.or(f.affine() ? bits : bits.lanewise(VectorOperators.LSHL, 4).sub(bits));
        } else if (f.offset == -8) {
            // nibble - 8: bit 3 flipped, a sign byte where it was clear
            IntVector clear = q.not().and(0x08080808);
            q = q.lanewise(VectorOperators.XOR, 0x08080808).or(clear.lanewise(VectorOperators.LSHL, 5).sub(clear.lanewise(VectorOperators.LSHL, 1)));
        }
        return q;
    }

    // ------------------------------------------------------------------ one token

    /**
     * {@code out[outOffset + r] = W[r] · a} for rows {@code [from, to)} of the {@code type} matrix at {@code w}
     * ({@code rowBytes} apart); {@code x} from {@link Q8_0Kernels#laneMajor} of the activations, {@code d} their
     * block scales and {@code s} their block sums (Q8_1; unused for Q5_0).
     */
    static void matVecRows(GgmlType type, MemorySegment w, long rowBytes, float[] x, float[] d, float[] s, int from, int to,
                           float[] out, int outOffset) {
        Layout f = Layout.of(type);
        int blocks = x.length / 32, bb = type.typeSize;
        // rows whose last block may be read 32 bytes wide: all but the segment's last (16 bytes of slack needed)
        int wideTo = (int) Math.min(to, Math.max(from, (w.byteSize() - 16) / rowBytes));
        // one simple loop per kernel: a loop choosing among them per row kept C2 from compiling the Q5_0 one as well
        int r = from;
        if (f == Layout.Q5_0) {
            // + 0f as the scalar twin, which adds its (zero) sum of mins
            for (; r < wideTo; r++) out[outOffset + r] = rowWideQ5_0(w, r * rowBytes, x, d, blocks) + 0f;
        } else {
            for (; r < wideTo; r++) out[outOffset + r] = rowWide(w, r * rowBytes, f, bb, x, d, blocks) + mins(w, r * rowBytes, f, bb, s, blocks);
        }
        for (; r < to; r++) out[outOffset + r] = row(w, r * rowBytes, f, bb, x, d, blocks) + mins(w, r * rowBytes, f, bb, s, blocks);
    }

    /** Byte {@code k} of every int lane, sign-extended, as floats. */
    private static FloatVector byteOfLanes(IntVector q, int k) {
        return (FloatVector) q.lanewise(VectorOperators.LSHL, 24 - 8 * k).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
    }

    /** Exact lane sums of a block: lane l is Σ of elements 4l..4l+3 times their activations. */
    private static FloatVector laneSums(IntVector q, float[] x, int e) {
        FloatVector t = byteOfLanes(q, 0).mul(FloatVector.fromArray(F8, x, e));
        t = byteOfLanes(q, 1).fma(FloatVector.fromArray(F8, x, e + 8), t);
        t = byteOfLanes(q, 2).fma(FloatVector.fromArray(F8, x, e + 16), t);
        return byteOfLanes(q, 3).fma(FloatVector.fromArray(F8, x, e + 24), t);
    }

    /** hsum8 of ggml's scaled lanes for the row at p, the nibbles loaded 32 bytes wide ({@link #quantsWide}). */
    private static float rowWide(MemorySegment w, long p, Layout f, int blockBytes, float[] x, float[] d, int blocks) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0, e = 0; b < blocks; b++, e += 32, p += blockBytes) {
            FloatVector t = laneSums(quantsWide(w, p, f), x, e);
            acc = FloatVector.broadcast(F8, Dequantize.f16(w, p) * d[b]).fma(t, acc);
        }
        return hsum8(acc);
    }

    /**
     * {@link #rowWide} for Q5_0 with its layout in constants: the generic one reads the layout from an object C2
     * cannot fold, and its branches on it cost Q5_0 decode ~10%.
     */
    private static float rowWideQ5_0(MemorySegment w, long p, float[] x, float[] d, int blocks) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0, e = 0; b < blocks; b++, e += 32, p += 22) {
            IntVector q = ByteVector.fromMemorySegment(B32, w, p + 6, LE).reinterpretAsInts().rearrange(TWICE)
                    .lanewise(VectorOperators.LSHR, HALF_SHIFTS).and(0x0F0F0F0F);
            IntVector clear = IntVector.broadcast(I8, ~w.get(Dequantize.I32, p + 2)).lanewise(VectorOperators.LSHR, QH_SHIFTS)
                    .and(0xF).mul(SPREAD).and(0x10101010);
            q = q.or(clear.lanewise(VectorOperators.LSHL, 4).sub(clear));
            acc = FloatVector.broadcast(F8, Dequantize.f16(w, p) * d[b]).fma(laneSums(q, x, e), acc);
        }
        return hsum8(acc);
    }

    /** As {@link #rowWide}, reading only the row's own bytes. */
    private static float row(MemorySegment w, long p, Layout f, int blockBytes, float[] x, float[] d, int blocks) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0, e = 0; b < blocks; b++, e += 32, p += blockBytes) {
            FloatVector t = laneSums(quants(w, p, f), x, e);
            acc = FloatVector.broadcast(F8, Dequantize.f16(w, p) * d[b]).fma(t, acc);
        }
        return hsum8(acc);
    }

    /** The affine types' Σ_b fma(m_w, s_a), in block order as the scalar twin; 0 for Q5_0, whose twin adds 0 too. */
    private static float mins(MemorySegment w, long p, Layout f, int blockBytes, float[] s, int blocks) {
        float summs = 0;
        if (!f.affine()) return summs;
        for (int b = 0; b < blocks; b++, p += blockBytes) summs = Math.fma(Dequantize.f16(w, p + 2), s[b], summs);
        return summs;
    }

    /** {@link ScalarKernels#hsum8} of the vector's lanes. */
    private static float hsum8(FloatVector v) {
        float r0 = v.lane(4) + v.lane(0), r1 = v.lane(5) + v.lane(1), r2 = v.lane(6) + v.lane(2), r3 = v.lane(7) + v.lane(3);
        return (r0 + r2) + (r1 + r3);
    }

    // ------------------------------------------------------------------ several tokens

    private static final TokenLanes Q5_0_LANES = new TokenLanes(Layout.Q5_0, GgmlType.Q5_0.typeSize);
    private static final TokenLanes Q4_1_LANES = new TokenLanes(Layout.Q4_1, GgmlType.Q4_1.typeSize);
    private static final TokenLanes Q5_1_LANES = new TokenLanes(Layout.Q5_1, GgmlType.Q5_1.typeSize);

    /**
     * {@code out[t * outStride + r] = W[r] · a_t} for rows {@code [from, to)} of the {@code type} matrix at {@code w}
     * and every token of {@code a} ({@link BlockActivations#forTokens} of the type's activation format).
     */
    static void matMulRows(GgmlType type, MemorySegment w, long rowBytes, BlockActivations a, int from, int to, float[] out, int outStride) {
        TokenLanes f = switch (type) {
            case Q5_0 -> Q5_0_LANES;
            case Q4_1 -> Q4_1_LANES;
            case Q5_1 -> Q5_1_LANES;
            default -> throw new IllegalArgumentException("no token-lane kernel for " + type);
        };
        TokenLaneProduct.matMulRows(f, w, rowBytes, a, a.length, a.count, from, to, out, outStride);
        if (f.layout.affine()) addMins(w, rowBytes, type.typeSize, a, from, to, out, outStride);
    }

    /**
     * The affine types' {@code + Σ_b fma(m_w, s_a)}, per row and token as the scalar twin sums it (after the lanes'
     * {@code hsum8}), eight tokens in the lanes.
     */
    private static void addMins(MemorySegment w, long rowBytes, int blockBytes, BlockActivations a, int from, int to, float[] out, int outStride) {
        if (a.s == null) throw new IllegalArgumentException("affine weights need Q8_1 activations (block sums)");
        float[] s = a.s;
        int blocks = a.blocks, groups = BlockActivations.groups(a.count);
        for (int r = from; r < to; r++) {
            long p0 = r * rowBytes + 2;
            for (int g = 0; g < groups; g++) {
                FloatVector summs = FloatVector.zero(F8);
                long p = p0;
                for (int b = 0, o = g * blocks * LANES; b < blocks; b++, o += LANES, p += blockBytes) {
                    summs = FloatVector.broadcast(F8, Dequantize.f16(w, p)).fma(FloatVector.fromArray(F8, s, o), summs);
                }
                int tokens = Math.min(LANES, a.count - g * LANES);
                for (int t = 0; t < tokens; t++) {
                    int i = (g * LANES + t) * outStride + r;
                    out[i] = out[i] + summs.lane(t);
                }
            }
        }
    }

    /** Q8_0's tiles ({@link Q8_0Kernels.TokenLanes}) over rows unpacked from this format. */
    static final class TokenLanes extends Q8_0Kernels.TokenLanes {
        final Layout layout;
        private final int blockBytes;

        TokenLanes(Layout layout, int blockBytes) {
            this.layout = layout;
            this.blockBytes = blockBytes;
        }

        /** Per-thread bytes of one block's quants. */
        private static final ThreadLocal<byte[]> BLOCK = ThreadLocal.withInitial(() -> new byte[32]);

        /**
         * A row's quants (offset applied) as floats in element order, and its block scales: each block built as bytes
         * by {@link #quants} (its 32-byte form where the segment allows), stored, and widened eight at a time. Faster
         * than widening the nibble bytes and placing the fifth bits eight elements at a time (4x decode's time).
         */
        @Override
        public void unpackRow(MemorySegment w, long p, int blocks, float[] wf, int o, float[] wd, int dO) {
            Layout f = layout;
            byte[] q = BLOCK.get();
            boolean wide = p + (long) blocks * blockBytes + 16 <= w.byteSize();
            for (int b = 0; b < blocks; b++, p += blockBytes, o += 32) {
                wd[dO + b] = Dequantize.f16(w, p);
                if (wide) quantsWide(w, p, f).reinterpretAsBytes().intoArray(q, 0);
                else quants(w, p, f).reinterpretAsBytes().intoArray(q, 0);
                widen(q, 0, wf, o);
                widen(q, 8, wf, o + 8);
                widen(q, 16, wf, o + 16);
                widen(q, 24, wf, o + 24);
            }
        }

        private static void widen(byte[] q, int i, float[] wf, int o) {
            ((FloatVector) ((IntVector) ByteVector.fromArray(B8, q, i).convertShape(VectorOperators.B2I, I8, 0)).convert(VectorOperators.I2F, 0)).intoArray(wf, o);
        }
    }
}
