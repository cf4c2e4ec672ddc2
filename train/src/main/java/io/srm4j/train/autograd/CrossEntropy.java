package io.srm4j.train.autograd;

/**
 * Mean cross-entropy of logits [N, vocab] against target ids, over the positions whose target is not
 * {@link #IGNORE} (the loss mask: prompt tokens, padding). Log-softmax in double for a stable sum.
 * Backward: {@code dlogits = (softmax − onehot) · dloss / counted}.
 */
public final class CrossEntropy {
    /** A target that contributes no loss. */
    public static final int IGNORE = -1;

    private CrossEntropy() {}

    public static Tensor apply(Tape tape, Tensor logits, int[] targets) {
        int rows = logits.rows(), vocab = logits.cols();
        if (targets.length != rows) throw new IllegalArgumentException(targets.length + " targets for " + rows + " rows of logits");
        int counted = 0;
        for (int t : targets) {
            if (t == IGNORE) continue;
            if (t < 0 || t >= vocab) throw new IllegalArgumentException("target id " + t + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            counted++;
        }
        if (counted == 0) throw new IllegalArgumentException("every target is masked: the loss is undefined");
        float[] z = logits.data();
        float[] logSumExp = new float[rows];
        double total = 0;
        for (int r = 0; r < rows; r++) {
            if (targets[r] == IGNORE) continue;
            int o = r * vocab;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) max = Math.max(max, z[o + i]);
            double sum = 0;
            for (int i = 0; i < vocab; i++) sum += Math.exp(z[o + i] - max);
            double lse = max + Math.log(sum);
            logSumExp[r] = (float) lse;
            total += lse - z[o + targets[r]];
        }
        Tensor loss = Tensor.result(logits.requiresGrad(), 1);
        loss.data()[0] = (float) (total / counted);
        if (tape.records(loss)) {
            int[] saved = targets.clone();
            int n = counted;
            tape.record(() -> {
                float g = loss.grad()[0] / n;
                float[] dz = logits.grad();
                for (int r = 0; r < rows; r++) {
                    if (saved[r] == IGNORE) continue;
                    int o = r * vocab;
                    for (int i = 0; i < vocab; i++) dz[o + i] += g * (float) Math.exp(z[o + i] - logSumExp[r]);
                    dz[o + saved[r]] -= g;
                }
            });
        }
        return loss;
    }
}
