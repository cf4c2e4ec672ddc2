package io.srm4j.train.autograd;

/**
 * {@code y = x · s · w} per row with {@code s = 1/sqrt(mean(x²) + eps)}; the sum of squares in double as the
 * runtime (and ggml) computes it.
 * Backward: {@code dw += dy·x·s}, {@code dx = s·w·dy − s³·x/n · Σ(dy·w·x)}.
 */
public final class RmsNorm {
    private RmsNorm() {}

    public static Tensor apply(Tape tape, Tensor x, Tensor w, float eps) {
        int n = x.cols(), rows = x.rows();
        if (w.size() != n) throw new IllegalArgumentException("norm weight has " + w.size() + " values, rows have " + n);
        Tensor y = Tensor.result(x.requiresGrad() || w.requiresGrad(), x.shape());
        float[] xs = x.data(), ws = w.data(), ys = y.data();
        float[] scale = new float[rows];
        for (int r = 0; r < rows; r++) {
            int o = r * n;
            double sum = 0;
            for (int i = 0; i < n; i++) sum += (double) (xs[o + i] * xs[o + i]);
            float mean = (float) (sum / n);
            float s = 1.0f / (float) Math.sqrt(mean + eps);
            scale[r] = s;
            for (int i = 0; i < n; i++) ys[o + i] = xs[o + i] * s * ws[i];
        }
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad();
                float[] dx = x.requiresGrad() ? x.grad() : null;
                float[] dw = w.requiresGrad() ? w.grad() : null;
                for (int r = 0; r < rows; r++) {
                    int o = r * n;
                    float s = scale[r];
                    if (dw != null) for (int i = 0; i < n; i++) dw[i] += dy[o + i] * xs[o + i] * s;
                    if (dx != null) {
                        double dot = 0;
                        for (int i = 0; i < n; i++) dot += dy[o + i] * ws[i] * xs[o + i];
                        float c = (float) (dot * s * s * s / n);
                        for (int i = 0; i < n; i++) dx[o + i] += s * ws[i] * dy[o + i] - c * xs[o + i];
                    }
                }
            });
        }
        return y;
    }
}
