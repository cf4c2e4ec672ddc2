package io.srm4j.runtime.tensor;

import static io.srm4j.runtime.tensor.Dequantize.f16;
import static io.srm4j.runtime.tensor.Dequantize.i8;
import static io.srm4j.runtime.tensor.Dequantize.u8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q2_K, Q3_K, Q5_K and Q6_K products with Q8_K activations summed exactly as llama.cpp's x86 kernels
 * {@code ggml_vec_dot_q{2,3,5,6}_K_q8_K} (AVX2) do: what llama.cpp runs for these types on AVX2 machines, for prompts
 * and single tokens alike (CPU_REPACK repacks Q2_K only with AVX-512, tinyBLAS takes no K-quants).
 *
 * <p>Per super-block of 256, ggml keeps eight int32 lanes: lane l holds, over the eight 32-element chunks, the
 * sub-block scale times the integer sum of elements 4l..4l+3 of the chunk (lanes 0-3 lie in the chunk's first 16,
 * lanes 4-7 in its second). Integer sums are exact, so only that split into lanes matters. Then, per lane:
 * <ul>
 *   <li>Q6_K subtracts its offset 32 per lane as {@code 32 * (bsums[2l] * sc[2l] + bsums[2l+1] * sc[2l+1])} (the
 *       quants themselves are summed unsigned);</li>
 *   <li>Q2_K first adds its mins per lane, {@code acc = fma(-d_a * dmin, mins[2l] * bsums[2l] + mins[2l+1] * bsums[2l+1], acc)};</li>
 *   <li>then {@code acc = fma(d_a * d, (float) lane, acc)} into eight float lanes carried across super-blocks,</li>
 * </ul>
 * and at the end {@link ScalarKernels#hsum8}; Q5_K adds its mins in one float beside the lanes,
 * {@code summs = fma(-d_a * dmin, Σ_j m_j (bsums[2j] + bsums[2j+1]), summs)}, to the lanes' sum.
 *
 * <p>{@link #dotScalar} is the plain twin; {@link #dot} (decode) and {@link #dotUnpacked} (prefill, on
 * {@link UnpackedRows}) are bit-identical vector kernels ({@code GgmlKQuantOrderTest}, which also holds all three to
 * results computed by ggml's own library). The vector kernels multiply 16 quants at a time as shorts and pair them
 * into int lanes (elements 2m, 2m+1 of a 16-group); they keep the pair sums of first and second chunk halves apart
 * and form ggml's four-element lanes once per super-block ({@link #ggmlLanes}).
 */
public final class GgmlOrderKQuants {
    private GgmlOrderKQuants() {}

    private static final VectorSpecies<Short> S16 = VectorKernels.S16;
    private static final VectorSpecies<Integer> I8 = VectorKernels.I8;
    private static final VectorSpecies<Float> F8 = VectorKernels.F8;
    private static final VectorSpecies<Byte> B16 = VectorKernels.B16;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(VectorKernels.LE);

    /** True for the types summed here. */
    public static boolean supports(GgmlType type) {
        return type == GgmlType.Q2_K || type == GgmlType.Q3_K || type == GgmlType.Q5_K || type == GgmlType.Q6_K;
    }

    // ------------------------------------------------------------------ scalar twin

    /** The reference: ggml's lanes one element at a time. {@code a.format} must be Q8_K (see {@link ScalarKernels#checkQ}). */
    public static float dotScalar(GgmlType type, MemorySegment w, long offset, QuantizedActivations a, int aOffset, int n) {
        int[] q = new int[256], sc = new int[16], mn = new int[16], lane = new int[8];
        float[] acc = new float[8];
        float summs = 0;
        for (int b = 0; b < n / 256; b++) {
            long p = offset + (long) b * type.typeSize;
            int y = aOffset + 256 * b, sb = y / 256, bs = sb * 16;
            float d = a.d[sb] * f16(w, p + dOffset(type));
            quants(type, w, p, q, sc, mn);
            java.util.Arrays.fill(lane, 0);
            for (int chunk = 0; chunk < 8; chunk++) {
                for (int l = 0; l < 8; l++) {
                    int e = 32 * chunk + 4 * l, s = 0;
                    for (int i = 0; i < 4; i++) s += q[e + i] * a.qs[y + e + i];
                    lane[l] += sc[2 * chunk + l / 4] * s;
                }
            }
            switch (type) {
                case Q2_K -> {
                    float dmin = -a.d[sb] * f16(w, p + 82);
                    for (int l = 0; l < 8; l++) {
                        acc[l] = Math.fma(dmin, (float) (mn[2 * l] * a.bsums[bs + 2 * l] + mn[2 * l + 1] * a.bsums[bs + 2 * l + 1]), acc[l]);
                    }
                }
                case Q5_K -> {
                    float dmin = -a.d[sb] * f16(w, p + 2);
                    int mins = 0;
                    for (int g = 0; g < 16; g++) mins += mn[g] * a.bsums[bs + g];
                    summs = Math.fma(dmin, (float) mins, summs);
                }
                case Q6_K -> {
                    for (int l = 0; l < 8; l++) lane[l] -= 32 * (a.bsums[bs + 2 * l] * sc[2 * l] + a.bsums[bs + 2 * l + 1] * sc[2 * l + 1]);
                }
                default -> {}
            }
            for (int l = 0; l < 8; l++) acc[l] = Math.fma(d, (float) lane[l], acc[l]);
        }
        return ScalarKernels.hsum8(acc) + summs;
    }

    /** Byte offset of the f16 super-block scale d. */
    private static int dOffset(GgmlType type) {
        return switch (type) {
            case Q2_K -> 80;
            case Q3_K -> 108;
            case Q5_K -> 0;
            case Q6_K -> 208;
            default -> throw new IllegalArgumentException("not a ggml-order K-quant: " + type);
        };
    }

    /**
     * One super-block's quants in element order as ggml's kernel multiplies them (Q3_K signed, q - 4 where the hmask
     * bit is clear; Q6_K unsigned, its 32 subtracted per lane later), the scale of each 16 elements and, for Q2_K /
     * Q5_K, the min.
     */
    private static void quants(GgmlType type, MemorySegment w, long p, int[] q, int[] sc, int[] mn) {
        switch (type) {
            case Q2_K -> {
                for (int j = 0; j < 16; j++) {
                    int s = u8(w, p + j);
                    sc[j] = s & 0xF;
                    mn[j] = s >>> 4;
                    long qp = p + 16 + 32L * (j / 8) + 16 * (j % 2);
                    for (int l = 0; l < 16; l++) q[16 * j + l] = (u8(w, qp + l) >>> (2 * ((j % 8) / 2))) & 3;
                }
            }
            case Q3_K -> {
                int[] s = Dequantize.q3kScales(w, p + 96);
                for (int j = 0; j < 16; j++) {
                    sc[j] = s[j] - 32;
                    long qp = p + 32 + 32L * (j / 8) + 16 * (j % 2), hm = p + 16 * (j % 2);
                    for (int l = 0; l < 16; l++) {
                        int low = (u8(w, qp + l) >>> (2 * ((j % 8) / 2))) & 3;
                        q[16 * j + l] = low - ((u8(w, hm + l) >>> (j / 2) & 1) != 0 ? 0 : 4);
                    }
                }
            }
            case Q5_K -> {
                for (int j = 0; j < 8; j++) {
                    sc[2 * j] = sc[2 * j + 1] = Dequantize.scaleMinK4(w, p + 4, j, false);
                    mn[2 * j] = mn[2 * j + 1] = Dequantize.scaleMinK4(w, p + 4, j, true);
                    long qp = p + 48 + 32L * (j / 2);
                    for (int l = 0; l < 32; l++) {
                        q[32 * j + l] = ((u8(w, qp + l) >>> (4 * (j % 2))) & 0xF) | (((u8(w, p + 16 + l) >>> j) & 1) << 4);
                    }
                }
            }
            case Q6_K -> {
                for (int j = 0; j < 16; j++) {
                    sc[j] = i8(w, p + 192 + j);
                    int half = j / 8, quarter = (j % 8) / 2, l0 = 16 * (j % 2);
                    long ql = p + 64L * half + 32 * (quarter % 2) + l0, qh = p + 128 + 32L * half + l0;
                    for (int l = 0; l < 16; l++) {
                        int low = (u8(w, ql + l) >>> (4 * (quarter / 2))) & 0xF;
                        q[16 * j + l] = low | (((u8(w, qh + l) >>> (2 * quarter)) & 3) << 4);
                    }
                }
            }
            default -> throw new IllegalArgumentException("not a ggml-order K-quant: " + type);
        }
    }

    // ------------------------------------------------------------------ vector kernels
    //
    // C2 inlines every Vector API call only while a compilation stays under its node budget
    // (NodeCountInliningCutoff); past it, vectors crossing calls that are not inlined get boxed and a kernel slows down
    // severalfold. So each kernel is split: a per-type method runs a super-block's chunks and leaves its pair sums in
    // an int array ({@link #FIRST}, {@link #SECOND}) with the per-lane terms ({@link #OFFSET}, {@link #MINS}),
    // and {@link #finish} turns them into ggml's lanes and accumulates them into a float array. Each is its own
    // small compilation; the arrays stay in L1.

    /** Slots of the per-super-block int array: pair sums of first and second chunk halves, lane terms. */
    private static final int FIRST = 0, SECOND = 8, OFFSET = 16, MINS = 24, SLOTS = 32;

    /** Int lanes 1, 3, 5, 7. */
    private static final VectorMask<Integer> ODD_LANES = VectorMask.fromValues(I8, false, true, false, true, false, true, false, true);
    /** Lane 2k of {@link #ggmlLanes}' interleaved sums is ggml's lane k, lane 2k+1 its lane 4+k. */
    private static final VectorShuffle<Integer> UNINTERLEAVE = VectorShuffle.fromValues(I8, 0, 2, 4, 6, 1, 3, 5, 7);

    /**
     * ggml's eight lanes from pair sums: {@code first} lane m holds elements 2m, 2m+1 of every chunk's first 16 (summed
     * over the chunks, scaled), {@code second} the same of the second 16; ggml's lane k &lt; 4 is first[2k] + first[2k+1],
     * lane 4 + k is second[2k] + second[2k+1]. Adjacent int lanes are added through 64-bit shifts (no shuffles), the
     * two interleaved by a blend, then put in ggml's order by one permutation.
     */
    static IntVector ggmlLanes(IntVector first, IntVector second) {
        IntVector lo = first.add(first.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsInts());
        IntVector hi = second.add(second.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsInts());
        return lo.blend(hi, ODD_LANES).rearrange(UNINTERLEAVE);
    }

    /**
     * One super-block into the float lanes {@code acc}: with {@code withMins}, first {@code acc = fma(dmin, mins, acc)};
     * then {@code acc = fma(d, ggmlLanes - offset, acc)} (without {@code withOffset}, no offset).
     */
    private static void finish(int[] lanes, boolean withMins, boolean withOffset, float dmin, float d, float[] acc) {
        FloatVector sum = FloatVector.fromArray(F8, acc, 0);
        if (withMins) sum = ((FloatVector) IntVector.fromArray(I8, lanes, MINS).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, dmin), sum);
        IntVector l = ggmlLanes(IntVector.fromArray(I8, lanes, FIRST), IntVector.fromArray(I8, lanes, SECOND));
        if (withOffset) l = l.sub(IntVector.fromArray(I8, lanes, OFFSET));
        ((FloatVector) l.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, d), sum).intoArray(acc, 0);
    }

    /** Per-thread scratch of {@link #dot}: a decode product allocates nothing (a row can take a microsecond). */
    static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The int slots of one super-block and the eight float lanes; owned by one thread. */
    static final class Scratch {
        final int[] lanes = new int[SLOTS];
        final float[] acc = new float[8];
    }

    private static ShortVector widen(MemorySegment w, long p) {
        return (ShortVector) ByteVector.fromMemorySegment(B16, w, p, VectorKernels.LE).convertShape(VectorOperators.B2S, S16, 0);
    }

    /** {@code _mm256_madd_epi16}: lane l = x[2l] * y[2l] + x[2l+1] * y[2l+1] in 32 bits (products need not fit a short). */
    static IntVector madd(ShortVector x, ShortVector y) {
        IntVector xi = x.reinterpretAsInts(), yi = y.reinterpretAsInts();
        IntVector low = xi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .mul(yi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
        return low.add(xi.lanewise(VectorOperators.ASHR, 16).mul(yi.lanewise(VectorOperators.ASHR, 16)));
    }

    /** Q6_K's lane offsets {@code 32 * (bsums[2l] * sc[2l] + bsums[2l+1] * sc[2l+1])} into {@link #OFFSET}. */
    private static void q6_KOffsets(ShortVector bsums, ShortVector scales, int[] lanes) {
        madd(bsums, scales).lanewise(VectorOperators.LSHL, 5).intoArray(lanes, OFFSET);
    }

    /** Q2_K's lane mins {@code mins[2l] * bsums[2l] + mins[2l+1] * bsums[2l+1]} into {@link #MINS} (products <= 15 * 2032 fit a short). */
    private static void q2_KMins(ShortVector mins, ShortVector bsums, int[] lanes) {
        VectorKernels.pairSums(mins.mul(bsums)).intoArray(lanes, MINS);
    }

    /** As {@link #dotScalar}, bit for bit; arguments checked by the caller ({@link VectorKernels#dotQ}). */
    static float dot(GgmlType type, MemorySegment w, long offset, QuantizedActivations a, int aOffset, int n) {
        return dot(type, w, offset, a, aOffset, n, SCRATCH.get());
    }

    /** As {@link #dot} with the calling thread's own scratch (a decode product's rows take one lookup, not one each). */
    static float dot(GgmlType type, MemorySegment w, long offset, QuantizedActivations a, int aOffset, int n, Scratch scratch) {
        int[] lanes = scratch.lanes;
        float[] acc = scratch.acc;
        java.util.Arrays.fill(acc, 0);
        float summs = 0;
        long p = offset;
        for (int y = aOffset; y < aOffset + n; y += 256, p += type.typeSize) {
            int sb = y / 256, bs = 16 * sb;
            switch (type) {
                case Q2_K -> {
                    q2_KPairs(w, p, a.qs16, y, lanes);
                    q2_KMins(widen(w, p).lanewise(VectorOperators.LSHR, 4).and((short) 0xF), ShortVector.fromArray(S16, a.bsums, bs), lanes);
                    finish(lanes, true, false, -a.d[sb] * f16(w, p + 82), a.d[sb] * f16(w, p + 80), acc);
                }
                case Q3_K -> {
                    q3_KPairs(w, p, a.qs16, y, lanes);
                    finish(lanes, false, false, 0, a.d[sb] * f16(w, p + 108), acc);
                }
                case Q5_K -> {
                    q5_KPairs(w, p, a.qs16, y, lanes);
                    long mins = VectorKernels.kMins(w, p + 4);
                    int minSum = 0;
                    for (int j = 0; j < 8; j++) minSum += ((int) (mins >>> (8 * j)) & 0xFF) * (a.bsums[bs + 2 * j] + a.bsums[bs + 2 * j + 1]);
                    summs = Math.fma(-a.d[sb] * f16(w, p + 2), (float) minSum, summs);
                    finish(lanes, false, false, 0, a.d[sb] * f16(w, p), acc);
                }
                case Q6_K -> {
                    q6_KPairs(w, p, a.qs16, y, lanes);
                    q6_KOffsets(ShortVector.fromArray(S16, a.bsums, bs), widen(w, p + 192), lanes);
                    finish(lanes, false, true, 0, a.d[sb] * f16(w, p + 208), acc);
                }
                default -> throw new IllegalArgumentException("not a ggml-order K-quant: " + type);
            }
        }
        return ScalarKernels.hsum8(acc) + summs;
    }

    private static void q2_KPairs(MemorySegment w, long p, short[] act, int y, int[] lanes) {
        long sc0 = w.get(I64, p), sc1 = w.get(I64, p + 8); // per group of 16: scale in the low nibble, min in the high
        IntVector first = IntVector.zero(I8), second = first;
        for (int half = 0; half < 2; half++) {
            ShortVector b0 = widen(w, p + 16 + 32L * half), b1 = widen(w, p + 32 + 32L * half);
            long sc = half == 0 ? sc0 : sc1;
            for (int f = 0; f < 4; f++) { // chunk 4 * half + f: 2-bit field f of the half's 32 bytes; groups 2c, 2c + 1
                int ay = y + 128 * half + 32 * f;
                ShortVector q0 = b0.lanewise(VectorOperators.LSHR, 2 * f).and((short) 3);
                ShortVector q1 = b1.lanewise(VectorOperators.LSHR, 2 * f).and((short) 3);
                first = first.add(VectorKernels.pairSums(q0.mul(ShortVector.fromArray(S16, act, ay))).mul((int) (sc >>> (16 * f)) & 0xF));
                second = second.add(VectorKernels.pairSums(q1.mul(ShortVector.fromArray(S16, act, ay + 16))).mul((int) (sc >>> (16 * f + 8)) & 0xF));
            }
        }
        first.intoArray(lanes, FIRST);
        second.intoArray(lanes, SECOND);
    }

    private static void q3_KPairs(MemorySegment w, long p, short[] act, int y, int[] lanes) {
        long lowBits = w.get(I64, p + 96); // scale j: low nibble of byte j (j < 8) or high nibble of byte j - 8
        int highBits = w.get(Dequantize.I32, p + 104); // bits 2 * (j / 4) .. +2 of byte j % 4
        ShortVector h0 = widen(w, p), h1 = widen(w, p + 16);
        IntVector first = IntVector.zero(I8), second = first;
        for (int half = 0; half < 2; half++) {
            ShortVector b0 = widen(w, p + 32 + 32L * half), b1 = widen(w, p + 48 + 32L * half);
            for (int f = 0; f < 4; f++) { // chunk c = 4 * half + f: as Q2_K, minus 4 where hmask bit c is clear
                int c = 4 * half + f, ay = y + 32 * c;
                ShortVector q0 = b0.lanewise(VectorOperators.LSHR, 2 * f).and((short) 3)
                        .add(h0.lanewise(VectorOperators.LSHR, c).and((short) 1).lanewise(VectorOperators.LSHL, 2)).sub((short) 4);
                ShortVector q1 = b1.lanewise(VectorOperators.LSHR, 2 * f).and((short) 3)
                        .add(h1.lanewise(VectorOperators.LSHR, c).and((short) 1).lanewise(VectorOperators.LSHL, 2)).sub((short) 4);
                int j0 = 2 * c, j1 = j0 + 1;
                int s0 = (((int) (lowBits >>> (j0 < 8 ? 8 * j0 : 8 * (j0 - 8) + 4)) & 0xF) | (((highBits >>> (8 * (j0 % 4) + 2 * (j0 / 4))) & 3) << 4)) - 32;
                int s1 = (((int) (lowBits >>> (j1 < 8 ? 8 * j1 : 8 * (j1 - 8) + 4)) & 0xF) | (((highBits >>> (8 * (j1 % 4) + 2 * (j1 / 4))) & 3) << 4)) - 32;
                first = first.add(VectorKernels.pairSums(q0.mul(ShortVector.fromArray(S16, act, ay))).mul(s0));
                second = second.add(VectorKernels.pairSums(q1.mul(ShortVector.fromArray(S16, act, ay + 16))).mul(s1));
            }
        }
        first.intoArray(lanes, FIRST);
        second.intoArray(lanes, SECOND);
    }

    private static void q5_KPairs(MemorySegment w, long p, short[] act, int y, int[] lanes) {
        long scales = VectorKernels.kScales(w, p + 4);
        ShortVector h0 = widen(w, p + 16), h1 = widen(w, p + 32);
        IntVector first = IntVector.zero(I8), second = first;
        for (int g = 0; g < 4; g++) { // qs group g of 32 bytes: sub-blocks (chunks) 2g (low nibbles) and 2g + 1 (high)
            ShortVector b0 = widen(w, p + 48 + 32L * g), b1 = widen(w, p + 64 + 32L * g);
            for (int k = 0; k < 2; k++) { // sub-block j: bit j of qh
                int j = 2 * g + k, ay = y + 32 * j, s = (int) (scales >>> (8 * j)) & 0xFF;
                ShortVector q0 = b0.lanewise(VectorOperators.LSHR, 4 * k).and((short) 0xF)
                        .or(h0.lanewise(VectorOperators.LSHR, j).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                ShortVector q1 = b1.lanewise(VectorOperators.LSHR, 4 * k).and((short) 0xF)
                        .or(h1.lanewise(VectorOperators.LSHR, j).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                first = first.add(VectorKernels.pairSums(q0.mul(ShortVector.fromArray(S16, act, ay))).mul(s));
                second = second.add(VectorKernels.pairSums(q1.mul(ShortVector.fromArray(S16, act, ay + 16))).mul(s));
            }
        }
        first.intoArray(lanes, FIRST);
        second.intoArray(lanes, SECOND);
    }

    /** Q6_K's pair sums. Each 32 ql bytes serve two chunks (low and high nibbles), so they load once. */
    private static void q6_KPairs(MemorySegment w, long p, short[] act, int y, int[] lanes) {
        long sc0 = w.get(I64, p + 192), sc1 = w.get(I64, p + 200);
        IntVector first = IntVector.zero(I8), second = first;
        for (int half = 0; half < 2; half++) {
            long ql = p + 64L * half;
            ShortVector h0 = widen(w, p + 128 + 32L * half), h1 = widen(w, p + 144 + 32L * half);
            long sc = half == 0 ? sc0 : sc1;
            for (int m = 0; m < 2; m++) { // ql bytes 32m..32m+31: quarter m in the low nibbles, quarter m + 2 in the high
                ShortVector l0 = widen(w, ql + 32 * m), l1 = widen(w, ql + 32 * m + 16);
                for (int quarter = m; quarter < 4; quarter += 2) { // chunk 4 * half + quarter
                    int ay = y + 128 * half + 32 * quarter, lowShift = 4 * (quarter / 2), highShift = 2 * quarter;
                    ShortVector q0 = l0.lanewise(VectorOperators.LSHR, lowShift).and((short) 0xF)
                            .or(h0.lanewise(VectorOperators.LSHR, highShift).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector q1 = l1.lanewise(VectorOperators.LSHR, lowShift).and((short) 0xF)
                            .or(h1.lanewise(VectorOperators.LSHR, highShift).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    // q <= 63, |a| <= 127: one product per short
                    first = first.add(VectorKernels.pairSums(q0.mul(ShortVector.fromArray(S16, act, ay))).mul((int) (byte) (sc >>> (16 * quarter))));
                    second = second.add(VectorKernels.pairSums(q1.mul(ShortVector.fromArray(S16, act, ay + 16))).mul((int) (byte) (sc >>> (16 * quarter + 8))));
                }
            }
        }
        first.intoArray(lanes, FIRST);
        second.intoArray(lanes, SECOND);
    }

    // ------------------------------------------------------------------ prefill on unpacked rows

    /**
     * As {@link #dotScalar} for row data unpacked by {@link UnpackedRows}: quants {@code q} in element order from
     * {@code e} (as {@link #quants} gives them), per 16 elements {@code scale} and {@code min}, per super-block
     * {@code d} and {@code m} (dmin) from {@code blk}; activations from element {@code y}.
     */
    static float dotUnpacked(GgmlType type, short[] q, short[] scale, short[] min, float[] d, float[] m,
                             int e, int blk, int cols, QuantizedActivations a, int y, Scratch scratch) {
        int[] lanes = scratch.lanes;
        float[] acc = scratch.acc;
        java.util.Arrays.fill(acc, 0);
        float summs = 0;
        for (int b = 0; b < cols / 256; b++, e += 256, y += 256, blk++) {
            int sb = y / 256, g0 = e / 16, bs = 16 * sb;
            unpackedPairs(q, scale, e, a.qs16, y, lanes);
            float dd = a.d[sb] * d[blk], dmin = -a.d[sb] * m[blk];
            switch (type) {
                case Q2_K -> {
                    q2_KMins(ShortVector.fromArray(S16, min, g0), ShortVector.fromArray(S16, a.bsums, bs), lanes);
                    finish(lanes, true, false, dmin, dd, acc);
                }
                case Q5_K -> {
                    summs = Math.fma(dmin, (float) minSum(min, g0, a.bsums, bs), summs);
                    finish(lanes, false, false, 0, dd, acc);
                }
                case Q6_K -> {
                    q6_KOffsets(ShortVector.fromArray(S16, a.bsums, bs), ShortVector.fromArray(S16, scale, g0), lanes);
                    finish(lanes, false, true, 0, dd, acc);
                }
                default -> finish(lanes, false, false, 0, dd, acc);
            }
        }
        return ScalarKernels.hsum8(acc) + summs;
    }

    /** Σ_g min[g0 + g] * bsums[bs + g] over a super-block's 16 groups (an integer: any order). */
    private static int minSum(short[] min, int g0, short[] bsums, int bs) {
        return madd(ShortVector.fromArray(S16, min, g0), ShortVector.fromArray(S16, bsums, bs)).reduceLanes(VectorOperators.ADD);
    }

    private static void unpackedPairs(short[] q, short[] scale, int e, short[] act, int y, int[] lanes) {
        IntVector first = IntVector.zero(I8), second = first;
        for (int c = 0; c < 8; c++) {
            int o = e + 32 * c, ay = y + 32 * c;
            // |q| <= 63, |a| <= 127: one product per short
            first = first.add(VectorKernels.pairSums(ShortVector.fromArray(S16, q, o).mul(ShortVector.fromArray(S16, act, ay))).mul(scale[o / 16]));
            second = second.add(VectorKernels.pairSums(ShortVector.fromArray(S16, q, o + 16).mul(ShortVector.fromArray(S16, act, ay + 16))).mul(scale[o / 16 + 1]));
        }
        first.intoArray(lanes, FIRST);
        second.intoArray(lanes, SECOND);
    }
}
