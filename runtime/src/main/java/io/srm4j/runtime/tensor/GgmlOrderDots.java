package io.srm4j.runtime.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float dot products summed exactly as the two ggml kernels llama.cpp's attention uses on x86 (AVX2), so that
 * attention matches llama.cpp bit for bit: llamafile's tinyBLAS (eight FMA lanes, lane l taking elements l, l+8, …,
 * then {@link ScalarKernels#hsum8}) and {@code ggml_vec_dot_f16} (four eight-lane accumulators over steps of 32, reduced as
 * {@code GGML_F32x8_REDUCE}, elements past the last multiple of 32 added in double).
 *
 * <p>The scalar methods ({@link #tinyBlasScalar}, {@link #vecDotF16Scalar}) are the reference twins; the vector ones
 * use eight-lane vectors whose lanes are ggml's lanes, so each lane runs the same chain of fused multiply-adds and the
 * results are the same bits ({@code GgmlOrderDotsTest}). The column forms compute, for every output element i,
 * the dot over positions t of {@code rows[t * width + i]} with {@code p[t]} — the attention's value product —
 * with the elements in the lanes.
 */
public final class GgmlOrderDots {
    private GgmlOrderDots() {}

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    /** {@link ScalarKernels#hsum8} of a vector's lanes. */
    private static float hsum8(FloatVector v) {
        return ((v.lane(4) + v.lane(0)) + (v.lane(6) + v.lane(2))) + ((v.lane(5) + v.lane(1)) + (v.lane(7) + v.lane(3)));
    }

    /** tinyBLAS order over {@code n} (a multiple of 8) elements, {@code a} read with a stride. */
    public static float tinyBlasScalar(float[] a, int aOff, int aStride, float[] b, int bOff, int n) {
        if (n % 8 != 0) throw new IllegalArgumentException("tinyBLAS sums multiples of 8, got " + n);
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (int i = 0; i < n; i += 8) {
            int p = aOff + i * aStride, q = bOff + i;
            a0 = Math.fma(a[p], b[q], a0);
            a1 = Math.fma(a[p + aStride], b[q + 1], a1);
            a2 = Math.fma(a[p + 2 * aStride], b[q + 2], a2);
            a3 = Math.fma(a[p + 3 * aStride], b[q + 3], a3);
            a4 = Math.fma(a[p + 4 * aStride], b[q + 4], a4);
            a5 = Math.fma(a[p + 5 * aStride], b[q + 5], a5);
            a6 = Math.fma(a[p + 6 * aStride], b[q + 6], a6);
            a7 = Math.fma(a[p + 7 * aStride], b[q + 7], a7);
        }
        return ((a4 + a0) + (a6 + a2)) + ((a5 + a1) + (a7 + a3));
    }

    /** ggml_vec_dot_f16's order over {@code n} elements, {@code a} read with a stride; {@code acc}: 32 floats of scratch. */
    public static float vecDotF16Scalar(float[] a, int aOff, int aStride, float[] b, int bOff, int n, float[] acc) {
        java.util.Arrays.fill(acc, 0, 32, 0f);
        int np = n & ~31;
        for (int i = 0; i < np; i += 32) {
            for (int j = 0; j < 32; j++) acc[j] = Math.fma(a[aOff + (i + j) * aStride], b[bOff + i + j], acc[j]);
        }
        float x0 = (acc[0] + acc[16]) + (acc[8] + acc[24]), x1 = (acc[1] + acc[17]) + (acc[9] + acc[25]);
        float x2 = (acc[2] + acc[18]) + (acc[10] + acc[26]), x3 = (acc[3] + acc[19]) + (acc[11] + acc[27]);
        float x4 = (acc[4] + acc[20]) + (acc[12] + acc[28]), x5 = (acc[5] + acc[21]) + (acc[13] + acc[29]);
        float x6 = (acc[6] + acc[22]) + (acc[14] + acc[30]), x7 = (acc[7] + acc[23]) + (acc[15] + acc[31]);
        float t0 = x0 + x4, t1 = x1 + x5, t2 = x2 + x6, t3 = x3 + x7;
        double sum = (t0 + t1) + (t2 + t3);
        for (int i = np; i < n; i++) sum += a[aOff + i * aStride] * b[bOff + i];
        return (float) sum;
    }

    /**
     * ggml_vec_dot_bf16's order on AVX2 (its own loop, not GGML_SIMD's): four eight-lane FMA accumulators over steps
     * of 32 (the shipped haswell build fuses its multiply and add), added as (c1 + c3) + (c2 + c4), the lanes summed
     * as {@link ScalarKernels#hsum8} (not GGML_F32x8_REDUCE's hadd order), elements past the last multiple of 32
     * added in double. {@code acc}: 32 floats of scratch.
     */
    public static float vecDotBf16Scalar(float[] a, int aOff, float[] b, int bOff, int n, float[] acc) {
        java.util.Arrays.fill(acc, 0, 32, 0f);
        int np = n & ~31;
        for (int i = 0; i < np; i += 32) {
            for (int j = 0; j < 32; j++) acc[j] = Math.fma(a[aOff + i + j], b[bOff + i + j], acc[j]);
        }
        float[] c = new float[8];
        for (int l = 0; l < 8; l++) c[l] = (acc[l] + acc[16 + l]) + (acc[8 + l] + acc[24 + l]);
        double sum = ((c[4] + c[0]) + (c[6] + c[2])) + ((c[5] + c[1]) + (c[7] + c[3]));
        for (int i = np; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return (float) sum;
    }

    /** {@link #vecDotBf16Scalar} in vector lanes. */
    public static float vecDotBf16(float[] a, int aOff, float[] b, int bOff, int n) {
        int np = n & ~31;
        FloatVector x = sum32(a, aOff, b, bOff, np);
        double sum = hsum8(x);
        for (int i = np; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return (float) sum;
    }

    /**
     * ggml_vec_dot_f32's order on AVX2: as {@link #vecDotF16Scalar} (GGML_F32_STEP 32, GGML_F32x8_REDUCE) but the
     * sum kept in float, elements past the last multiple of 32 added in float.
     */
    public static float vecDotF32Scalar(float[] a, int aOff, float[] b, int bOff, int n, float[] acc) {
        int np = n & ~31;
        float sum = vecDotF16Scalar(a, aOff, 1, b, bOff, np, acc);
        for (int i = np; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** {@link #vecDotF32Scalar} in vector lanes. */
    public static float vecDotF32(float[] a, int aOff, float[] b, int bOff, int n) {
        int np = n & ~31;
        float sum = reduceHadd(sum32(a, aOff, b, bOff, np));
        for (int i = np; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** ggml's four accumulators over the first {@code np} (a multiple of 32) elements, added as (s0 + s2) + (s1 + s3). */
    private static FloatVector sum32(float[] a, int aOff, float[] b, int bOff, int np) {
        FloatVector s0 = FloatVector.zero(F8), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < np; i += 32) {
            s0 = FloatVector.fromArray(F8, a, aOff + i).fma(FloatVector.fromArray(F8, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F8, a, aOff + i + 8).fma(FloatVector.fromArray(F8, b, bOff + i + 8), s1);
            s2 = FloatVector.fromArray(F8, a, aOff + i + 16).fma(FloatVector.fromArray(F8, b, bOff + i + 16), s2);
            s3 = FloatVector.fromArray(F8, a, aOff + i + 24).fma(FloatVector.fromArray(F8, b, bOff + i + 24), s3);
        }
        return s0.add(s2).add(s1.add(s3));
    }

    /** GGML_F32x8_REDUCE's last steps: halves added, then two hadds. */
    private static float reduceHadd(FloatVector x) {
        float t0 = x.lane(0) + x.lane(4), t1 = x.lane(1) + x.lane(5), t2 = x.lane(2) + x.lane(6), t3 = x.lane(3) + x.lane(7);
        return (t0 + t1) + (t2 + t3);
    }

    /** {@link #tinyBlasScalar} with stride 1, in vector lanes. */
    public static float tinyBlas(float[] a, int aOff, float[] b, int bOff, int n) {
        if (n % 8 != 0) throw new IllegalArgumentException("tinyBLAS sums multiples of 8, got " + n);
        FloatVector acc = FloatVector.zero(F8);
        for (int i = 0; i < n; i += 8) acc = FloatVector.fromArray(F8, a, aOff + i).fma(FloatVector.fromArray(F8, b, bOff + i), acc);
        return hsum8(acc);
    }

    /**
     * {@link #tinyBlas} of four rows of {@code a} (at {@code aOff}, {@code aOff + k}, …) with two vectors of {@code b}
     * (at {@code bOff}, {@code bOff + k}): eight independent accumulator chains, as tinyBLAS's own tiles keep several
     * in flight, each the same chain as {@link #tinyBlas} so the results are the same bits. {@code out[outOff + j *
     * outStride + i]} receives row i with vector j.
     */
    public static void tinyBlas4x2(float[] a, int aOff, float[] b, int bOff, int k, float[] out, int outOff, int outStride) {
        if (k % 8 != 0) throw new IllegalArgumentException("tinyBLAS sums multiples of 8, got " + k);
        FloatVector c00 = FloatVector.zero(F8), c10 = c00, c20 = c00, c30 = c00, c01 = c00, c11 = c00, c21 = c00, c31 = c00;
        int a1 = aOff + k, a2 = aOff + 2 * k, a3 = aOff + 3 * k, b1 = bOff + k;
        for (int i = 0; i < k; i += 8) {
            FloatVector x0 = FloatVector.fromArray(F8, b, bOff + i), x1 = FloatVector.fromArray(F8, b, b1 + i);
            FloatVector w = FloatVector.fromArray(F8, a, aOff + i);
            c00 = w.fma(x0, c00);
            c01 = w.fma(x1, c01);
            w = FloatVector.fromArray(F8, a, a1 + i);
            c10 = w.fma(x0, c10);
            c11 = w.fma(x1, c11);
            w = FloatVector.fromArray(F8, a, a2 + i);
            c20 = w.fma(x0, c20);
            c21 = w.fma(x1, c21);
            w = FloatVector.fromArray(F8, a, a3 + i);
            c30 = w.fma(x0, c30);
            c31 = w.fma(x1, c31);
        }
        out[outOff] = hsum8(c00);
        out[outOff + 1] = hsum8(c10);
        out[outOff + 2] = hsum8(c20);
        out[outOff + 3] = hsum8(c30);
        out[outOff + outStride] = hsum8(c01);
        out[outOff + outStride + 1] = hsum8(c11);
        out[outOff + outStride + 2] = hsum8(c21);
        out[outOff + outStride + 3] = hsum8(c31);
    }

    /** {@link #vecDotF16Scalar} with stride 1, in vector lanes. */
    public static float vecDotF16(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(F8), s1 = s0, s2 = s0, s3 = s0;
        int np = n & ~31;
        for (int i = 0; i < np; i += 32) {
            s0 = FloatVector.fromArray(F8, a, aOff + i).fma(FloatVector.fromArray(F8, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F8, a, aOff + i + 8).fma(FloatVector.fromArray(F8, b, bOff + i + 8), s1);
            s2 = FloatVector.fromArray(F8, a, aOff + i + 16).fma(FloatVector.fromArray(F8, b, bOff + i + 16), s2);
            s3 = FloatVector.fromArray(F8, a, aOff + i + 24).fma(FloatVector.fromArray(F8, b, bOff + i + 24), s3);
        }
        double sum = vecDotF16Reduce(s0, s1, s2, s3);
        for (int i = np; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return (float) sum;
    }

    /**
     * {@code out[outOff + t] = scale * vecDotF16(rows, rowsOff + t * n, q, qOff, n)} for the {@code count} rows from
     * {@code rowsOff}: one query head's attention scores against every cached key of a decode step, the same bits as
     * {@link #vecDotF16} row by row. Heads of 64 take a loop whose row stride is a constant, so C2 checks the array
     * bounds once per loop instead of at every load, with the query in registers and the lane sum in two vector steps
     * instead of eight lane extractions (written out for 128 it ran 0.87x: 16 query vectors do not fit the registers).
     */
    public static void vecDotF16Rows(float[] rows, int rowsOff, int count, float[] q, int qOff, int n, float scale, float[] out, int outOff) {
        if (n == 64) {
            rows64(rows, rowsOff, count, q, qOff, scale, out, outOff);
        } else {
            for (int t = 0; t < count; t++) out[outOff + t] = vecDotF16(rows, rowsOff + t * n, q, qOff, n) * scale;
        }
    }

    /** {@link #vecDotF16Rows} for 64-element rows: the query in eight registers, each row's two steps of 32 written out. */
    private static void rows64(float[] rows, int rowsOff, int count, float[] q, int qOff, float scale, float[] out, int outOff) {
        FloatVector q0 = FloatVector.fromArray(F8, q, qOff), q1 = FloatVector.fromArray(F8, q, qOff + 8);
        FloatVector q2 = FloatVector.fromArray(F8, q, qOff + 16), q3 = FloatVector.fromArray(F8, q, qOff + 24);
        FloatVector q4 = FloatVector.fromArray(F8, q, qOff + 32), q5 = FloatVector.fromArray(F8, q, qOff + 40);
        FloatVector q6 = FloatVector.fromArray(F8, q, qOff + 48), q7 = FloatVector.fromArray(F8, q, qOff + 56);
        for (int t = 0; t < count; t++) {
            int r = rowsOff + 64 * t;
            FloatVector s0 = FloatVector.fromArray(F8, rows, r + 32).fma(q4, FloatVector.fromArray(F8, rows, r).mul(q0));
            FloatVector s1 = FloatVector.fromArray(F8, rows, r + 40).fma(q5, FloatVector.fromArray(F8, rows, r + 8).mul(q1));
            FloatVector s2 = FloatVector.fromArray(F8, rows, r + 48).fma(q6, FloatVector.fromArray(F8, rows, r + 16).mul(q2));
            FloatVector s3 = FloatVector.fromArray(F8, rows, r + 56).fma(q7, FloatVector.fromArray(F8, rows, r + 24).mul(q3));
            out[outOff + t] = reduce(s0.add(s2).add(s1.add(s3))) * scale;
        }
    }

    // ------------------------------------------------------------------ straight from an F16 cache

    /**
     * An F16 value's sign, exponent and mantissa bits moved to a float's places make the float value times 2^-112
     * exactly, for every finite half (a normal half becomes a normal float, a subnormal one a subnormal float). The
     * decode kernels below read an F16 cache so, with the other operand multiplied by this (exact too), and each product
     * is bit for bit the product of the converted half: the conversion costs three vector instructions instead of the
     * ten of {@link VectorKernels#f16ToF32}, which also maps infinities and NaN, and nothing is stored in between.
     */
    public static final float HALF_BITS_SCALE = 0x1p112f;

    private static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    /** Eight finite halves from {@code h[i]} as floats times 2^-112 (see {@link #HALF_BITS_SCALE}). */
    private static FloatVector halfBits(short[] h, int i) {
        return ((IntVector) ShortVector.fromArray(S8, h, i).convertShape(VectorOperators.S2I, I8, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats();
    }

    /**
     * A decode step's attention scores straight from an F16 key cache: for each of {@code heads} query heads h and
     * {@code count} key rows t (halves from {@code keys[off + t * stride]}, all finite),
     * {@code out[outOff + h * outStride + t] = scale * vecDotF16(key_t as floats, q_h, n)}, bit for bit, with
     * {@code q_h} the {@code n} floats from {@code q[qOff + h * n]} divided by {@link #HALF_BITS_SCALE} (the caller
     * multiplies the query by it). {@code n} a multiple of 32. Heads go in pairs, each converted key vector serving both
     * (GQA: Qwen3's two query heads per key head, Qwen2.5-0.5B's seven).
     */
    public static void vecDotF16HalfRows(short[] keys, int off, int stride, int count, float[] q, int qOff, int n, int heads,
                                         float scale, float[] out, int outOff, int outStride) {
        if (n % 32 != 0) throw new IllegalArgumentException("rows of a multiple of 32 halves, got " + n);
        // pairs and a last odd head in methods of their own: compiled as one, with both loops hot (Qwen2.5's seven
        // heads), the method ran at a third of the speed
        int h = 0;
        for (; h + 1 < heads; h += 2) halfRowsTwoHeads(keys, off, stride, count, q, qOff + h * n, n, scale, out, outOff + h * outStride, outStride);
        if (h < heads) halfRowsOneHead(keys, off, stride, count, q, qOff + h * n, n, scale, out, outOff + h * outStride);
    }

    private static void halfRowsTwoHeads(short[] keys, int off, int stride, int count, float[] q, int qa, int n, float scale, float[] out,
                                         int outOff, int outStride) {
        int qb = qa + n;
        for (int t = 0; t < count; t++) {
            int r = off + t * stride;
            FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int i = 0; i < n; i += 32) {
                FloatVector k0 = halfBits(keys, r + i), k1 = halfBits(keys, r + i + 8);
                FloatVector k2 = halfBits(keys, r + i + 16), k3 = halfBits(keys, r + i + 24);
                a0 = k0.fma(FloatVector.fromArray(F8, q, qa + i), a0);
                a1 = k1.fma(FloatVector.fromArray(F8, q, qa + i + 8), a1);
                a2 = k2.fma(FloatVector.fromArray(F8, q, qa + i + 16), a2);
                a3 = k3.fma(FloatVector.fromArray(F8, q, qa + i + 24), a3);
                b0 = k0.fma(FloatVector.fromArray(F8, q, qb + i), b0);
                b1 = k1.fma(FloatVector.fromArray(F8, q, qb + i + 8), b1);
                b2 = k2.fma(FloatVector.fromArray(F8, q, qb + i + 16), b2);
                b3 = k3.fma(FloatVector.fromArray(F8, q, qb + i + 24), b3);
            }
            out[outOff + t] = vecDotF16Reduce(a0, a1, a2, a3) * scale;
            out[outOff + outStride + t] = vecDotF16Reduce(b0, b1, b2, b3) * scale;
        }
    }

    /** {@link #halfRowsTwoHeads} for one head: the same loop, kept apart on purpose (see vecDotF16HalfRows). */
    private static void halfRowsOneHead(short[] keys, int off, int stride, int count, float[] q, int qa, int n, float scale, float[] out, int outOff) {
        for (int t = 0; t < count; t++) {
            int r = off + t * stride;
            FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < n; i += 32) {
                a0 = halfBits(keys, r + i).fma(FloatVector.fromArray(F8, q, qa + i), a0);
                a1 = halfBits(keys, r + i + 8).fma(FloatVector.fromArray(F8, q, qa + i + 8), a1);
                a2 = halfBits(keys, r + i + 16).fma(FloatVector.fromArray(F8, q, qa + i + 16), a2);
                a3 = halfBits(keys, r + i + 24).fma(FloatVector.fromArray(F8, q, qa + i + 24), a3);
            }
            out[outOff + t] = vecDotF16Reduce(a0, a1, a2, a3) * scale;
        }
    }

    /** {@link #vecDotF16}'s reduction of its four accumulators, before the elements past the last step of 32. */
    private static float vecDotF16Reduce(FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3) {
        FloatVector x = s0.add(s2).add(s1.add(s3));
        float t0 = x.lane(0) + x.lane(4), t1 = x.lane(1) + x.lane(5), t2 = x.lane(2) + x.lane(6), t3 = x.lane(3) + x.lane(7);
        return (t0 + t1) + (t2 + t3);
    }

    /**
     * A decode step's value product straight from an F16 value cache, for {@code heads} query heads: for head h,
     * {@code out[outOff + h * width + i]} ({@code i < width}, a multiple of 32) is bit for bit {@link #vecDotF16Columns}
     * over {@code np} positions (a multiple of 32) of the rows {@code rows[t][offsets[t] ..]} (halves, all finite) for
     * {@code t < n} and zero rows after, with head h's probabilities {@code p[pOff + h * pStride + t]} divided by
     * {@link #HALF_BITS_SCALE} (the caller multiplies them by it; those from n on are zero). Heads go in pairs and
     * columns 32 at a time, so each converted vector serves two heads with eight chains of fmas in registers.
     * {@code acc}: at least {@code 64 * width} floats of scratch.
     */
    public static void vecDotF16HalfColumns(short[][] rows, int[] offsets, int n, int np, int width, int heads, float[] p, int pOff, int pStride,
                                            float[] out, int outOff, float[] acc) {
        if (np % 32 != 0 || n > np || width % 32 != 0) throw new IllegalArgumentException(n + " of " + np + " positions, width " + width);
        if (acc.length < 64 * width) throw new IllegalArgumentException("scratch of " + acc.length + " floats, " + 64 * width + " needed");
        // pairs and a last odd head in methods of their own, as vecDotF16HalfRows
        int h = 0;
        for (; h + 1 < heads; h += 2) {
            halfColumnsTwoHeads(rows, offsets, n, np, width, p, pOff + h * pStride, pOff + (h + 1) * pStride, acc);
            vecDotF16ColumnsReduce(acc, 0, width, out, outOff + h * width);
            vecDotF16ColumnsReduce(acc, 32 * width, width, out, outOff + (h + 1) * width);
        }
        if (h < heads) {
            halfColumnsOneHead(rows, offsets, n, np, width, p, pOff + h * pStride, acc);
            vecDotF16ColumnsReduce(acc, 0, width, out, outOff + h * width);
        }
    }

    /** ggml's 32 accumulators of every column for two heads, the second's {@code 32 * width} floats after the first's. */
    private static void halfColumnsTwoHeads(short[][] rows, int[] offsets, int n, int np, int width, float[] p, int pa, int pb, float[] acc) {
        int accB = 32 * width;
        for (int i0 = 0; i0 < width; i0 += 32) {
            for (int j = 0; j < 32; j++) {
                FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                int t = j;
                for (; t < n; t += 32) {
                    short[] row = rows[t];
                    int r = offsets[t] + i0;
                    FloatVector v0 = halfBits(row, r), v1 = halfBits(row, r + 8), v2 = halfBits(row, r + 16), v3 = halfBits(row, r + 24);
                    FloatVector x = FloatVector.broadcast(F8, p[pa + t]), y = FloatVector.broadcast(F8, p[pb + t]);
                    a0 = v0.fma(x, a0);
                    a1 = v1.fma(x, a1);
                    a2 = v2.fma(x, a2);
                    a3 = v3.fma(x, a3);
                    b0 = v0.fma(y, b0);
                    b1 = v1.fma(y, b1);
                    b2 = v2.fma(y, b2);
                    b3 = v3.fma(y, b3);
                }
                if (t < np) {
                    // the zero row of a padded position: fma(0, 0, s) is s + 0, which turns a -0 sum into +0
                    a0 = a0.add(0f);
                    a1 = a1.add(0f);
                    a2 = a2.add(0f);
                    a3 = a3.add(0f);
                    b0 = b0.add(0f);
                    b1 = b1.add(0f);
                    b2 = b2.add(0f);
                    b3 = b3.add(0f);
                }
                int a = j * width + i0;
                a0.intoArray(acc, a);
                a1.intoArray(acc, a + 8);
                a2.intoArray(acc, a + 16);
                a3.intoArray(acc, a + 24);
                b0.intoArray(acc, accB + a);
                b1.intoArray(acc, accB + a + 8);
                b2.intoArray(acc, accB + a + 16);
                b3.intoArray(acc, accB + a + 24);
            }
        }
    }

    /** {@link #halfColumnsTwoHeads} for one head: the same loop, kept apart on purpose (see vecDotF16HalfRows). */
    private static void halfColumnsOneHead(short[][] rows, int[] offsets, int n, int np, int width, float[] p, int pa, float[] acc) {
        for (int i0 = 0; i0 < width; i0 += 32) {
            for (int j = 0; j < 32; j++) {
                FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0;
                int t = j;
                for (; t < n; t += 32) {
                    short[] row = rows[t];
                    int r = offsets[t] + i0;
                    FloatVector x = FloatVector.broadcast(F8, p[pa + t]);
                    a0 = halfBits(row, r).fma(x, a0);
                    a1 = halfBits(row, r + 8).fma(x, a1);
                    a2 = halfBits(row, r + 16).fma(x, a2);
                    a3 = halfBits(row, r + 24).fma(x, a3);
                }
                if (t < np) {
                    a0 = a0.add(0f);
                    a1 = a1.add(0f);
                    a2 = a2.add(0f);
                    a3 = a3.add(0f);
                }
                int a = j * width + i0;
                a0.intoArray(acc, a);
                a1.intoArray(acc, a + 8);
                a2.intoArray(acc, a + 16);
                a3.intoArray(acc, a + 24);
            }
        }
    }

    private static final jdk.incubator.vector.VectorShuffle<Float> SWAP_PAIRS = jdk.incubator.vector.VectorShuffle.fromValues(FloatVector.SPECIES_128, 1, 0, 3, 2);

    /** {@code GGML_F32x8_REDUCE}'s last steps: lanes i and i+4 added, then (t0 + t1) + (t2 + t3). */
    private static float reduce(FloatVector x) {
        FloatVector t = x.reinterpretShape(FloatVector.SPECIES_128, 0).reinterpretAsFloats()
                .add(x.reinterpretShape(FloatVector.SPECIES_128, 1).reinterpretAsFloats());
        FloatVector u = t.add(t.rearrange(SWAP_PAIRS));
        return u.lane(0) + u.lane(2);
    }

    /**
     * {@code out[outOff + i] = tinyBlasScalar(rows, rowsOff + i, width, p, pOff, n)} for {@code i < width}: the
     * elements in the lanes, one accumulator per tinyBLAS lane (t mod 8).
     */
    public static void tinyBlasColumns(float[] rows, int rowsOff, int width, float[] p, int pOff, int n, float[] out, int outOff) {
        if (n % 8 != 0) throw new IllegalArgumentException("tinyBLAS sums multiples of 8, got " + n);
        int i = 0;
        for (; i + 8 <= width; i += 8) {
            FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int t = 0; t < n; t += 8) {
                int r = rowsOff + t * width + i, q = pOff + t;
                a0 = FloatVector.fromArray(F8, rows, r).fma(FloatVector.broadcast(F8, p[q]), a0);
                a1 = FloatVector.fromArray(F8, rows, r + width).fma(FloatVector.broadcast(F8, p[q + 1]), a1);
                a2 = FloatVector.fromArray(F8, rows, r + 2 * width).fma(FloatVector.broadcast(F8, p[q + 2]), a2);
                a3 = FloatVector.fromArray(F8, rows, r + 3 * width).fma(FloatVector.broadcast(F8, p[q + 3]), a3);
                a4 = FloatVector.fromArray(F8, rows, r + 4 * width).fma(FloatVector.broadcast(F8, p[q + 4]), a4);
                a5 = FloatVector.fromArray(F8, rows, r + 5 * width).fma(FloatVector.broadcast(F8, p[q + 5]), a5);
                a6 = FloatVector.fromArray(F8, rows, r + 6 * width).fma(FloatVector.broadcast(F8, p[q + 6]), a6);
                a7 = FloatVector.fromArray(F8, rows, r + 7 * width).fma(FloatVector.broadcast(F8, p[q + 7]), a7);
            }
            a4.add(a0).add(a6.add(a2)).add(a5.add(a1).add(a7.add(a3))).intoArray(out, outOff + i);
        }
        for (; i < width; i++) out[outOff + i] = tinyBlasScalar(rows, rowsOff + i, width, p, pOff, n);
    }

    /**
     * {@code out[outOff + i] = vecDotF16Scalar(rows, rowsOff + i, width, p, pOff, n, …)} for {@code i < width}: the
     * elements in the lanes, ggml's 32 accumulators (t mod 32) for every column in {@code acc} (at least
     * {@code 32 * (width & ~7)} floats of scratch), 64 columns at a time so each row's bytes are read once (eight
     * columns at a time, a long cache's rows were read again from L2 for every eight), each accumulator summing its
     * positions in order.
     */
    public static void vecDotF16Columns(float[] rows, int rowsOff, int width, float[] p, int pOff, int n, float[] out, int outOff, float[] acc) {
        int np = n & ~31, vw = width & ~7;
        if (acc.length < 32 * vw) throw new IllegalArgumentException("scratch of " + acc.length + " floats, " + 32 * vw + " needed");
        vecDotF16ColumnSums(rows, rowsOff, width, p, pOff, np, acc);
        vecDotF16ColumnsReduce(acc, 0, width, out, outOff);
        if (np < n) {
            for (int i = 0; i < vw; i++) {
                double sum = out[outOff + i];
                for (int t = np; t < n; t++) sum += rows[rowsOff + t * width + i] * p[pOff + t];
                out[outOff + i] = (float) sum;
            }
        }
        for (int i = vw; i < width; i++) out[outOff + i] = vecDotF16Scalar(rows, rowsOff + i, width, p, pOff, n, acc);
    }

    /**
     * ggml's 32 accumulators (position mod 32) of the first {@code width & ~7} columns over positions 0..np-1 (a
     * multiple of 32), accumulator j of columns i..i+7 into {@code acc[j * (width & ~7) + i ..]}.
     */
    private static void vecDotF16ColumnSums(float[] rows, int rowsOff, int width, float[] p, int pOff, int np, float[] acc) {
        int vw = width & ~7, i0 = 0;
        for (; i0 + 64 <= vw; i0 += 64) {
            // 64 columns at a time: eight independent chains of fmas, each row's 256 bytes read once
            for (int j = 0; j < 32; j++) {
                FloatVector s0 = FloatVector.zero(F8), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
                for (int t = j; t < np; t += 32) {
                    FloatVector pt = FloatVector.broadcast(F8, p[pOff + t]);
                    int r = rowsOff + t * width + i0;
                    s0 = FloatVector.fromArray(F8, rows, r).fma(pt, s0);
                    s1 = FloatVector.fromArray(F8, rows, r + 8).fma(pt, s1);
                    s2 = FloatVector.fromArray(F8, rows, r + 16).fma(pt, s2);
                    s3 = FloatVector.fromArray(F8, rows, r + 24).fma(pt, s3);
                    s4 = FloatVector.fromArray(F8, rows, r + 32).fma(pt, s4);
                    s5 = FloatVector.fromArray(F8, rows, r + 40).fma(pt, s5);
                    s6 = FloatVector.fromArray(F8, rows, r + 48).fma(pt, s6);
                    s7 = FloatVector.fromArray(F8, rows, r + 56).fma(pt, s7);
                }
                int a = j * vw + i0;
                s0.intoArray(acc, a);
                s1.intoArray(acc, a + 8);
                s2.intoArray(acc, a + 16);
                s3.intoArray(acc, a + 24);
                s4.intoArray(acc, a + 32);
                s5.intoArray(acc, a + 40);
                s6.intoArray(acc, a + 48);
                s7.intoArray(acc, a + 56);
            }
        }
        for (; i0 < vw; i0 += 8) {
            for (int j = 0; j < 32; j++) {
                FloatVector s0 = FloatVector.zero(F8);
                for (int t = j; t < np; t += 32) s0 = FloatVector.fromArray(F8, rows, rowsOff + t * width + i0).fma(FloatVector.broadcast(F8, p[pOff + t]), s0);
                s0.intoArray(acc, j * vw + i0);
            }
        }
    }

    /** ggml's reduction of the 32 accumulators of {@link #vecDotF16ColumnSums} (from {@code accOff}) into {@code out[outOff ..+ (width & ~7))}. */
    private static void vecDotF16ColumnsReduce(float[] acc, int accOff, int width, float[] out, int outOff) {
        int vw = width & ~7;
        for (int k = 0; k < vw; k += 8) {
            int i = accOff + k;
            // written out: vectors assigned in a loop from null were boxed by C2
            FloatVector t0 = v(acc, 0, vw, i).add(v(acc, 16, vw, i)).add(v(acc, 8, vw, i).add(v(acc, 24, vw, i)))
                    .add(v(acc, 4, vw, i).add(v(acc, 20, vw, i)).add(v(acc, 12, vw, i).add(v(acc, 28, vw, i))));
            FloatVector t1 = v(acc, 1, vw, i).add(v(acc, 17, vw, i)).add(v(acc, 9, vw, i).add(v(acc, 25, vw, i)))
                    .add(v(acc, 5, vw, i).add(v(acc, 21, vw, i)).add(v(acc, 13, vw, i).add(v(acc, 29, vw, i))));
            FloatVector t2 = v(acc, 2, vw, i).add(v(acc, 18, vw, i)).add(v(acc, 10, vw, i).add(v(acc, 26, vw, i)))
                    .add(v(acc, 6, vw, i).add(v(acc, 22, vw, i)).add(v(acc, 14, vw, i).add(v(acc, 30, vw, i))));
            FloatVector t3 = v(acc, 3, vw, i).add(v(acc, 19, vw, i)).add(v(acc, 11, vw, i).add(v(acc, 27, vw, i)))
                    .add(v(acc, 7, vw, i).add(v(acc, 23, vw, i)).add(v(acc, 15, vw, i).add(v(acc, 31, vw, i))));
            t0.add(t1).add(t2.add(t3)).intoArray(out, outOff + k);
        }
    }

    /** Accumulator j of columns i..i+7, as {@link #vecDotF16Columns} lays them out. */
    private static FloatVector v(float[] acc, int j, int vw, int i) {
        return FloatVector.fromArray(F8, acc, j * vw + i);
    }
}
