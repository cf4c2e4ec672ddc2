package io.srm4j.cli;

import io.srm4j.eval.bench.Benchmark;
import io.srm4j.eval.bench.Benchmarks;
import io.srm4j.eval.data.DatasetLocator;
import io.srm4j.eval.generation.LocalGenerator;
import io.srm4j.eval.generation.SamplingParams;
import io.srm4j.eval.grading.VerifyingGrader;
import io.srm4j.eval.run.EvalRunner;
import io.srm4j.runtime.engine.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "eval", description = {
        "Evaluate a model on a reasoning benchmark: generations are journaled as they complete, so a killed run resumes",
        "where it stopped; results.json, samples.jsonl and report.html (with plots) land in --out.",
        "Built-in benchmarks: gsm8k, math500, aime2024, aime2025, amc2023, aqua_rat; or a benchmark spec file (JSON)."})
final class EvalCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "GGUF model file (not needed with --rescore)")
    Path model;

    @Option(names = {"-b", "--benchmark"}, required = true, description = "built-in benchmark name or spec file")
    String benchmark;

    @Option(names = "--dataset", description = "dataset file (JSONL, JSON or Parquet); default: $SRM4J_DATA or shared/datasets above the working folder")
    Path dataset;

    @Option(names = {"-n", "--samples"}, defaultValue = "1", description = "samples per problem (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--temperature", description = "default: 0.6 (0 when --samples is 1 and no temperature is given: greedy)")
    Double temperature;

    @Option(names = "--top-p", defaultValue = "0.95")
    double topP;

    @Option(names = "--top-k", defaultValue = "20")
    int topK;

    @Option(names = "--min-p", defaultValue = "0")
    double minP;

    @Option(names = "--max-tokens", defaultValue = "32768", description = "token budget per sample (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--seed", defaultValue = "0", description = "base seed; each (problem, sample) derives its own (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--limit", defaultValue = "0", description = "first K problems only (0 = all)")
    int limit;

    @Option(names = "--out", description = "run folder (default: runs/<benchmark>-<model>)")
    Path out;

    @Option(names = "--rescore", description = "grade the saved generations in --out again, without generating")
    boolean rescore;

    @Option(names = "--batch", defaultValue = "16", description = "sequences decoded together (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--kv-memory-mb", defaultValue = "2048", description = "KV cache memory (default: ${DEFAULT-VALUE} MiB)")
    long kvMemoryMb;

    @Option(names = "--context", defaultValue = "32768", description = "longest sequence, prompt included (default: ${DEFAULT-VALUE}, capped at the model's)")
    int context;

    @Option(names = "--enable-thinking", arity = "1", description = "chat template argument enable_thinking (true/false) for templates that read it")
    Boolean enableThinking;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @picocli.CommandLine.Mixin
    KvCacheOption kv = new KvCacheOption();

    @Override
    public Integer call() throws Exception {
        VerifyingGrader grader = new VerifyingGrader();
        EvalRunner.RunResult result;
        if (rescore) {
            if (out == null) throw new IllegalArgumentException("--rescore needs --out, the folder of the run to grade again");
            result = EvalRunner.rescore(out, grader, dataset);
        } else {
            if (model == null) throw new IllegalArgumentException("--model is required (unless --rescore)");
            Benchmark b = Benchmarks.resolve(benchmark, dataset, DatasetLocator.fromEnvironment());
            double t = temperature != null ? temperature : samples == 1 ? 0.0 : 0.6;
            SamplingParams params = new SamplingParams(t, topP, topK, minP, maxTokens, seed, List.of());
            Path dir = out != null ? out : Path.of("runs", safe(benchmark) + "-" + safe(model.getFileName().toString()));
            Map<String, Object> args = new HashMap<>();
            if (enableThinking != null) args.put("enable_thinking", enableThinking);
            try (LanguageModel lm = LanguageModel.load(model);
                 LocalGenerator gen = new LocalGenerator(lm, model, Math.min(batch, Math.max(1, samples)), kvMemoryMb << 20, context, kv.precision, args)) {
                result = new EvalRunner(gen, grader).run(b, new EvalRunner.Options(samples, params, limit, dir, !noProgress));
            }
        }
        System.out.print(summary(benchmark, result.metrics()));
               System.out.println("results: " + result.outDir().resolve("results.json") + "\nreport:  " + result.outDir().resolve("report.html"));
        return 0;
    }

    /** A few readable lines: accuracy, pass@k and maj@k with 95% intervals, and the token cost. */
    static String summary(String benchmark, io.srm4j.eval.metrics.EvalMetrics m) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s: %d problems x %d samples%n", benchmark, m.problems(), m.samplesPerProblem()));
        sb.append(String.format("  accuracy (avg@%d)  %s%n", m.samplesPerProblem(), pct(m.accuracy())));
        m.passAtK().forEach((k, v) -> sb.append(String.format("  pass@%-3d          %s%n", k, pct(v))));
        m.majAtK().forEach((k, v) -> sb.append(String.format("  maj@%-3d           %s%n", k, pct(v))));
        sb.append(String.format("  tokens per sample  %.0f mean (reasoning %.0f, answer %.0f); per correct answer %s%n",
                m.generatedTokens().mean(), m.reasoningTokens().mean(), m.answerTokens().mean(),
                Double.isNaN(m.tokensPerSolved()) ? "-" : String.format("%.0f", m.tokensPerSolved())));
        sb.append(String.format("  cut at max tokens  %.1f%%, no answer found %.1f%%%n", 100 * m.truncatedFraction(), 100 * m.noAnswerFraction()));
        return sb.toString();
    }

    private static String pct(io.srm4j.eval.metrics.Bootstrap.Interval i) {
        return String.format("%5.1f%%  [%.1f, %.1f] %.0f%% CI", 100 * i.mean(), 100 * i.low(), 100 * i.high(), 100 * i.level());
    }

    private static String safe(String s) {
        String name = Path.of(s).getFileName().toString().replaceAll("\\.(gguf|json|jsonl)$", "");
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
