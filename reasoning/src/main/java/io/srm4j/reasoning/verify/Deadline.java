package io.srm4j.reasoning.verify;

/** A wall-clock budget that parsing and comparison poll, so a pathological input ends with a verdict, never a hang. */
public final class Deadline {
    private final long endNanos;
    private int polls;

    private Deadline(long endNanos) { this.endNanos = endNanos; }

    public static Deadline after(long millis) { return new Deadline(System.nanoTime() + millis * 1_000_000L); }
    public static Deadline none() { return new Deadline(Long.MAX_VALUE); }

    /** Throws {@link GradeTimeoutException} once the budget is spent (checks the clock every few calls: it is cheap but not free). */
    public void check() {
        if ((++polls & 15) == 0 && endNanos != Long.MAX_VALUE && System.nanoTime() - endNanos > 0) throw new GradeTimeoutException();
    }

    public static final class GradeTimeoutException extends RuntimeException {
        GradeTimeoutException() { super("comparison exceeded its time budget", null, false, false); }
    }
}
