package io.srm4j.train.optim;

import io.srm4j.runtime.tensor.WorkerPool;
import io.srm4j.train.model.Parameter;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.List;

/**
 * AdamW (Loshchilov & Hutter) as PyTorch defines it: decoupled weight decay {@code p −= lr·wd·p} on the parameters
 * whose {@link Parameter#decay()} is set, then the bias-corrected Adam step
 * {@code p −= lr · m̂ / (√v̂ + eps)}. Moments are kept in float per parameter, in the order of the parameter list.
 */
public final class AdamW {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHUNK = 32_768;

    public record Settings(float beta1, float beta2, float eps, float weightDecay) {
        public Settings {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("betas must lie in [0, 1)");
            if (!(eps > 0) || !(weightDecay >= 0)) throw new IllegalArgumentException("eps must be positive and weight decay non-negative");
        }

        /** β = (0.9, 0.95), eps 1e-8, weight decay 0.1: the usual choice for small language models. */
        public static Settings defaults() {
            return new Settings(0.9f, 0.95f, 1e-8f, 0.1f);
        }
    }

    private final List<Parameter> params;
    private final Settings s;
    private final float[][] m, v;
    private int step;

    public AdamW(List<Parameter> params, Settings settings) {
        this.params = List.copyOf(params);
        this.s = settings;
        m = new float[this.params.size()][];
        v = new float[this.params.size()][];
        for (int i = 0; i < m.length; i++) {
            Parameter p = this.params.get(i);
            m[i] = new float[p.tensor().size()];
            v[i] = new float[p.tensor().size()];
        }
    }

    /** Applies one update with learning rate {@code lr} from the gradients now in the parameters' buffers. */
    public void step(float lr) {
        step++;
        double c1 = 1 - Math.pow(s.beta1(), step), c2 = 1 - Math.pow(s.beta2(), step);
        float b1 = s.beta1(), b2 = s.beta2();
        for (int k = 0; k < params.size(); k++) {
            Parameter p = params.get(k);
            if (!p.tensor().requiresGrad() || !p.tensor().hasGrad()) continue; // frozen, or untouched this step
            float[] w = p.tensor().data(), g = p.tensor().grad(), mk = m[k], vk = v[k];
            float decay = p.decay() ? 1 - lr * s.weightDecay() : 1f;
            float stepSize = (float) (lr / c1);
            float invC2 = (float) (1 / c2);
            float eps = s.eps();
            if (w.length < 2 * CHUNK) update(w, g, mk, vk, 0, w.length, b1, b2, decay, stepSize, invC2, eps);
            else WorkerPool.shared().parallelFor(0, w.length, CHUNK, (from, to) -> update(w, g, mk, vk, from, to, b1, b2, decay, stepSize, invC2, eps));
        }
    }

    /**
     * The update of elements [from, to) on the Vector API, in exactly the scalar loop's operations and order (no
     * fused multiply-add; a float square root equals the rounded double one), so the result is bit for bit that of
     * {@link #updateScalar} and does not depend on how the range is split.
     */
    static void update(float[] w, float[] g, float[] m, float[] v, int from, int to, float b1, float b2, float decay,
                       float stepSize, float invC2, float eps) {
        int i = from;
        float c1 = 1 - b1, c2 = 1 - b2;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector gi = FloatVector.fromArray(S, g, i);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(gi.mul(c1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(gi.mul(c2).mul(gi));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector den = vi.mul(invC2).sqrt().add(eps);
            FloatVector.fromArray(S, w, i).mul(decay).sub(mi.mul(stepSize).div(den)).intoArray(w, i);
        }
        updateScalar(w, g, m, v, i, to, b1, b2, decay, stepSize, invC2, eps);
    }

    static void updateScalar(float[] w, float[] g, float[] m, float[] v, int from, int to, float b1, float b2, float decay,
                             float stepSize, float invC2, float eps) {
        for (int i = from; i < to; i++) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            w[i] = w[i] * decay - stepSize * m[i] / ((float) Math.sqrt(v[i] * invC2) + eps);
        }
    }

    /** Updates applied so far (the t of the bias correction). */
    public int stepCount() {
        return step;
    }

    public Settings settings() {
        return s;
    }

    /** First and second moments of parameter {@code index}, live (for checkpoints). */
    public float[] firstMoment(int index) {
        return m[index];
    }

    public float[] secondMoment(int index) {
        return v[index];
    }

    /** Restores the step count from a checkpoint (moments are restored through the live arrays). */
    public void restoreStepCount(int steps) {
        if (steps < 0) throw new IllegalArgumentException("negative step count " + steps);
        this.step = steps;
    }
}
