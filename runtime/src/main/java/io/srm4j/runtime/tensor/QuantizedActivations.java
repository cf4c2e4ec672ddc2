package io.srm4j.runtime.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activation vectors quantised once per product into the 8-bit block format ggml pairs with a weight type
 * (its {@code vec_dot_type}): Q8_0 for Q8_0/Q4_0/Q5_0 weights, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants.
 * Integer dot products against these reproduce llama.cpp's arithmetic closely and read 4x fewer activation bytes.
 *
 * <p>Holds {@code count} vectors of {@code length} elements; vector t starts at element {@code t * length}.
 * Scales are kept as floats (already rounded through f16 where ggml stores f16).
 */
public final class QuantizedActivations {
    /** Q8_0, Q8_1 or Q8_K. */
    public final GgmlType format;
    public final int length;
    public final int count;
    /** Quantised values, {@code count * length}. */
    final byte[] qs;
    /** The same quants widened to shorts once, so the integer kernels load them without converting. */
    final short[] qs16;
    /** One scale per block. */
    final float[] d;
    /** Q8_1: d * sum(qs) per block (f16-rounded). Null otherwise. */
    final float[] s;
    /** Q8_K: sums of each 16 consecutive quants. Null otherwise. */
    final short[] bsums;

    private QuantizedActivations(GgmlType format, int length, int count) {
        this.format = format;
        this.length = length;
        this.count = count;
        format.rowBytes(length); // rejects lengths that are not whole blocks
        int n = Math.multiplyExact(length, count);
        this.qs = new byte[n];
        this.qs16 = new short[n];
        this.d = new float[n / format.blockSize];
        this.s = format == GgmlType.Q8_1 ? new float[n / 32] : null;
        this.bsums = format == GgmlType.Q8_K ? new short[n / 16] : null;
    }

    /** The activation format ggml multiplies {@code weightType} with, or null when it uses floats. */
    public static GgmlType formatFor(GgmlType weightType) {
        return switch (weightType) {
            case Q8_0, Q4_0, Q5_0 -> GgmlType.Q8_0;
            case Q4_1, Q5_1 -> GgmlType.Q8_1;
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> GgmlType.Q8_K;
            default -> null;
        };
    }

    /** Quantises {@code count} vectors of {@code length} elements, {@code x[t * length + i]}. */
    public static QuantizedActivations quantize(GgmlType format, float[] x, int length, int count) {
        return quantize(format, x, 0, length, count);
    }

    /** Quantises {@code count} vectors of {@code length} elements, {@code x[xOffset + t * length + i]}. */
    public static QuantizedActivations quantize(GgmlType format, float[] x, int xOffset, int length, int count) {
        return quantize(format, x, xOffset, length, count, null);
    }

    /**
     * As {@link #quantize}, but the Q8_K vectors t with {@code gemmRows[t]} as ggml_quantize_mat_q8_K_4x8 quantises
     * the activations of its repacked gemm (see {@link RepackedQ4}): where a block's largest magnitude occurs with
     * both signs, it takes the positive one for the scale, quantize_row_q8_K the first one. Null: none.
     */
    static QuantizedActivations quantize(GgmlType format, float[] x, int xOffset, int length, int count, boolean[] gemmRows) {
        return quantize(format, x, xOffset, length, count, gemmRows, false);
    }

    /** As {@link #quantize(GgmlType, float[], int, int, int)} with the scalar code only: the twin of the vector path. */
    static QuantizedActivations quantizeScalar(GgmlType format, float[] x, int xOffset, int length, int count) {
        return quantize(format, x, xOffset, length, count, null, true);
    }

    /** As {@link #quantize(GgmlType, float[], int, int, int, boolean[])} with the scalar code only. */
    static QuantizedActivations quantizeScalar(GgmlType format, float[] x, int xOffset, int length, int count, boolean[] gemmRows) {
        return quantize(format, x, xOffset, length, count, gemmRows, true);
    }

    private static QuantizedActivations quantize(GgmlType format, float[] x, int xOffset, int length, int count, boolean[] gemmRows, boolean scalar) {
        if (format != GgmlType.Q8_0 && format != GgmlType.Q8_1 && format != GgmlType.Q8_K) {
            throw new IllegalArgumentException("activations quantise to Q8_0, Q8_1 or Q8_K, not " + format);
        }
        checkRange(x, xOffset, length, count);
        QuantizedActivations a = new QuantizedActivations(format, length, count);
        a.fill(x, xOffset, gemmRows, scalar);
        return a;
    }

    /**
     * Quantises {@code x[xOffset ..]} into these activations' arrays, replacing what they held (as {@link #quantize}
     * with this format, length and count): a decoded token's input reuses the previous token's.
     */
    void requantize(float[] x, int xOffset) {
        checkRange(x, xOffset, length, count);
        fill(x, xOffset, null, false);
    }

    private static void checkRange(float[] x, int xOffset, int length, int count) {
        if (xOffset < 0 || xOffset + (long) length * count > x.length) {
            throw new IndexOutOfBoundsException(count + " vectors of " + length + " from " + xOffset + " need "
                    + (xOffset + (long) length * count) + " floats, have " + x.length);
        }
    }

    private void fill(float[] x, int xOffset, boolean[] gemmRows, boolean scalar) {
        int n = length * count;
        // blocks are independent: a prompt's (256 x 4864 floats for the down projection) is spread over the pool
        if (format == GgmlType.Q8_K) {
            WorkerPool.shared().parallelFor(0, n / 256, QUANTIZE_GRAIN / 256, (b0, b1) -> {
                for (int b = b0; b < b1; b++) {
                    boolean ties = gemmRows != null && gemmRows[b / (length / 256)];
                    if (!VECTOR || scalar || !q8KVector(x, xOffset, b, ties)) q8K(x, xOffset, b, ties);
                }
                for (int i = 256 * b0; i < 256 * b1; i++) qs16[i] = qs[i];
            });
        } else {
            WorkerPool.shared().parallelFor(0, n / 32, QUANTIZE_GRAIN / 32, (b0, b1) -> quantizeBlocks(x, xOffset, b0, b1, scalar));
        }
    }

    /**
     * One Q8_0 or Q8_1 vector of {@code length} elements with nothing quantised yet: {@link #quantizeBlocks} fills it
     * block range by block range (decode's down projection input, quantised by the pieces of the job that produces it).
     */
    static QuantizedActivations unfilled(GgmlType format, int length) {
        if (format != GgmlType.Q8_0 && format != GgmlType.Q8_1) throw new IllegalArgumentException("block ranges quantise to Q8_0 or Q8_1, not " + format);
        return new QuantizedActivations(format, length, 1);
    }

    /** Quantises blocks {@code [b0, b1)} of {@code x} (from {@code xOffset}), as {@link #quantize} does. */
    void quantizeBlocks(float[] x, int xOffset, int b0, int b1) {
        quantizeBlocks(x, xOffset, b0, b1, false);
    }

    private void quantizeBlocks(float[] x, int xOffset, int b0, int b1, boolean scalar) {
        for (int b = b0; b < b1; b++) {
            if (!VECTOR || scalar || !q8_0or1Vector(x, xOffset, b)) q8_0or1(x, xOffset, b);
        }
    }

    /**
     * ggml's x86 quantize_row_q8_0 / q8_1 (what llama.cpp runs on these machines): d = amax/127 stored as f16,
     * multiplier 127/amax, round half to even.
     */
    private void q8_0or1(float[] x, int xOffset, int b) {
        int o = b * 32, xo = xOffset + o;
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float dd = amax / 127.f;
        float id = amax != 0 ? 127.f / amax : 0.f;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            int q = (int) Math.rint(x[xo + j] * id);
            qs[o + j] = (byte) q;
            qs16[o + j] = (byte) q;
            sum += q;
        }
        d[b] = Float.float16ToFloat(Float.floatToFloat16(dd));
        if (s != null) s[b] = Float.float16ToFloat(Float.floatToFloat16(dd * sum));
    }

    private static final boolean VECTOR = VectorKernels.INT_PATH;
    /** Elements per piece of the pool's work when quantising: below this, one thread does it all. */
    private static final int QUANTIZE_GRAIN = 16384;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    /** 1.5 * 2^23: adding and subtracting it rounds a float below 2^22 in magnitude to an integer, half to even. */
    private static final float ROUND = 12582912f;

    /**
     * {@link #q8_0or1} in vector lanes, the same bits: the same amax (a maximum, in any order), scale and products,
     * and rint as the addition of {@link #ROUND} rounds. False, having written nothing, for a block with an infinite or
     * NaN element, which the scalar version takes.
     */
    private boolean q8_0or1Vector(float[] x, int xOffset, int b) {
        int o = b * 32, xo = xOffset + o;
        FloatVector v0 = FloatVector.fromArray(F8, x, xo), v1 = FloatVector.fromArray(F8, x, xo + 8);
        FloatVector v2 = FloatVector.fromArray(F8, x, xo + 16), v3 = FloatVector.fromArray(F8, x, xo + 24);
        float amax = v0.abs().max(v1.abs()).max(v2.abs().max(v3.abs())).reduceLanes(VectorOperators.MAX);
        if (!(amax <= Float.MAX_VALUE)) return false;
        float dd = amax / 127.f;
        float id = amax != 0 ? 127.f / amax : 0.f;
        IntVector q0 = (IntVector) v0.mul(id).add(ROUND).sub(ROUND).convert(VectorOperators.F2I, 0);
        IntVector q1 = (IntVector) v1.mul(id).add(ROUND).sub(ROUND).convert(VectorOperators.F2I, 0);
        IntVector q2 = (IntVector) v2.mul(id).add(ROUND).sub(ROUND).convert(VectorOperators.F2I, 0);
        IntVector q3 = (IntVector) v3.mul(id).add(ROUND).sub(ROUND).convert(VectorOperators.F2I, 0);
        ((ByteVector) q0.convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)).intoArray(qs, o);
        ((ByteVector) q1.convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)).intoArray(qs, o + 8);
        ((ByteVector) q2.convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)).intoArray(qs, o + 16);
        ((ByteVector) q3.convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)).intoArray(qs, o + 24);
        ((ShortVector) q0.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoArray(qs16, o);
        ((ShortVector) q1.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoArray(qs16, o + 8);
        ((ShortVector) q2.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoArray(qs16, o + 16);
        ((ShortVector) q3.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoArray(qs16, o + 24);
        d[b] = Float.float16ToFloat(Float.floatToFloat16(dd));
        if (s != null) s[b] = Float.float16ToFloat(Float.floatToFloat16(dd * q0.add(q1).add(q2.add(q3)).reduceLanes(VectorOperators.ADD)));
        return true;
    }

    /** ggml's quantize_row_q8_K_ref: scale from the signed value of largest magnitude, float d, block sums. */
    private void q8K(float[] x, int xOffset, int b, boolean positiveWinsTies) {
        int o = b * 256, xo = xOffset + o;
        float max = 0, amax = 0;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[xo + j]);
            if (ax > amax || positiveWinsTies && ax == amax && x[xo + j] > 0) {
                amax = ax;
                max = x[xo + j];
            }
        }
        if (amax == 0) {
            zeroBlockQ8K(b);
            return;
        }
        float iscale = -127.f / max;
        for (int j = 0; j < 256; j++) qs[o + j] = (byte) Math.min(127, Quantize.nearestInt(iscale * x[xo + j]));
        for (int j = 0; j < 16; j++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += qs[o + 16 * j + i];
            bsums[b * 16 + j] = (short) sum;
        }
        d[b] = 1 / iscale;
    }

    /**
     * {@link #q8K} in vector lanes, the same bits: the largest magnitude as a vector maximum, its signed value found as
     * the scalar loop finds it (the first element of that magnitude; with {@code positiveWinsTies}, the positive one
     * where both signs occur), the same products and rint as the addition of {@link #ROUND} rounds. False, having written
     * nothing, for a block with an infinite or NaN element, which the scalar version takes. Decode quantises every
     * K-quant product's input on the calling thread (7,168 elements a layer for Qwen3-0.6B), the other threads waiting.
     */
    private boolean q8KVector(float[] x, int xOffset, int b, boolean positiveWinsTies) {
        int o = b * 256, xo = xOffset + o;
        FloatVector m = FloatVector.fromArray(F8, x, xo).abs();
        for (int j = 8; j < 256; j += 8) m = m.max(FloatVector.fromArray(F8, x, xo + j).abs());
        float amax = m.reduceLanes(VectorOperators.MAX);
        if (!(amax <= Float.MAX_VALUE)) return false;
        if (amax == 0) {
            zeroBlockQ8K(b);
            return true;
        }
        float max = -amax;
        if (positiveWinsTies) {
            for (int j = 0; j < 256; j += 8) {
                if (FloatVector.fromArray(F8, x, xo + j).compare(VectorOperators.EQ, amax).anyTrue()) {
                    max = amax;
                    break;
                }
            }
        } else {
            for (int j = 0; j < 256; j += 8) {
                var at = FloatVector.fromArray(F8, x, xo + j).abs().compare(VectorOperators.EQ, amax);
                if (at.anyTrue()) {
                    max = x[xo + j + at.firstTrue()];
                    break;
                }
            }
        }
        float iscale = -127.f / max;
        for (int j = 0; j < 256; j += 16) {
            IntVector q0 = rint(FloatVector.fromArray(F8, x, xo + j).mul(iscale)).min(127);
            IntVector q1 = rint(FloatVector.fromArray(F8, x, xo + j + 8).mul(iscale)).min(127);
            ((ByteVector) q0.convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)).intoArray(qs, o + j);
            ((ByteVector) q1.convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)).intoArray(qs, o + j + 8);
            bsums[b * 16 + j / 16] = (short) q0.add(q1).reduceLanes(VectorOperators.ADD);
        }
        d[b] = 1 / iscale;
        return true;
    }

    /** Q8_K block b of all zeros: its quants, sums and scale (the arrays may hold a previous input's, see requantize). */
    private void zeroBlockQ8K(int b) {
        java.util.Arrays.fill(qs, 256 * b, 256 * b + 256, (byte) 0);
        java.util.Arrays.fill(bsums, 16 * b, 16 * b + 16, (short) 0);
        d[b] = 0;
    }

    /** {@link Quantize#nearestInt} of each lane (|x| below 2^22). */
    private static IntVector rint(FloatVector x) {
        return (IntVector) x.add(ROUND).sub(ROUND).convert(VectorOperators.F2I, 0);
    }

    /** Element i of vector t, dequantised (for tests and diagnostics). */
    public float value(int t, int i) {
        int e = t * length + i;
        return qs[e] * d[e / format.blockSize];
    }

    /**
     * The single vector's quants e and e + 1 for every even e, repeated in all eight int lanes of a 256-bit vector
     * (16 shorts per pair, pair e/2 at {@code 16 * (e / 2)}): the activation pair the interleaved decode copies
     * multiply ({@link Blocks32x8}, {@link Q4_Kx8}, {@link Q4_0x8}), loaded as it is; broadcasting it from an int for
     * every product cost a scalar load and a move to the vector unit each time.
     */
    short[] repeatedPairs() {
        if (count != 1) throw new IllegalArgumentException("one activation vector needed, got " + count);
        short[] p = new short[8 * length];
        repeatedPairs(p, 0, length / 32);
        return p;
    }

    /** The pairs of {@link #repeatedPairs()} for 32-element blocks {@code [b0, b1)}, into {@code p}. */
    void repeatedPairs(short[] p, int b0, int b1) {
        for (int i = 16 * b0; i < 16 * b1; i++) {
            int pair = (qs[2 * i] & 0xFFFF) | (qs[2 * i + 1] << 16);
            if (VECTOR) {
                // one 32-byte store per pair instead of sixteen short stores (this runs on the calling thread for every
                // decoded token's inputs, with the other threads waiting)
                IntVector.broadcast(I8, pair).reinterpretAsShorts().intoArray(p, 16 * i);
            } else {
                for (int lane = 0; lane < 8; lane++) {
                    p[16 * i + 2 * lane] = qs[2 * i];
                    p[16 * i + 2 * lane + 1] = qs[2 * i + 1];
                }
            }
        }
    }
}
