package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;

/**
 * {@code y = x · s · w} per row with {@code s = 1/sqrt(mean(x²) + eps)}; the sum of squares added up in double.
 * Backward: {@code dw += dy·x·s}, {@code dx = s·w·dy − s³·x/n · Σ(dy·w·x)}. Rows run in parallel; the weight
 * gradient is summed per chunk of rows and the chunks' sums added in order, so the result does not depend on timing.
 */
public final class RmsNorm {
    private static final int ROWS_PER_CHUNK = 64;

    private RmsNorm() {}

    public static Tensor apply(Tape tape, Tensor x, Tensor w, float eps) {
        int n = x.cols(), rows = x.rows();
        if (w.size() != n) throw new IllegalArgumentException("norm weight has " + w.size() + " values, rows have " + n);
        Tensor y = Tensor.result(tape, x.requiresGrad() || w.requiresGrad(), x.shape());
        float[] xs = x.data(), ws = w.data(), ys = y.data();
        float[] scale = new float[rows];
        int chunks = (rows + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
        WorkerPool.shared().parallelFor(0, chunks, 1, (c0, c1) -> {
            for (int r = c0 * ROWS_PER_CHUNK; r < Math.min(rows, c1 * ROWS_PER_CHUNK); r++) {
                int o = r * n;
                float mean = (float) (VectorMath.sumSquares(xs, o, n) / n);
                float s = 1.0f / (float) Math.sqrt(mean + eps);
                scale[r] = s;
                for (int i = 0; i < n; i++) ys[o + i] = xs[o + i] * s * ws[i];
            }
        });
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad();
                float[] dx = x.requiresGrad() ? x.grad() : null;
                float[] dwPart = w.requiresGrad() ? new float[chunks * n] : null;
                WorkerPool.shared().parallelFor(0, chunks, 1, (c0, c1) -> {
                    for (int c = c0; c < c1; c++) {
                        for (int r = c * ROWS_PER_CHUNK; r < Math.min(rows, (c + 1) * ROWS_PER_CHUNK); r++) {
                            int o = r * n;
                            float s = scale[r];
                            if (dwPart != null) for (int i = 0; i < n; i++) dwPart[c * n + i] += dy[o + i] * xs[o + i] * s;
                            if (dx != null) {
                                double dot = 0;
                                for (int i = 0; i < n; i++) dot += dy[o + i] * ws[i] * xs[o + i];
                                float k = (float) (dot * s * s * s / n);
                                for (int i = 0; i < n; i++) dx[o + i] += s * ws[i] * dy[o + i] - k * xs[o + i];
                            }
                        }
                    }
                });
                if (dwPart != null) {
                    float[] dw = w.grad();
                    for (int c = 0; c < chunks; c++) for (int i = 0; i < n; i++) dw[i] += dwPart[c * n + i];
                }
            });
        }
        return y;
    }
}
