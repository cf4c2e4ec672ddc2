package io.srm4j.bench;

import java.util.Arrays;

/** The arithmetic of the report: medians and ratios, NaN wherever an input is missing or not positive. */
public final class Ratios {
    private Ratios() {}

    /** {@code a / b}; NaN when either side was not measured or {@code b} is not positive (no division by zero). */
    public static double ratio(double a, double b) {
        if (!Double.isFinite(a) || !Double.isFinite(b) || b <= 0 || a < 0) return Double.NaN;
        return a / b;
    }

    /** Median of the values (mean of the middle two for an even count). */
    public static double median(double... v) {
        if (v.length == 0) throw new IllegalArgumentException("median of no values");
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** srm4j over a reference, prefill and decode; NaN when either was not measured. */
    public record Versus(String reference, double prefill, double decode) {
        public static Versus of(Measurement srm4j, Measurement reference) {
            boolean both = srm4j.ok() && reference.ok();
            return new Versus(reference.engine(),
                    both ? ratio(srm4j.prefillTokensPerSecond(), reference.prefillTokensPerSecond()) : Double.NaN,
                    both ? ratio(srm4j.decodeTokensPerSecond(), reference.decodeTokensPerSecond()) : Double.NaN);
        }
    }

    /** "1.23x", or "n/a" for a ratio that could not be formed. */
    public static String format(double ratio) {
        return Double.isFinite(ratio) ? String.format("%.2fx", ratio) : "n/a";
    }
}
