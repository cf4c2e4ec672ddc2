package io.srm4j.train.optim;

/** The learning rate for optimiser step {@code step} (0-based). */
@FunctionalInterface
public interface LearningRateSchedule {
    float at(int step);

    static LearningRateSchedule constant(float lr) {
        return step -> lr;
    }

    /**
     * Linear warm-up from peak/warmup to peak over {@code warmup} steps, then a cosine decay to {@code min} at
     * {@code total}, and {@code min} after.
     */
    static LearningRateSchedule warmupCosine(float peak, float min, int warmup, int total) {
        if (warmup < 0 || total <= warmup) throw new IllegalArgumentException("need 0 <= warmup < total, got warmup " + warmup + ", total " + total);
        if (!(peak > 0) || !(min >= 0) || min > peak) throw new IllegalArgumentException("need 0 <= min <= peak, peak > 0");
        return step -> {
            if (step < warmup) return peak * (step + 1) / warmup;
            double progress = Math.min(1.0, (double) (step - warmup) / (total - warmup));
            return (float) (min + 0.5 * (peak - min) * (1 + Math.cos(Math.PI * progress)));
        };
    }
}
