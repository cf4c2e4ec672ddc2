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

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Writes results.json, samples.jsonl, the PNG plots and report.html into a run directory. */
public final class ReportWriter {
    public static final String RESULTS = "results.json";
    public static final String SAMPLES = "samples.jsonl";
    public static final String HTML = "report.html";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {}

    public static void write(Path dir, RunConfig config, EvalMetrics metrics, List<ProblemOutcome> outcomes,
                             String grader) throws IOException {
        ObjectNode results = results(config, metrics, grader);
        com.fasterxml.jackson.databind.node.ArrayNode perProblem = results.putArray("per_problem");
        for (ProblemOutcome o : outcomes) {
            ObjectNode p = perProblem.addObject();
            p.put("id", o.problem().id());
            p.put("gold", o.problem().gold());
            p.put("correct", o.correct());
            p.put("samples", o.n());
            p.put("majority_answer", o.majorityAnswer());
            p.put("majority_correct", o.majorityCorrect());
        }
        writeAtomically(dir.resolve(RESULTS), PRETTY.writeValueAsString(results) + "\n");
        Path samplesTmp = dir.resolve(SAMPLES + ".tmp");
        try (BufferedWriter out = Files.newBufferedWriter(samplesTmp, StandardCharsets.UTF_8)) {
            for (ProblemOutcome o : outcomes) {
                for (ScoredSample s : o.samples()) {
                    out.write(JSON.writeValueAsString(sampleJson(o, s)));
                    out.write('\n');
                }
            }
        }
        Files.move(samplesTmp, dir.resolve(SAMPLES), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Plots.Files plots = Plots.write(dir, config.benchmark().name(), metrics);
        writeAtomically(dir.resolve(HTML), HtmlReport.render(config, metrics, outcomes, results, plots));
    }

    static ObjectNode results(RunConfig config, EvalMetrics m, String grader) {
        ObjectNode root = JSON.createObjectNode();
        root.put("benchmark", config.benchmark().name());
        root.put("created", Instant.now().toString());
        root.set("config", config.toJson());
        ObjectNode versions = root.putObject("versions");
        versions.put("srm4j", Versions.srm4j());
        versions.put("java", Versions.java());
        versions.put("os", Versions.os());
        versions.put("generator", config.generator());
        versions.put("grader", grader);
        ObjectNode seeds = root.putObject("seeds");
        seeds.put("sampling_base_seed", config.params().seed());
        seeds.put("sample_seed_rule", "splitmix64(base_seed, problem_index, sample_index), see RunConfig.sampleSeed");
        seeds.put("bootstrap_seed", config.params().seed());
        seeds.put("bootstrap_resamples", Bootstrap.DEFAULT_RESAMPLES);
        root.set("metrics", metricsJson(m));
        return root;
    }

    public static ObjectNode metricsJson(EvalMetrics m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("problems", m.problems());
        o.put("samples_per_problem", m.samplesPerProblem());
        o.set("accuracy", interval(m.accuracy()));
        o.put("accuracy_definition", "avg@n: mean over problems of correct/n (the unbiased pass@1)");
        ObjectNode pass = o.putObject("pass_at_k");
        for (Map.Entry<Integer, Bootstrap.Interval> e : m.passAtK().entrySet()) pass.set(e.getKey().toString(), interval(e.getValue()));
        ObjectNode maj = o.putObject("maj_at_k");
        for (Map.Entry<Integer, Bootstrap.Interval> e : m.majAtK().entrySet()) maj.set(e.getKey().toString(), interval(e.getValue()));
        o.put("maj_at_k_definition", "expected correctness of the majority answer of k of the n samples; answers grouped by the grader's equivalence; ties to the group whose first member has the lowest sample index");
        ObjectNode tokens = o.putObject("tokens");
        tokens.set("reasoning", summary(m.reasoningTokens()));
        tokens.set("answer", summary(m.answerTokens()));
        tokens.set("generated", summary(m.generatedTokens()));
        tokens.set("prompt", summary(m.promptTokens()));
        tokens.set("generated_when_correct", summary(m.correctTokens()));
        tokens.set("generated_when_wrong", summary(m.incorrectTokens()));
        number(o, "tokens_per_solved", m.tokensPerSolved());
        o.set("seconds_per_sample", summary(m.seconds()));
        number(o, "generated_tokens_per_second", m.tokensPerSecond());
        o.put("truncated_fraction", m.truncatedFraction());
        o.put("no_answer_fraction", m.noAnswerFraction());
        return o;
    }

    static ObjectNode interval(Bootstrap.Interval i) {
        ObjectNode o = JSON.createObjectNode();
        o.put("mean", i.mean());
        o.put("ci_low", i.low());
        o.put("ci_high", i.high());
        o.put("ci_level", i.level());
        return o;
    }

    static ObjectNode summary(Summary s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("count", s.count());
        number(o, "mean", s.mean());
        number(o, "median", s.median());
        number(o, "p90", s.p90());
        number(o, "min", s.min());
        number(o, "max", s.max());
        o.put("total", s.total());
        return o;
    }

    /** JSON has no NaN: undefined values are written as null. */
    static void number(ObjectNode o, String field, double value) {
        if (Double.isFinite(value)) o.put(field, value);
        else o.putNull(field);
    }

    static ObjectNode sampleJson(ProblemOutcome o, ScoredSample s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("problem", o.problem().index());
        n.put("id", o.problem().id());
        n.put("sample", s.sample());
        n.put("seed", s.seed());
        n.put("prompt", o.problem().prompt().display());
        n.put("gold", o.problem().gold());
        n.put("reasoning", s.completion().reasoning());
        n.put("answer", s.completion().answer());
        n.put("extracted", s.grade().extracted());
        n.put("correct", s.grade().correct());
        n.put("finish_reason", s.completion().finishReason().wireName());
        n.put("prompt_tokens", s.completion().promptTokens());
        n.put("reasoning_tokens", s.completion().reasoningTokens());
        n.put("answer_tokens", s.completion().answerTokens());
        n.put("seconds", s.completion().seconds());
        n.put("majority_group", o.groups()[s.sample()]);
        return n;
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
