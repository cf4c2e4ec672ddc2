package io.srm4j.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp's own timing lines, as its server code logs them after each completion:
 * <pre>
 * prompt eval time =     812.50 ms /   256 tokens (    3.17 ms per token,   315.08 tokens per second)
 *        eval time =    5102.33 ms /   128 tokens (   39.86 ms per token,    25.09 tokens per second)
 * </pre>
 * Parsed from the log of {@code de.kherud:llama}, which reports them to its logger (or stderr) rather than returning them.
 */
public record LlamaTimings(double promptMillis, int promptTokens, double evalMillis, int evalTokens) {
    private static final Pattern PROMPT = Pattern.compile("prompt eval time\\s*=\\s*([0-9.]+)\\s*ms\\s*/\\s*(\\d+)\\s*tokens");
    // "eval time" not preceded by "prompt ": the generation line
    private static final Pattern EVAL = Pattern.compile("(?<!prompt )eval time\\s*=\\s*([0-9.]+)\\s*ms\\s*/\\s*(\\d+)\\s*(?:tokens|runs)");

    /** The last complete pair of timing lines in {@code log}, or null when it holds none. */
    public static LlamaTimings parseLast(String log) {
        Matcher p = PROMPT.matcher(log);
        double pm = Double.NaN;
        int pt = -1, promptEnd = -1;
        while (p.find()) {
            pm = Double.parseDouble(p.group(1));
            pt = Integer.parseInt(p.group(2));
            promptEnd = p.end();
        }
        if (promptEnd < 0) return null;
        Matcher e = EVAL.matcher(log);
        if (!e.find(promptEnd)) return null;
        return new LlamaTimings(pm, pt, Double.parseDouble(e.group(1)), Integer.parseInt(e.group(2)));
    }

    public double promptTokensPerSecond() {
        return promptMillis > 0 ? promptTokens * 1000.0 / promptMillis : Double.NaN;
    }

    public double evalTokensPerSecond() {
        return evalMillis > 0 ? evalTokens * 1000.0 / evalMillis : Double.NaN;
    }
}
