package io.srm4j.bench;

import io.srm4j.runtime.tensor.GgmlType;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.util.Collection;
import java.util.Locale;

/**
 * Runs {@link MatVecBench} through JMH (any JMH command-line options pass through, e.g. {@code -p type=Q8_0 -wi 1})
 * and prints, per weight type, microseconds per product and GB/s of weights read.
 */
public final class JmhReport {
    private JmhReport() {}

    public static void main(String[] args) throws Exception {
        String[] withDefault = args.length > 0 && !args[0].startsWith("-") ? args : prepend(MatVecBench.class.getName(), args);
        Collection<RunResult> results = new Runner(new CommandLineOptions(withDefault)).run();
        System.out.printf(Locale.ROOT, "%n%-6s %12s %12s %10s%n", "type", "weight MB", "us/op", "GB/s");
        for (RunResult r : results) {
            String t = r.getParams().getParam("type");
            if (t == null) continue;
            GgmlType type = GgmlType.valueOf(t);
            double us = r.getPrimaryResult().getScore();
            System.out.printf(Locale.ROOT, "%-6s %12.2f %12.1f %10.2f%n", t, MatVecBench.weightBytes(type) / 1e6, us,
                    MatVecBench.gigabytesPerSecond(type, us));
        }
    }

    private static String[] prepend(String first, String[] rest) {
        String[] a = new String[rest.length + 1];
        a[0] = first;
        System.arraycopy(rest, 0, a, 1, rest.length);
        return a;
    }
}
