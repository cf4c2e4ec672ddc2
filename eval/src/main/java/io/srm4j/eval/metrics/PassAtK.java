package io.srm4j.eval.metrics;

/**
 * The unbiased pass@k estimator from n samples with c correct (Chen et al., 2021):
 * {@code 1 - C(n-c, k) / C(n, k)}, the chance that a random k-subset of the samples holds a correct one.
 */
public final class PassAtK {
    private PassAtK() {}

    /**
     * Computed as {@code 1 - prod_{i=n-c+1..n} (1 - k/i)}, which never forms the huge binomials; the product is
     * summed in log space ({@code log1p}) and subtracted from 1 with {@code expm1}, so small pass@k values keep
     * their relative precision instead of cancelling.
     */
    public static double estimate(int n, int c, int k) {
        if (n <= 0) throw new IllegalArgumentException("pass@k needs n > 0 samples, got " + n);
        if (c < 0 || c > n) throw new IllegalArgumentException("correct count " + c + " outside [0, " + n + "]");
        if (k <= 0 || k > n) throw new IllegalArgumentException("k must be in [1, n=" + n + "], got " + k);
        if (n - c < k) return 1.0;
        double logAllWrong = 0.0;
        for (int i = n - c + 1; i <= n; i++) logAllWrong += Math.log1p(-(double) k / i);
        return -Math.expm1(logAllWrong);
    }
}
