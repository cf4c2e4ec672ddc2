package io.srm4j.eval.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.eval.metrics.Bootstrap;
import io.srm4j.eval.metrics.EvalMetrics;
import io.srm4j.eval.metrics.ProblemOutcome;
import io.srm4j.eval.metrics.ScoredSample;
import io.srm4j.eval.metrics.Summary;
import io.srm4j.eval.run.RunConfig;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * report.html: one self-contained page (plots embedded as data URIs, no external assets) with the summary,
 * the plots, and a per-problem drill-down whose rows expand to each sample's reasoning, answer and verdict.
 */
final class HtmlReport {
    /**
     * Characters of sample text the page may hold in all; each sample's reasoning gets an equal share (within
     * bounds) and longer text is shown as head … tail. samples.jsonl keeps everything, and the page stays small
     * enough for a browser even for MATH-500 × 16 samples of long reasoning.
     */
    static final int PAGE_TEXT_BUDGET = 24_000_000;
    static final int MIN_SHOWN_CHARS = 2_000, MAX_SHOWN_CHARS = 40_000;

    private HtmlReport() {}

    static String render(RunConfig config, EvalMetrics m, List<ProblemOutcome> outcomes, ObjectNode results,
                         Plots.Files plots) {
        StringBuilder h = new StringBuilder(64 * 1024);
        String name = config.benchmark().name();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(esc(name)).append(" — srm4j eval</title>\n<style>\n").append(CSS).append("</style></head><body>\n");
        h.append("<h1>").append(esc(name)).append(" <span class=\"dim\">srm4j evaluation</span></h1>\n");
        h.append("<p class=\"dim\">").append(esc(config.generator())).append("</p>\n");

        h.append("<h2>Summary</h2>\n<table class=\"summary\">\n");
        row(h, "problems × samples", m.problems() + " × " + m.samplesPerProblem());
        row(h, "accuracy (avg@" + m.samplesPerProblem() + ", 95% CI)", ci(m.accuracy()));
        row(h, "pass@" + m.samplesPerProblem(), ci(m.passAtK().get(m.samplesPerProblem())));
        row(h, "maj@" + m.samplesPerProblem(), ci(m.majAtK().get(m.samplesPerProblem())));
        row(h, "reasoning tokens / sample", tokens(m.reasoningTokens()));
        row(h, "answer tokens / sample", tokens(m.answerTokens()));
        row(h, "generated tokens / sample, right vs wrong", "mean " + fmt0(m.correctTokens().mean()) + " vs " + fmt0(m.incorrectTokens().mean()));
        row(h, "generated tokens per correct sample", Double.isFinite(m.tokensPerSolved()) ? fmt0(m.tokensPerSolved()) : "— (none correct)");
        row(h, "time", fmt1(m.seconds().total()) + " s generating, " + fmt1(m.seconds().mean()) + " s / sample, "
                + (Double.isFinite(m.tokensPerSecond()) ? fmt0(m.tokensPerSecond()) + " tok/s" : "—"));
        row(h, "cut off by max_tokens", pct(m.truncatedFraction()));
        row(h, "no answer extracted", pct(m.noAnswerFraction()));
        h.append("</table>\n");

        h.append("<h2>pass@k and maj@k</h2>\n<table class=\"grid\"><tr><th>k</th><th>pass@k</th><th>maj@k</th></tr>\n");
        for (Map.Entry<Integer, Bootstrap.Interval> e : m.passAtK().entrySet()) {
            h.append("<tr><td>").append(e.getKey()).append("</td><td>").append(ci(e.getValue())).append("</td><td>")
                    .append(ci(m.majAtK().get(e.getKey()))).append("</td></tr>\n");
        }
        h.append("</table>\n");

        h.append("<h2>Plots</h2>\n");
        if (plots.unavailable() != null) {
            h.append("<p class=\"warn\">Plots could not be drawn on this machine: ").append(esc(plots.unavailable())).append("</p>\n");
        } else {
            image(h, plots.samplesPng(), Plots.SAMPLES_PNG, "accuracy against number of samples");
            image(h, plots.tokensPng(), Plots.TOKENS_PNG, "accuracy against generated tokens");
            h.append("<p class=\"dim\">Green: the share of all samples that are correct and no longer than the given number of "
                    + "tokens (accuracy if generation were cut there). Orange: maj@k placed at k × the mean tokens of a sample.</p>\n");
        }

        h.append("<h2>Problems</h2>\n<p class=\"filters\">Show: <button onclick=\"show('all')\">all</button> "
                + "<button onclick=\"show('wrong')\">majority wrong</button> <button onclick=\"show('right')\">majority right</button> "
                + "<button onclick=\"show('mixed')\">mixed samples</button></p>\n");
        h.append("<div class=\"problems\">\n");
        int totalSamples = outcomes.stream().mapToInt(ProblemOutcome::n).sum();
        int shown = Math.clamp(PAGE_TEXT_BUDGET / Math.max(1, totalSamples), MIN_SHOWN_CHARS, MAX_SHOWN_CHARS);
        for (ProblemOutcome o : outcomes) problem(h, o, shown);
        h.append("</div>\n");

        h.append("<h2>Configuration</h2>\n<pre class=\"config\">");
        try {
            h.append(esc(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results.deepCopy().without("metrics"))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            h.append(esc(e.toString()));
        }
        h.append("</pre>\n<script>\n").append(SCRIPT).append("</script>\n</body></html>\n");
        return h.toString();
    }

    private static void problem(StringBuilder h, ProblemOutcome o, int shown) {
        int c = o.correct(), n = o.n();
        String cls = (o.majorityCorrect() ? "right" : "wrong") + (c > 0 && c < n ? " mixed" : "");
        h.append("<details class=\"problem ").append(cls).append("\"><summary>");
        h.append("<span class=\"verdict ").append(o.majorityCorrect() ? "ok" : "bad").append("\">")
                .append(o.majorityCorrect() ? "✓" : "✗").append("</span> ");
        h.append("<b>").append(esc(o.problem().id())).append("</b> · ").append(c).append('/').append(n).append(" correct");
        h.append(" · majority: <code>").append(esc(o.majorityAnswer() == null ? "—" : o.majorityAnswer())).append("</code>");
        h.append(" · gold: <code>").append(esc(o.problem().gold())).append("</code>");
        double meanTokens = o.samples().stream().mapToInt(s -> s.completion().generatedTokens()).average().orElse(0);
        h.append(" · ").append(fmt0(meanTokens)).append(" tok/sample</summary>\n");
        h.append("<div class=\"body\"><pre class=\"prompt\">").append(esc(o.problem().prompt().display())).append("</pre>\n");
        for (ScoredSample s : o.samples()) {
            boolean ok = s.grade().correct();
            h.append("<details class=\"sample\"><summary><span class=\"verdict ").append(ok ? "ok" : "bad").append("\">")
                    .append(ok ? "✓" : "✗").append("</span> sample ").append(s.sample())
                    .append(" · extracted <code>").append(esc(s.grade().extracted() == null ? "—" : s.grade().extracted()))
                    .append("</code> · ").append(s.completion().reasoningTokens()).append(" + ")
                    .append(s.completion().answerTokens()).append(" tokens · ")
                    .append(s.completion().finishReason().wireName()).append(" · ").append(fmt1(s.completion().seconds()))
                    .append(" s · ").append(o.groups()[s.sample()] < 0 ? "no vote" : "answer group " + o.groups()[s.sample()])
                    .append("</summary>\n");
            if (!s.completion().reasoning().isEmpty()) {
                h.append("<div class=\"label\">reasoning</div><pre class=\"reasoning\">")
                        .append(esc(abbreviate(s.completion().reasoning(), shown))).append("</pre>\n");
            }
            h.append("<div class=\"label\">answer</div><pre class=\"answer\">")
                    .append(esc(s.completion().answer().isEmpty() ? "(no answer: the reasoning did not finish)" : abbreviate(s.completion().answer(), shown)))
                    .append("</pre></details>\n");
        }
        h.append("</div></details>\n");
    }

    static String abbreviate(String text, int limit) {
        if (text.length() <= limit) return text;
        int head = limit / 3, tail = limit - head;
        return text.substring(0, head) + "\n\n[… " + (text.length() - limit)
                + " characters left out here; samples.jsonl has the full text …]\n\n" + text.substring(text.length() - tail);
    }

    private static void image(StringBuilder h, byte[] png, String file, String alt) {
        h.append("<figure><a href=\"").append(file).append("\"><img alt=\"").append(esc(alt))
                .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
                .append("\"></a></figure>\n");
    }

    private static void row(StringBuilder h, String key, String value) {
        h.append("<tr><th>").append(esc(key)).append("</th><td>").append(esc(value)).append("</td></tr>\n");
    }

    static String ci(Bootstrap.Interval i) {
        return String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * i.mean(), 100 * i.low(), 100 * i.high());
    }

    private static String tokens(Summary s) {
        return "mean " + fmt0(s.mean()) + ", median " + fmt0(s.median()) + ", p90 " + fmt0(s.p90()) + ", max " + fmt0(s.max());
    }

    private static String pct(double f) { return String.format(Locale.ROOT, "%.1f%%", 100 * f); }

    private static String fmt0(double v) { return Double.isFinite(v) ? String.format(Locale.ROOT, "%,.0f", v) : "—"; }

    private static String fmt1(double v) { return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "—"; }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
            h1 .dim { font-weight: normal; font-size: 0.6em; }
            .dim { color: #777; }
            .warn { color: #a40; }
            table { border-collapse: collapse; margin: 0.5em 0 1em; }
            th, td { padding: 4px 12px; border-bottom: 1px solid #e4e4e4; text-align: left; }
            table.summary th { font-weight: 600; color: #444; }
            table.grid td { font-variant-numeric: tabular-nums; }
            figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
            details.problem { border: 1px solid #e0e0e0; border-radius: 4px; margin: 4px 0; }
            details.problem > summary { padding: 6px 10px; cursor: pointer; }
            details.problem[open] > summary { background: #f6f6f6; }
            .body { padding: 6px 14px 10px; }
            details.sample { margin: 4px 0 4px 10px; }
            details.sample > summary { cursor: pointer; }
            .verdict.ok { color: #1a7f37; font-weight: bold; } .verdict.bad { color: #c62828; font-weight: bold; }
            pre { white-space: pre-wrap; word-wrap: break-word; background: #fafafa; border: 1px solid #eee; padding: 8px; margin: 2px 0 8px; font-size: 0.88em; }
            pre.reasoning { color: #555; max-height: 30em; overflow: auto; }
            pre.prompt { background: #f3f7fb; }
            .label { font-size: 0.8em; color: #888; text-transform: uppercase; margin-top: 6px; }
            code { background: #f2f2f2; padding: 0 3px; }
            .filters button { margin-right: 4px; }
            """;

    private static final String SCRIPT = """
            function show(kind) {
              document.querySelectorAll('details.problem').forEach(function (d) {
                d.style.display = (kind === 'all' || d.classList.contains(kind)) ? '' : 'none';
              });
            }
            """;
}
