package io.srm4j.bench;

/**
 * One engine's speeds in a side-by-side run. A reference that is not installed is {@link Status#MISSING} (reported,
 * not a failure); one that ran and broke is {@link Status#FAILED} with the reason in {@code note}.
 *
 * @param prefillTokensPerSecond prompt tokens per second (NaN when not measured)
 * @param decodeTokensPerSecond  generated tokens per second, one sequence (NaN when not measured)
 */
public record Measurement(String engine, Status status, double prefillTokensPerSecond, double decodeTokensPerSecond, String note) {
    public enum Status { OK, MISSING, FAILED }

    public Measurement {
        if (engine == null || engine.isBlank()) throw new IllegalArgumentException("engine name is empty");
        if (status == null) throw new IllegalArgumentException("status is null");
        note = note == null ? "" : note;
    }

    public static Measurement ok(String engine, double prefill, double decode, String note) {
        return new Measurement(engine, Status.OK, prefill, decode, note);
    }

    public static Measurement missing(String engine, String why) {
        return new Measurement(engine, Status.MISSING, Double.NaN, Double.NaN, why);
    }

    public static Measurement failed(String engine, String why) {
        return new Measurement(engine, Status.FAILED, Double.NaN, Double.NaN, why);
    }

    public boolean ok() {
        return status == Status.OK;
    }
}
