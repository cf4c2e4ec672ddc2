package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API dot products of one weight row with activations; {@link ScalarKernels} is their reference twin.
 *
 * <p>Float-activation kernels ({@link #dot}) use {@link FloatVector#SPECIES_PREFERRED} with as many byte/short
 * lanes as it has float lanes, so they widen without shuffles at any vector width up to 32 floats.
 *
 * <p>Quantised-activation kernels ({@link #dotQ}) multiply 16-bit widened quants: ggml's blocks come in 16-byte
 * groups (Q4_0 nibbles, K-quant scale groups), which fill 16 short lanes, so they use 128-bit bytes → 256-bit
 * shorts/ints and need a machine with 256-bit vectors ({@link #INT_PATH}); elsewhere they fall back to scalar.
 * Every quantised type has one; the float kernels of the types other than Q8_0/Q4_0/F32/F16/BF16 dequantise
 * block by block with the scalar reference and are slow, which is fine as MatMul only uses them without INT_PATH.
 */
public final class VectorKernels {
    private VectorKernels() {}

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Same lane count as F, narrower lanes: a load of these converts to one float vector. */
    static final VectorSpecies<Byte> BL = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    static final VectorSpecies<Short> SL = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, L * 16)));
    static final VectorSpecies<Integer> IL = VectorSpecies.of(int.class, F.vectorShape());
    /** The float kernels need 32-element blocks to be whole multiples of the vector, and byte lanes == float lanes. */
    static final boolean FLOAT_PATH = L >= 4 && L <= 32 && BL.length() == L && SL.length() == L;

    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** Integer kernels run in hardware only with at least 256-bit vectors. */
    public static final boolean INT_PATH = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;

    /**
     * Sum of the lanes in a fixed order. {@code reduceLanes(ADD)} may add in a different order once C2 compiles it
     * than in the interpreter, so the same product could change in its last bit mid-run; this keeps every result
     * reproducible (same seed, same tokens) at the cost of a few adds per dot product.
     */
    static float sum(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    // ------------------------------------------------------------------ float activations

    /** As {@link ScalarKernels#dot}. */
    public static float dot(GgmlType type, MemorySegment w, long offset, float[] x, int xOffset, int n) {
        long bytes = type.rowBytes(n);
        if (offset < 0 || offset + bytes > w.byteSize() || xOffset < 0 || xOffset + n > x.length) {
            throw new IndexOutOfBoundsException(type + " dot of " + n + " at byte " + offset + " / x[" + xOffset + "] out of range");
        }
        if (!FLOAT_PATH) return ScalarKernels.dot(type, w, offset, x, xOffset, n);
        return switch (type) {
            case F32 -> f32(w, offset, x, xOffset, n);
            case F16 -> f16(w, offset, x, xOffset, n);
            case BF16 -> bf16(w, offset, x, xOffset, n);
            case Q8_0 -> q8_0(w, offset, x, xOffset, n);
            case Q4_0 -> q4_0(w, offset, x, xOffset, n);
            case Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> viaBlocks(type, w, offset, x, xOffset, n);
            default -> throw new UnsupportedOperationException("no dot for " + type);
        };
    }

    /**
     * One accumulator, in the same order as {@link #gemmBlock} uses for each token: a row's product is then the same
     * whether it is computed alone (decode) or in a batch, so a sample's tokens do not depend on what else is batched.
     */
    private static float f32(MemorySegment w, long p, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) acc = FloatVector.fromMemorySegment(F, w, p + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), acc);
        float sum = sum(acc);
        for (; i < n; i++) sum += w.get(Dequantize.F32, p + 4L * i) * x[xo + i];
        return sum;
    }

    /**
     * Half floats widened by bit arithmetic (no f16 conversion in the Vector API): the exponent/mantissa bits
     * shifted into float position and scaled by 2^112 give the exact value for normals and subnormals alike;
     * infinities and NaNs get the all-ones exponent back.
     */
    private static FloatVector halfToFloat(ShortVector h) {
        IntVector bits = (IntVector) h.convertShape(VectorOperators.S2I, IL, 0);
        IntVector magnitude = bits.and(0x7FFF);
        FloatVector v = magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        IntVector r = v.reinterpretAsInts();
        r = r.blend(r.or(0x7F800000), magnitude.compare(VectorOperators.GE, 0x7C00));
        return r.or(bits.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private static float f16(MemorySegment w, long p, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector wv = halfToFloat(ShortVector.fromMemorySegment(SL, w, p + 2L * i, LE));
            acc = wv.fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        float sum = sum(acc);
        for (; i < n; i++) sum += Float.float16ToFloat(w.get(Dequantize.I16, p + 2L * i)) * x[xo + i];
        return sum;
    }

    /**
     * {@link Dequantize#row} for float weights (its scalar twin), with bfloat16 widened a vector at a time (the same
     * bits: a bfloat16 is the top half of its float), so BF16 single-token products are not bound by the conversion.
     */
    static void floatRow(GgmlType type, MemorySegment data, long offset, float[] dst, int dstOffset, int n) {
        if (type != GgmlType.BF16) {
            Dequantize.row(type, data, offset, dst, dstOffset, n);
            return;
        }
        int i = 0;
        for (; i + L <= n; i += L) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(SL, data, offset + 2L * i, LE).convertShape(VectorOperators.S2I, IL, 0);
            bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOffset + i);
        }
        if (i < n) Dequantize.row(type, data, offset + 2L * i, dst, dstOffset + i, n - i);
    }

    private static float bf16(MemorySegment w, long p, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(SL, w, p + 2L * i, LE).convertShape(VectorOperators.S2I, IL, 0);
            FloatVector wv = bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = wv.fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        float sum = sum(acc);
        for (; i < n; i++) sum += Dequantize.bf16ToFloat(w.get(Dequantize.I16, p + 2L * i)) * x[xo + i];
        return sum;
    }

    private static FloatVector bytesToFloats(ByteVector b) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, F, 0);
    }

    private static float q8_0(MemorySegment w, long p, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++, p += 34, xo += 32) {
            FloatVector blockSum = FloatVector.zero(F);
            for (int j = 0; j < 32; j += L) {
                FloatVector q = bytesToFloats(ByteVector.fromMemorySegment(BL, w, p + 2 + j, LE));
                blockSum = q.fma(FloatVector.fromArray(F, x, xo + j), blockSum);
            }
            acc = blockSum.fma(FloatVector.broadcast(F, Dequantize.f16(w, p)), acc);
        }
        return sum(acc);
    }

    private static float q4_0(MemorySegment w, long p, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++, p += 18, xo += 32) {
            FloatVector blockSum = FloatVector.zero(F);
            for (int j = 0; j < 16; j += L) {
                ByteVector q = ByteVector.fromMemorySegment(BL, w, p + 2 + j, LE);
                FloatVector lo = bytesToFloats(q.and((byte) 0xF).sub((byte) 8));
                FloatVector hi = bytesToFloats(q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8));
                blockSum = lo.fma(FloatVector.fromArray(F, x, xo + j), blockSum);
                blockSum = hi.fma(FloatVector.fromArray(F, x, xo + 16 + j), blockSum);
            }
            acc = blockSum.fma(FloatVector.broadcast(F, Dequantize.f16(w, p)), acc);
        }
        return sum(acc);
    }

    /**
     * The less common types: each block is dequantised by the scalar reference into a block-sized buffer that stays
     * in L1, then multiplied with vectors. Still one pass over the row, no row-sized temporary.
     */
    private static float viaBlocks(GgmlType type, MemorySegment w, long p, float[] x, int xo, int n) {
        float[] block = new float[type.blockSize];
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / type.blockSize; b++, p += type.typeSize, xo += type.blockSize) {
            Dequantize.row(type, w, p, block, 0, type.blockSize);
            for (int j = 0; j < block.length; j += L) {
                acc = FloatVector.fromArray(F, block, j).fma(FloatVector.fromArray(F, x, xo + j), acc);
            }
        }
        return sum(acc);
    }

    /** {@code Σ a[ao + i] · b[bo + i]} over {@code n} floats. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        float sum = sum(acc);
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /** {@code y[yo + i] = fma(a, x[xo + i], y[yo + i])} over {@code n} floats: bit-identical to the scalar loop with {@link Math#fma}. */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        if (n >= L) {
            FloatVector av = FloatVector.broadcast(F, a);
            for (; i + L <= n; i += L) av.fma(FloatVector.fromArray(F, x, xo + i), FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(a, x[xo + i], y[yo + i]);
    }

    /**
     * Matrix-matrix product of a block of dequantised weight rows with {@code n} activation vectors:
     * {@code out[t * outStride + outRow0 + r] = block[r] · x[t]}. Four tokens share each weight load; tokens are the
     * outer loop so their activations stay in cache while the block's rows pass by.
     */
    public static void gemmBlock(float[] block, int nRows, int cols, float[] x, int n, float[] out, int outStride, int outRow0) {
        int t = 0;
        int vecCols = cols - cols % L;
        for (; t + 4 <= n; t += 4) {
            int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
            for (int r = 0; r < nRows; r++) {
                int wo = r * cols;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                for (int c = 0; c < vecCols; c += L) {
                    FloatVector wv = FloatVector.fromArray(F, block, wo + c);
                    a0 = wv.fma(FloatVector.fromArray(F, x, x0 + c), a0);
                    a1 = wv.fma(FloatVector.fromArray(F, x, x1 + c), a1);
                    a2 = wv.fma(FloatVector.fromArray(F, x, x2 + c), a2);
                    a3 = wv.fma(FloatVector.fromArray(F, x, x3 + c), a3);
                }
                float s0 = sum(a0), s1 = sum(a1);
                float s2 = sum(a2), s3 = sum(a3);
                for (int c = vecCols; c < cols; c++) {
                    float wc = block[wo + c];
                    s0 += wc * x[x0 + c];
                    s1 += wc * x[x1 + c];
                    s2 += wc * x[x2 + c];
                    s3 += wc * x[x3 + c];
                }
                out[t * outStride + outRow0 + r] = s0;
                out[(t + 1) * outStride + outRow0 + r] = s1;
                out[(t + 2) * outStride + outRow0 + r] = s2;
                out[(t + 3) * outStride + outRow0 + r] = s3;
            }
        }
        for (; t < n; t++) {
            for (int r = 0; r < nRows; r++) out[t * outStride + outRow0 + r] = dot(block, r * cols, x, t * cols, cols);
        }
    }

    // ------------------------------------------------------------------ quantised activations

    /** True when {@link #dotQ} has a vector kernel for {@code type} on this machine (else it runs the scalar twin). */
    public static boolean hasFastQuantizedDot(GgmlType type) {
        return INT_PATH && QuantizedActivations.formatFor(type) != null;
    }

    /** As {@link ScalarKernels#dotQ}. */
    public static float dotQ(GgmlType type, MemorySegment w, long offset, QuantizedActivations a, int aOffset, int n) {
        ScalarKernels.checkQ(type, w, offset, a, aOffset, n);
        if (!hasFastQuantizedDot(type)) return ScalarKernels.dotQ(type, w, offset, a, aOffset, n);
        return switch (type) {
            case Q8_0 -> q8_0q(w, offset, a, aOffset, n);
            case Q4_0, Q5_0, Q4_1, Q5_1 -> blocks32q(type, w, offset, a, aOffset, n);
            case Q4_K -> q4_Kq(w, offset, a, aOffset, n);
            case Q2_K, Q3_K, Q5_K, Q6_K -> GgmlOrderKQuants.dot(type, w, offset, a, aOffset, n);
            default -> throw new AssertionError(type);
        };
    }

    /** 16 signed bytes to 16 shorts. */
    private static ShortVector widen(ByteVector b) {
        return (ShortVector) b.convertShape(VectorOperators.B2S, S16, 0);
    }

    /**
     * 16 unsigned bytes to 16 shorts. Nibble and bit-field extraction then runs on shorts: x86 has no byte shifts,
     * and the Vector API's byte shifts are far slower than short ones.
     */
    private static ShortVector widenUnsigned(MemorySegment w, long p) {
        return widen(ByteVector.fromMemorySegment(B16, w, p, LE)).and((short) 0xFF);
    }

    /**
     * {@code dst[dOff + i] = Float.float16ToFloat(src[so + i])} for {@code i < n}, eight at a time: the Vector API has
     * no half-precision conversion, and the plain loop ran at 0.4-0.6 ns an element on the KV cache's 64-element rows
     * (0.21 this way). The magnitude's bits shifted into a float's place and multiplied by 2^112 is the value exactly,
     * subnormals and zeros included; infinities and NaNs get the all-ones exponent; then the sign. NaN payloads are
     * kept (the twin, {@link Float#float16ToFloat}, may quiet a signalling NaN).
     */
    public static void f16ToF32(short[] src, int so, float[] dst, int dOff, int n) {
        int i = 0;
        if (INT_PATH) {
            for (; i + 8 <= n; i += 8) {
                IntVector h = (IntVector) ShortVector.fromArray(ShortVector.SPECIES_128, src, so + i).convertShape(VectorOperators.S2I, I8, 0);
                IntVector mag = h.and(0x7FFF), shifted = mag.lanewise(VectorOperators.LSHL, 13);
                IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                        .blend(shifted.or(0x7F800000), mag.compare(VectorOperators.GE, 0x7C00));
                bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(dst, dOff + i);
            }
        }
        for (; i < n; i++) dst[dOff + i] = Float.float16ToFloat(src[so + i]);
    }

    /**
     * Sums the 16 shorts pairwise into 8 ints (pmaddwd-like). Done by reinterpreting each pair as one int and
     * splitting it with shifts: a same-shape operation, where converting the upper half (part 1) would not be.
     */
    static IntVector pairSums(ShortVector s) {
        IntVector pairs = s.reinterpretAsInts();
        return pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(pairs.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * Bit for bit {@link ScalarKernels#blocks32InGgmlOrder}: each int lane holds four consecutive signed bytes of
     * weights and of activations, so lane l's integer sum is elements 4l..4l+3, as ggml's maddubs/madd pair gives.
     */
    private static float q8_0q(MemorySegment w, long p, QuantizedActivations a, int y, int n) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < n / 32; b++, p += 34, y += 32) {
            IntVector wq = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, w, p + 2, LE).reinterpretAsInts();
            float scale = Dequantize.f16(w, p) * a.d[y / 32];
            acc = ((FloatVector) lanesOf4(wq, a, y).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scale), acc);
        }
        return ScalarKernels.hsum8(acc.toArray());
    }

    /** Σ over the four bytes of each int lane of weight byte times activation byte (both signed). */
    static IntVector lanesOf4(IntVector wq, QuantizedActivations a, int y) {
        IntVector aq = ByteVector.fromArray(ByteVector.SPECIES_256, a.qs, y).reinterpretAsInts();
        IntVector sumi = wq.lanewise(VectorOperators.ASHR, 24).mul(aq.lanewise(VectorOperators.ASHR, 24));
        for (int k = 0; k < 3; k++) {
            int up = 24 - 8 * k;
            sumi = sumi.add(wq.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)
                    .mul(aq.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)));
        }
        return sumi;
    }

    /**
     * Q4_0, Q5_0, Q4_1, Q5_1, bit for bit {@link ScalarKernels#blocks32InGgmlOrder}: the block's 32 values are built
     * as signed bytes in element order with vector ops ({@link Blocks32Kernels#quants}; the long-at-a-time
     * Long.expand unpacking before allocated a long[4] per call), then summed as {@link #q8_0q}. MatMul multiplies
     * Q5_0/Q4_1/Q5_1 matrices with {@link Blocks32Kernels}, which is faster still.
     */
    private static float blocks32q(GgmlType type, MemorySegment w, long p, QuantizedActivations a, int y, int n) {
        Blocks32Kernels.Layout f = Blocks32Kernels.Layout.of(type);
        boolean affine = f.affine();
        FloatVector acc = FloatVector.zero(F8);
        float summs = 0;
        for (int b = 0; b < n / 32; b++, p += type.typeSize, y += 32) {
            IntVector wq = Blocks32Kernels.quants(w, p, f);
            float scale = Dequantize.f16(w, p) * a.d[y / 32];
            acc = ((FloatVector) lanesOf4(wq, a, y).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scale), acc);
            if (affine) summs = Math.fma(Dequantize.f16(w, p + 2), a.s[y / 32], summs);
        }
        return hsum8(acc) + summs;
    }

    /** {@link ScalarKernels#hsum8} of the vector's lanes, without an array. */
    private static float hsum8(FloatVector v) {
        float r0 = v.lane(4) + v.lane(0), r1 = v.lane(5) + v.lane(1), r2 = v.lane(6) + v.lane(2), r3 = v.lane(7) + v.lane(3);
        return (r0 + r2) + (r1 + r3);
    }

    // C2 inlines every Vector API call only while a method stays under its node budget (NodeCountInliningCutoff);
    // past it, a vector crossing a call that is not inlined gets boxed and the kernel slows down tenfold. So each
    // K-quant kernel is one loop over a super-block's groups that keeps its vectors inside, with no helper calls
    // other than tiny ones, and reduces once per super-block.

    private static float q4_Kq(MemorySegment w, long p, QuantizedActivations a, int y, int n) {
        float sum = 0;
        short[] act = a.qs16;
        for (int b = 0; b < n / 256; b++, p += 144, y += 256) {
            int sb = y / 256;
            long scales = kScales(w, p + 4), mins = kMins(w, p + 4);
            IntVector isum = IntVector.zero(I8);
            for (int g = 0; g < 4; g++) { // 32 bytes of qs: sub-blocks 2g (low nibbles) and 2g+1 (high)
                long qp = p + 16 + 32L * g;
                int ay = y + 64 * g;
                ShortVector q0 = widen(ByteVector.fromMemorySegment(B16, w, qp, LE));
                ShortVector q1 = widen(ByteVector.fromMemorySegment(B16, w, qp + 16, LE));
                // products <= 15 * 127: sums of two fit in a short
                ShortVector lo = q0.and((short) 0xF).mul(ShortVector.fromArray(S16, act, ay))
                        .add(q1.and((short) 0xF).mul(ShortVector.fromArray(S16, act, ay + 16)));
                ShortVector hi = q0.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(ShortVector.fromArray(S16, act, ay + 32))
                        .add(q1.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(ShortVector.fromArray(S16, act, ay + 48)));
                isum = isum.add(pairSums(lo).mul(byteAt(scales, 2 * g))).add(pairSums(hi).mul(byteAt(scales, 2 * g + 1)));
            }
            float d = a.d[sb] * Dequantize.f16(w, p), dmin = a.d[sb] * Dequantize.f16(w, p + 2);
            sum += d * isum.reduceLanes(VectorOperators.ADD) - dmin * kMinSums(mins, a.bsums, sb * 16);
        }
        return sum;
    }

    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);

    private static int byteAt(long packed, int i) {
        return (int) (packed >>> (8 * i)) & 0xFF;
    }

    /**
     * The eight 6-bit Q4_K/Q5_K sub-block scales, one per byte, from the 12-byte packing at p (see
     * {@link Dequantize#scaleMinK4}): decoded from three words in registers rather than byte by byte.
     */
    static long kScales(MemorySegment w, long p) {
        int s0 = w.get(Dequantize.I32, p), s2 = w.get(Dequantize.I32, p + 8);
        int low = s0 & 0x3F3F3F3F;
        int high = (s2 & 0x0F0F0F0F) | (((s0 >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    /** The eight 6-bit mins, as {@link #kScales}. */
    static long kMins(MemorySegment w, long p) {
        int s1 = w.get(Dequantize.I32, p + 4), s2 = w.get(Dequantize.I32, p + 8);
        int low = s1 & 0x3F3F3F3F;
        int high = ((s2 >>> 4) & 0x0F0F0F0F) | (((s1 >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    /** Σ_j min_j · (sum of the 32 activations of sub-block j), from the activations' 16-element sums. */
    private static int kMinSums(long mins, short[] bsums, int o) {
        int s = 0;
        for (int j = 0; j < 8; j++) s += byteAt(mins, j) * (bsums[o + 2 * j] + bsums[o + 2 * j + 1]);
        return s;
    }

    // Q2_K, Q3_K, Q5_K, Q6_K: GgmlOrderKQuants

    /** Lane j holds 1 << j: tests bit j of a 16-bit word broadcast to every lane. */
    private static final ShortVector LANE_BITS = ShortVector.fromArray(S16, new short[] {
            1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, (short) 32768}, 0);

    /** 16 in lane j when bit j of {@code bits} is set, else 0: the 5th bit of Q5_0/Q5_1 quants. */
    private static ShortVector fifthBits(int bits) {
        ShortVector set = ShortVector.broadcast(S16, (short) bits).and(LANE_BITS);
        return ShortVector.zero(S16).blend((short) 16, set.compare(VectorOperators.NE, (short) 0));
    }

    /** Σ over a Q5_0/Q5_1 block of (5-bit quant + offset) · activation, as 8 int lanes. */
    private static IntVector q5Block(MemorySegment w, long qs, int qh, short offset, short[] act, int ay) {
        ShortVector q = widenUnsigned(w, qs);
        ShortVector lo = q.and((short) 0xF).or(fifthBits(qh)).add(offset);
        ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh >>> 16)).add(offset);
        // |q| <= 31, |a| <= 127: two products fit in a short
        return pairSums(lo.mul(ShortVector.fromArray(S16, act, ay)).add(hi.mul(ShortVector.fromArray(S16, act, ay + 16))));
    }
}
