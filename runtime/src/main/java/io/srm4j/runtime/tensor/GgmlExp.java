package io.srm4j.runtime.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml_v_expf (its AVX2 form), the exponential llama.cpp's softmax and SiLU use: a degree-5 polynomial on the reduced
 * argument with fused multiply-adds, scaled by 2^n through the exponent bits. {@link #expf(float)} is one lane of it
 * (the scalar twin); {@link #exp8} takes eight lanes at once with the same operations, bit for bit (GgmlExpTest), so
 * srm4j's softmaxes and SiLU give llama.cpp's values whichever runs: {@code Math.exp} would differ in the last bit now
 * and then.
 */
public final class GgmlExp {
    private GgmlExp() {}

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final boolean VECTOR = VectorKernels.INT_PATH;
    private static final float R = 0x1.8p23f;

    /** e^x, one lane of ggml_v_expf. */
    public static float expf(float x) {
        float z = Math.fma(x, 0x1.715476p+0f, R);
        float n = z - R;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        int e = Float.floatToRawIntBits(z) << 23;
        float k = Float.intBitsToFloat(e + Float.floatToRawIntBits(1f));
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                u, 0x1.ffffecp-1f * b);
        if (!(Math.abs(n) > 126)) return Math.fma(k, j, k);
        int g = n <= 0 ? 0x82000000 : 0;
        float s1 = Float.intBitsToFloat(g + 0x7f000000);
        float s2 = Float.intBitsToFloat(e - g);
        if (Math.abs(n) > 192) return s1 * s1;
        return Math.fma(s2, j, s2) * s1;
    }

    /**
     * {@code out[oo + i] = expf(x[xo + i] - sub)} for i in 0..7: in vector lanes, or one lane at a time where a lane's
     * exponent leaves ggml's fast range (|n| > 126, arguments beyond about ±87) or the machine has no 256-bit vectors.
     */
    public static void exp8(float[] x, int xo, float sub, float[] out, int oo) {
        if (VECTOR) {
            FloatVector y = FloatVector.fromArray(F8, x, xo).sub(sub);
            FloatVector z = y.fma(0x1.715476p+0f, R);
            FloatVector n = z.sub(R);
            if (!n.abs().compare(VectorOperators.GT, 126f).anyTrue()) {
                FloatVector nn = n.neg();
                FloatVector b = nn.fma(FloatVector.broadcast(F8, 0x1.7f7d1cp-20f), nn.fma(FloatVector.broadcast(F8, 0x1.62e4p-1f), y));
                FloatVector k = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(Float.floatToRawIntBits(1f)).reinterpretAsFloats();
                FloatVector u = b.mul(b);
                FloatVector j = b.fma(0x1.0e4020p-7f, 0x1.573e2ep-5f).fma(u, b.fma(0x1.555e66p-3f, 0x1.fffdb6p-2f)).fma(u, b.mul(0x1.ffffecp-1f));
                k.fma(j, k).intoArray(out, oo);
                return;
            }
        }
        for (int i = 0; i < 8; i++) out[oo + i] = expf(x[xo + i] - sub);
    }

    /**
     * {@code Σ expf(x[off + i] - max)} for {@code i < n} as ggml_vec_soft_max_f32 sums it: eight at a time
     * ({@link #exp8}), each eight added in float in {@link ScalarKernels#hsum8}'s order, those sums in double in index
     * order; with {@code keep}, each exponential is written back over its argument. {@code lane}: eight floats of scratch.
     */
    public static double expSum(float[] x, int off, int n, float max, boolean keep, float[] lane) {
        double sum = 0;
        int t = 0;
        for (; t + 8 <= n; t += 8) {
            exp8(x, off + t, max, lane, 0);
            if (keep) System.arraycopy(lane, 0, x, off + t, 8);
            sum += ScalarKernels.hsum8(lane);
        }
        if (t < n) {
            for (int l = 0; l < 8; l++) {
                lane[l] = t + l < n ? expf(x[off + t + l] - max) : 0f;
                if (keep && t + l < n) x[off + t + l] = lane[l];
            }
            sum += ScalarKernels.hsum8(lane);
        }
        return sum;
    }
}
