package io.srm4j.train.optim;

import io.srm4j.train.autograd.VectorMath;
import io.srm4j.train.model.Parameter;

import java.util.List;

/** Clipping by the global L2 norm of all gradients together, as torch.nn.utils.clip_grad_norm_. */
public final class GradientClipping {
    private GradientClipping() {}

    public static double globalNorm(List<Parameter> params) {
        double sum = 0;
        for (Parameter p : params) {
            if (!p.tensor().hasGrad()) continue;
            float[] g = p.tensor().grad();
            // per lane in float over short runs, the runs added in double: accurate, and far quicker than a double per element
            for (int i = 0; i < g.length; i += 4096) sum += VectorMath.sumSquares(g, i, Math.min(4096, g.length - i));
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
