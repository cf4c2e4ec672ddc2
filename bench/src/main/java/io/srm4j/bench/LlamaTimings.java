package io.srm4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp's own timing lines, as its server code logs them after each completion:
 * <pre>
 * prompt eval time =     812.50 ms /   256 tokens (    3.17 ms per token,   315.08 tokens per second)
 *        eval time =    5102.33 ms /   128 tokens (   39.86 ms per token,    25.09 tokens per second)
 * </pre>
 * Parsed from the stderr of {@code de.kherud:llama}, which prints them there after every {@code complete()} (its Java
 * logger callback does not receive them) rather than returning them.
 */
public record LlamaTimings(double promptMillis, int promptTokens, double evalMillis, int evalTokens) {
    private static final Pattern PROMPT = Pattern.compile("prompt eval time\\s*=\\s*([0-9.]+)\\s*ms\\s*/\\s*(\\d+)\\s*tokens");
    // "eval time" not preceded by "prompt ": the generation line
    private static final Pattern EVAL = Pattern.compile("(?<!prompt )eval time\\s*=\\s*([0-9.]+)\\s*ms\\s*/\\s*(\\d+)\\s*(?:tokens|runs)");

    /** Every complete pair of timing lines in {@code log}, in order (a prompt line whose eval line is missing is skipped). */
    public static List<LlamaTimings> parseAll(String log) {
        List<LlamaTimings> out = new ArrayList<>();
        Matcher p = PROMPT.matcher(log);
        List<int[]> spans = new ArrayList<>(); // [start, end] of each prompt line match
        while (p.find()) spans.add(new int[] {p.start(), p.end()});
        Matcher e = EVAL.matcher(log);
        for (int i = 0; i < spans.size(); i++) {
            int limit = i + 1 < spans.size() ? spans.get(i + 1)[0] : log.length();
            Matcher pm = PROMPT.matcher(log);
            if (!pm.find(spans.get(i)[0])) continue;
            e.region(spans.get(i)[1], limit);
            if (e.find()) {
                out.add(new LlamaTimings(Double.parseDouble(pm.group(1)), Integer.parseInt(pm.group(2)),
                        Double.parseDouble(e.group(1)), Integer.parseInt(e.group(2))));
            }
        }
        return out;
    }

    public double promptTokensPerSecond() {
        return promptMillis > 0 ? promptTokens * 1000.0 / promptMillis : Double.NaN;
    }

    public double evalTokensPerSecond() {
        return evalMillis > 0 ? evalTokens * 1000.0 / evalMillis : Double.NaN;
    }
}
