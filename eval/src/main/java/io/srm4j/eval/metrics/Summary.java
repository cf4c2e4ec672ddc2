package io.srm4j.eval.metrics;

import java.util.Arrays;

/** Distribution summary of a per-sample quantity (tokens, seconds). */
public record Summary(long count, double mean, double median, double p90, double min, double max, double total) {
    public static Summary of(double[] values) {
        if (values.length == 0) return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double total = 0;
        for (double v : sorted) total += v;
        return new Summary(sorted.length, total / sorted.length, Bootstrap.quantile(sorted, 0.5),
                Bootstrap.quantile(sorted, 0.9), sorted[0], sorted[sorted.length - 1], total);
    }
}
