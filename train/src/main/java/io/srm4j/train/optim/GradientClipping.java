package io.srm4j.train.optim;

import io.srm4j.train.model.Parameter;

import java.util.List;

/** Clipping by the global L2 norm of all gradients together, as torch.nn.utils.clip_grad_norm_. */
public final class GradientClipping {
    private GradientClipping() {}

    public static double globalNorm(List<Parameter> params) {
        double sum = 0;
        for (Parameter p : params) {
            if (!p.tensor().hasGrad()) continue;
            for (float g : p.tensor().grad()) sum += (double) g * g;
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales every gradient by {@code maxNorm / norm} when the global norm exceeds {@code maxNorm}.
     *
     * @return the norm before clipping (a training signal worth logging; NaN or infinite means a diverged step)
     */
    public static double clip(List<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("max norm must be positive, got " + maxNorm);
        double norm = globalNorm(params);
        if (norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (Parameter p : params) {
                if (!p.tensor().hasGrad()) continue;
                float[] g = p.tensor().grad();
                for (int i = 0; i < g.length; i++) g[i] *= scale;
            }
        }
        return norm;
    }
}
