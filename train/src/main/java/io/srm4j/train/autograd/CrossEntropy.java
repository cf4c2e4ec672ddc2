package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;

/**
 * Mean cross-entropy of logits [N, vocab] against target ids, over the positions whose target is not
 * {@link #IGNORE} (the loss mask: prompt tokens, padding). Log-sum-exp per row with the max subtracted and the sum in
 * double; rows run in parallel, their losses added up in row order.
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
        double[] rowLoss = new double[rows];
        int[] saved = targets.clone();
        WorkerPool.shared().parallelFor(0, rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                if (saved[r] == IGNORE) continue;
                int o = r * vocab;
                float max = VectorMath.max(z, o, vocab);
                double lse = max + Math.log(VectorMath.sumExp(z, o, vocab, max));
                logSumExp[r] = (float) lse;
                rowLoss[r] = lse - z[o + saved[r]];
            }
        });
        double total = 0;
        for (double l : rowLoss) total += l;
        Tensor loss = Tensor.result(tape, logits.requiresGrad(), 1);
        loss.data()[0] = (float) (total / counted);
        if (tape.records(loss)) {
            int n = counted;
            tape.record(() -> {
                float g = loss.grad()[0] / n;
                float[] dz = logits.grad();
                WorkerPool.shared().parallelFor(0, rows, 16, (from, to) -> {
                    for (int r = from; r < to; r++) {
                        if (saved[r] == IGNORE) continue;
                        int o = r * vocab;
                        VectorMath.addScaledExp(dz, z, o, vocab, logSumExp[r], g);
                        dz[o + saved[r]] -= g;
                    }
                });
            });
        }
        return loss;
    }
}
