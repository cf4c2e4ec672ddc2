package io.srm4j.eval.run;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A text progress bar with rate and ETA. On a terminal it redraws one line with {@code \r}; otherwise (logs,
 * pipes, CI) it prints a plain line every few seconds, so the output stays readable in a file.
 */
public final class Progress {
    private static final int WIDTH = 30;
    private static final long PLAIN_INTERVAL_NANOS = 5_000_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final int total;
    private final int alreadyDone;
    private final long startNanos;
    private int done;
    private long lastPrintNanos;
    private long generatedTokens;

    public Progress(PrintStream out, boolean terminal, String label, int total, int alreadyDone) {
        this.out = out;
        this.terminal = terminal;
        this.label = label;
        this.total = total;
        this.alreadyDone = alreadyDone;
        this.done = alreadyDone;
        this.startNanos = System.nanoTime();
        this.lastPrintNanos = Long.MIN_VALUE;
    }

    /** stderr; redraws in place only when a console is attached. */
    public static Progress onStderr(String label, int total, int alreadyDone) {
        return new Progress(System.err, System.console() != null, label, total, alreadyDone);
    }

    public synchronized void advance(int generatedTokensOfSample) {
        done++;
        generatedTokens += generatedTokensOfSample;
        long now = System.nanoTime();
        if (terminal || done == total || now - lastPrintNanos >= PLAIN_INTERVAL_NANOS) {
            print(now);
            lastPrintNanos = now;
        }
    }

    public synchronized void start() {
        print(System.nanoTime());
        lastPrintNanos = System.nanoTime();
    }

    public synchronized void finish() {
        if (terminal) out.println();
        out.flush();
    }

    synchronized String line(long now) {
        double fraction = total == 0 ? 1 : (double) done / total;
        int filled = (int) Math.round(fraction * WIDTH);
        StringBuilder bar = new StringBuilder(label).append(" [");
        bar.append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
        bar.append(done).append('/').append(total).append(String.format(Locale.ROOT, " %3.0f%%", fraction * 100));
        double elapsed = (now - startNanos) / 1e9;
        int doneHere = done - alreadyDone;
        if (doneHere > 0 && elapsed > 0) {
            double perSecond = doneHere / elapsed;
            bar.append(String.format(Locale.ROOT, " | %.2f samples/s, %.0f tok/s", perSecond, generatedTokens / elapsed));
            bar.append(" | elapsed ").append(duration(elapsed));
            if (done < total) bar.append(" | ETA ").append(duration((total - done) / perSecond));
        } else if (alreadyDone > 0 && done == alreadyDone) {
            bar.append(" | resumed");
        }
        return bar.toString();
    }

    private void print(long now) {
        String text = line(now);
        if (terminal) {
            out.print("\r" + text + "\u001b[K");
        } else {
            out.println(text);
        }
        out.flush();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
