package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API loops behind the layers: short dot products and axpys, SwiGLU and SiLU forward and backward, and a
 * softmax row. The JIT does not vectorise a float reduction by itself (that changes the summation order), nor
 * {@code Math.exp}. Each has a plain scalar twin that the tests hold it to.
 *
 * <p>Results must not depend on JIT state, or a resumed run would drift from an uninterrupted one: the Vector API's
 * own EXP and float ADD reductions compute differently when intrinsified (SVML, tree order) than in their Java
 * fallback. So exponentials use {@link #exp(FloatVector)}, built from basic IEEE operations that every tier
 * computes alike, with {@link #expScalar} giving the same bits for loop tails; and lanes are added in lane order.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Elements per parallel chunk of an elementwise loop: enough work to be worth waking a worker. */
    static final int GRAIN = 16_384;

    private VectorMath() {}

    // exp(x) = 2^n · e^r with n = round(x/ln2), r = x − n·ln2 (ln2 in two parts), e^r by Cephes' expf polynomial
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
            P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private static final float ROUND = 12582912f; // 1.5·2^23: adding it rounds to an integer held in the low bits
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    // inputs are clamped so 2^n stays a normal float: e^88 ≈ 1.7e38, e^-87 ≈ 1.6e-38 (below it, results are ~0 anyway)
    private static final float EXP_MAX = 88f, EXP_MIN = -87f;

    /** e^x per lane to about 2 ulps, bit for bit {@link #expScalar} of each lane; NaN stays NaN. */
    public static FloatVector exp(FloatVector x) {
        x = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = x.mul(LOG2E).add(ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = x.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector y = r.mul(P0).add(P1).mul(r).add(P2).mul(r).add(P3).mul(r).add(P4).mul(r).add(P5).mul(r.mul(r)).add(r).add(1f);
        FloatVector pow2 = t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(pow2);
    }

    public static float expScalar(float x) {
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float t = x * LOG2E + ROUND;
        float n = t - ROUND;
        float r = x - n * LN2_HI - n * LN2_LO;
        float y = ((((((r * P0 + P1) * r + P2) * r + P3) * r + P4) * r + P5) * (r * r) + r) + 1f;
        return y * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUND_BITS - 127)) << 23);
    }

    /** The lanes added one after another in lane order (the same in every JIT tier). */
    static double sumLanes(FloatVector v) {
        double s = 0;
        for (int i = 0; i < L; i++) s += v.lane(i);
        return s;
    }

    /** Runs {@code body} over {@code [0, n)}, in chunks across the shared pool when n is large enough. */
    static void forRange(int n, WorkerPool.RangeTask body) {
        if (n < 2 * GRAIN) body.run(0, n);
        else WorkerPool.shared().parallelFor(0, n, GRAIN, body);
    }

    /** Σ a[ao+i]·b[bo+i] over i < n. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float s = 0;
        for (int lane = 0; lane < L; lane++) s += acc.lane(lane);
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    public static float dotScalar(float[] a, int ao, float[] b, int bo, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** y[yo+i] += alpha·x[xo+i] over i < n. */
    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    public static void axpyScalar(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    /** y[i] = a[i] + b[i] over [from, to) (exact: no rounding differs from the scalar loop). */
    static void add(float[] a, float[] b, float[] y, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            FloatVector.fromArray(S, a, i).add(FloatVector.fromArray(S, b, i)).intoArray(y, i);
        }
        for (; i < to; i++) y[i] = a[i] + b[i];
    }

    /** y[i] = a[i]·b[i] over [from, to) (exact). */
    static void mul(float[] a, float[] b, float[] y, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            FloatVector.fromArray(S, a, i).mul(FloatVector.fromArray(S, b, i)).intoArray(y, i);
        }
        for (; i < to; i++) y[i] = a[i] * b[i];
    }

    /** dst[i] += src[i]·b[i] over [from, to) ({@code b == null}: dst[i] += src[i]); exact, no fused multiply-add. */
    static void addProduct(float[] dst, float[] src, float[] b, int from, int to) {
        int i = from;
        int end = from + S.loopBound(to - from);
        if (b == null) {
            for (; i < end; i += L) FloatVector.fromArray(S, dst, i).add(FloatVector.fromArray(S, src, i)).intoArray(dst, i);
            for (; i < to; i++) dst[i] += src[i];
        } else {
            for (; i < end; i += L) {
                FloatVector.fromArray(S, dst, i).add(FloatVector.fromArray(S, src, i).mul(FloatVector.fromArray(S, b, i))).intoArray(dst, i);
            }
            for (; i < to; i++) dst[i] += src[i] * b[i];
        }
    }

    /** {@code y = silu(g)·u} with {@code silu(g) = g / (1 + exp(−g))}; {@code u == null} gives silu alone. */
    public static void swiglu(float[] g, float[] u, float[] y, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, g, i);
            FloatVector s = x.div(exp(x.neg()).add(1f));
            if (u != null) s = s.mul(FloatVector.fromArray(S, u, i));
            s.intoArray(y, i);
        }
        for (; i < to; i++) {
            float s = g[i] / (1.0f + expScalar(-g[i]));
            y[i] = u == null ? s : s * u[i];
        }
    }

    public static void swigluScalar(float[] g, float[] u, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            float s = g[i] / (1.0f + (float) Math.exp(-g[i]));
            y[i] = u == null ? s : s * u[i];
        }
    }

    /**
     * Backward of {@link #swiglu}: with {@code σ = 1/(1+exp(−g))}, {@code dg += dy·u·σ·(1 + g·(1−σ))} and
     * {@code du += dy·g·σ}; {@code u == null} means silu alone (u = 1, no du); {@code dg} or {@code du} may be null.
     */
    public static void swigluBackward(float[] g, float[] u, float[] dy, float[] dg, float[] du, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, g, i), d = FloatVector.fromArray(S, dy, i);
            FloatVector sig = FloatVector.broadcast(S, 1f).div(exp(x.neg()).add(1f));
            if (dg != null) {
                FloatVector du0 = u == null ? d : d.mul(FloatVector.fromArray(S, u, i));
                FloatVector slope = sig.mul(x.mul(sig.neg().add(1f)).add(1f));
                FloatVector.fromArray(S, dg, i).add(du0.mul(slope)).intoArray(dg, i);
            }
            if (du != null && u != null) FloatVector.fromArray(S, du, i).add(d.mul(x.mul(sig))).intoArray(du, i);
        }
        for (; i < to; i++) {
            float sig = 1.0f / (1.0f + expScalar(-g[i]));
            if (dg != null) dg[i] += (u == null ? dy[i] : dy[i] * u[i]) * (sig * (g[i] * (1 - sig) + 1));
            if (du != null && u != null) du[i] += dy[i] * (g[i] * sig);
        }
    }

    public static void swigluBackwardScalar(float[] g, float[] u, float[] dy, float[] dg, float[] du, int from, int to) {
        for (int i = from; i < to; i++) {
            float sig = 1.0f / (1.0f + (float) Math.exp(-g[i]));
            if (dg != null) dg[i] += (u == null ? dy[i] : dy[i] * u[i]) * (sig * (1 + g[i] * (1 - sig)));
            if (du != null && u != null) du[i] += dy[i] * (g[i] * sig);
        }
    }

    /**
     * Softmax in place over {@code p[o..o+n)} after scaling by {@code scale}: the max subtracted, the sum of
     * exponentials accumulated per lane in float and added up in double.
     */
    public static void softmax(float[] p, int o, int n, float scale) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int end = S.loopBound(n), i = 0;
        for (; i < end; i += L) vmax = vmax.max(FloatVector.fromArray(S, p, o + i));
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, p[o + i]);
        max *= scale; // scale > 0: the largest scaled value is the scaled largest
        FloatVector vs = FloatVector.broadcast(S, scale), vm = FloatVector.broadcast(S, max), vsum = FloatVector.zero(S);
        for (i = 0; i < end; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, p, o + i).mul(vs).sub(vm));
            e.intoArray(p, o + i);
            vsum = vsum.add(e);
        }
        double sum = sumLanes(vsum);
        for (; i < n; i++) {
            float e = expScalar(p[o + i] * scale - max);
            p[o + i] = e;
            sum += e;
        }
        FloatVector inv = FloatVector.broadcast(S, (float) (1.0 / sum));
        for (i = 0; i < end; i += L) FloatVector.fromArray(S, p, o + i).mul(inv).intoArray(p, o + i);
        float invS = (float) (1.0 / sum);
        for (; i < n; i++) p[o + i] *= invS;
    }

    public static void softmaxScalar(float[] p, int o, int n, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int u = 0; u < n; u++) {
            p[o + u] *= scale;
            max = Math.max(max, p[o + u]);
        }
        double sum = 0;
        for (int u = 0; u < n; u++) {
            float e = (float) Math.exp(p[o + u] - max);
            p[o + u] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int u = 0; u < n; u++) p[o + u] *= inv;
    }

    /** Σ exp(z[o+i] − shift) over i < n, in double across lanes. */
    static double sumExp(float[] z, int o, int n, float shift) {
        FloatVector vm = FloatVector.broadcast(S, shift), acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) acc = acc.add(exp(FloatVector.fromArray(S, z, o + i).sub(vm)));
        double s = sumLanes(acc);
        for (; i < n; i++) s += expScalar(z[o + i] - shift);
        return s;
    }

    /** max of z[o..o+n). */
    static float max(float[] z, int o, int n) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) vmax = vmax.max(FloatVector.fromArray(S, z, o + i));
        float m = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, z[o + i]);
        return m;
    }

    /** dz[o+i] += g·exp(z[o+i] − shift) over i < n: the softmax part of cross-entropy's gradient. */
    static void addScaledExp(float[] dz, float[] z, int o, int n, float shift, float g) {
        FloatVector vm = FloatVector.broadcast(S, shift), vg = FloatVector.broadcast(S, g);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, z, o + i).sub(vm));
            FloatVector.fromArray(S, dz, o + i).add(e.mul(vg)).intoArray(dz, o + i);
        }
        for (; i < n; i++) dz[o + i] += g * expScalar(z[o + i] - shift);
    }

    /** Σ x[o+i]² over i < n, per lane in float, added up in double. */
    public static double sumSquares(float[] x, int o, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + i);
            acc = v.fma(v, acc);
        }
        double s = sumLanes(acc);
        for (; i < n; i++) s += (double) (x[o + i] * x[o + i]);
        return s;
    }
}
