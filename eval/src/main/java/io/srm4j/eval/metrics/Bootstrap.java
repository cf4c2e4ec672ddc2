package io.srm4j.eval.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Percentile bootstrap confidence intervals over problems, reproducible from a seed. */
public final class Bootstrap {
    public static final int DEFAULT_RESAMPLES = 2000;

    private Bootstrap() {}

    /** A mean with its confidence interval. */
    public record Interval(double mean, double low, double high, double level) {}

    public static Interval meanInterval(double[] perProblem, int resamples, double level, long seed) {
        if (perProblem.length == 0) throw new IllegalArgumentException("bootstrap over zero problems");
        if (resamples < 1) throw new IllegalArgumentException("resamples must be >= 1");
        if (!(level > 0 && level < 1)) throw new IllegalArgumentException("confidence level must be in (0, 1)");
        double mean = mean(perProblem);
        int n = perProblem.length;
        double[] means = new double[resamples];
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += perProblem[random.nextInt(n)];
            means[r] = sum / n;
        }
        Arrays.sort(means);
        double alpha = (1 - level) / 2;
        return new Interval(mean, quantile(means, alpha), quantile(means, 1 - alpha), level);
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) sum += v;
        return sum / values.length;
    }

    /** Linear interpolation between order statistics (type 7, numpy's default). */
    static double quantile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int lower = (int) Math.floor(position);
        int upper = Math.min(lower + 1, sorted.length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }
}
