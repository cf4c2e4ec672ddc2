package io.srm4j.train.autograd;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finite-difference gradient check. The graph's output is reduced to {@code L = Σ out·r} with fixed random r, so
 * every output element contributes. Central differences in float with step {@value #STEP}; the loss sum is taken in
 * double so that rounding in the sum stays below the truncation error. An analytic value a and a numeric value d
 * agree when {@code |a − d| ≤ ATOL + RTOL·max(|a|, |d|)} with ATOL = {@value #ATOL}, RTOL = {@value #RTOL}: float
 * forward passes carry about 1e-6 relative error, which the 2·step denominator amplifies to ~1e-4 on O(1) losses.
 */
public final class GradCheck {
    static final float STEP = 1e-2f;
    static final double ATOL = 5e-3;
    static final double RTOL = 2e-2;

    private GradCheck() {}

    /** Checks d L / d leaf for up to {@code samples} coordinates of each leaf. */
    public static void check(String what, List<Tensor> leaves, Function<Tape, Tensor> graph, int samples, long seed) {
        Random rnd = new Random(seed);
        Tensor probe = graph.apply(Tape.NO_GRAD);
        float[] r = new float[probe.size()];
        for (int i = 0; i < r.length; i++) r[i] = (float) rnd.nextGaussian();

        for (Tensor leaf : leaves) leaf.zeroGrad();
        Tape tape = new Tape();
        Tensor out = graph.apply(tape);
        Tensor loss = weightedSum(tape, out, r);
        tape.backward(loss);

        for (int li = 0; li < leaves.size(); li++) {
            Tensor leaf = leaves.get(li);
            float[] g = leaf.grad();
            int n = leaf.size();
            int count = Math.min(samples, n);
            for (int s = 0; s < count; s++) {
                int i = count == n ? s : rnd.nextInt(n);
                float keep = leaf.data()[i];
                leaf.data()[i] = keep + STEP;
                double plus = dot(graph.apply(Tape.NO_GRAD), r);
                leaf.data()[i] = keep - STEP;
                double minus = dot(graph.apply(Tape.NO_GRAD), r);
                leaf.data()[i] = keep;
                double numeric = (plus - minus) / (2 * STEP);
                double analytic = g[i];
                if (Math.abs(analytic - numeric) > ATOL + RTOL * Math.max(Math.abs(analytic), Math.abs(numeric))) {
                    fail(what + ": leaf " + li + " " + leaf + " index " + i + ": analytic " + analytic + " vs numeric " + numeric);
                }
            }
        }
    }

    private static double dot(Tensor t, float[] r) {
        double s = 0;
        for (int i = 0; i < r.length; i++) s += (double) t.data()[i] * r[i];
        return s;
    }

    /** L = Σ x·r as a taped op (test-only). */
    static Tensor weightedSum(Tape tape, Tensor x, float[] r) {
        Tensor y = Tensor.result(x.requiresGrad(), 1);
        y.data()[0] = (float) dot(x, r);
        if (tape.records(y)) {
            tape.record(() -> {
                float g = y.grad()[0];
                float[] dx = x.grad();
                for (int i = 0; i < r.length; i++) dx[i] += g * r[i];
            });
        }
        return y;
    }

    public static Tensor randomParam(Random rnd, float scale, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian() * scale;
        return Tensor.param(v, shape);
    }
}
