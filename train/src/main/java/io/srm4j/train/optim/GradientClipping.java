package io.srm4j.train.optim;

import io.srm4j.runtime.tensor.WorkerPool;
import io.srm4j.train.autograd.VectorMath;
import io.srm4j.train.model.Parameter;

import java.util.List;

/** Clipping by the global L2 norm of all gradients together, as torch.nn.utils.clip_grad_norm_. */
public final class GradientClipping {
    private static final int RUN = 4096;

    private GradientClipping() {}

    public static double globalNorm(List<Parameter> params) {
        double sum = 0;
        for (Parameter p : params) {
            if (!p.tensor().hasGrad()) continue;
            float[] g = p.tensor().grad();
            // per lane in float over short runs, the runs added in double and in order: accurate, independent of
            // the thread count, and far quicker than a double per element
            int runs = (g.length + RUN - 1) / RUN;
            double[] part = new double[runs];
            WorkerPool.shared().parallelFor(0, runs, 16, (r0, r1) -> {
                for (int r = r0; r < r1; r++) part[r] = VectorMath.sumSquares(g, r * RUN, Math.min(RUN, g.length - r * RUN));
            });
            for (double x : part) sum += x;
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
                WorkerPool.shared().parallelFor(0, g.length, 65_536, (from, to) -> {
                    for (int i = from; i < to; i++) g[i] *= scale;
                });
            }
        }
        return norm;
    }
}
