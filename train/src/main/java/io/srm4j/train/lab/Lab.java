package io.srm4j.train.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.srm4j.train.lab.LabEvaluation.Outcome;
import io.srm4j.train.lab.LabEvaluation.Score;
import io.srm4j.train.lab.LabTraining.Mode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The from-scratch lab: trains a direct-answer model and a chain-of-thought model of the same size on the same
 * budget, evaluates both on the held-out problems (greedy and self-consistency), prints the table with 95%
 * bootstrap intervals and saves {@code results.json}. Everything lives in one output folder with the config it was
 * started with; running the same command again resumes whatever was unfinished.
 */
public final class Lab {
    /** One row of the table. */
    public record Row(String model, String decoding, Score score) {}

    /** The lab's outcome: the table, the paired differences the goals are about, and the best model's file. */
    public record Result(LabConfig config, List<Row> rows, Score cotMinusDirectGreedy, Score selfConsistencyMinusGreedyCot,
                         Map<Integer, Double> cotMajorityAtK, Path bestModel, String bestModelLabel, double seconds) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Lab() {}

    public static Result run(LabConfig config, Path out, String command, PrintStream log) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(out);
        Path configFile = out.resolve("lab-config.json");
        String configJson = JSON.writeValueAsString(config);
        if (Files.exists(configFile)) {
            LabConfig previous = JSON.readValue(configFile.toFile(), LabConfig.class);
            if (!previous.equals(config)) {
                throw new IllegalArgumentException(out + " holds a lab started with another configuration (" + previous
                        + "); choose another --out folder or remove it");
            }
            log.println("resuming the lab in " + out);
        } else {
            Files.writeString(configFile, configJson);
        }
        LabTokenizer tokenizer = new LabTokenizer();
        LabData data = new LabData(LabTask.byName(config.task()), tokenizer, config.seed(), config.heldOut());
        Map<Mode, List<Outcome>> outcomes = new LinkedHashMap<>();
        Map<Mode, Path> models = new LinkedHashMap<>();
        for (Mode mode : Mode.values()) {
            models.put(mode, LabTraining.train(config, mode, data, tokenizer, out.resolve(mode.label()), command, log));
        }
        for (Mode mode : Mode.values()) {
            long e0 = System.nanoTime();
            int total = data.heldOut().size();
            int[] done = {0};
            int every = Math.max(1, total / 10);
            List<Outcome> o = LabEvaluation.evaluate(models.get(mode), data.task(), data.heldOut(), config.samples(),
                    config.temperature(), config.maxTokens(), config.seed(), out.resolve(mode.label()).resolve("eval.jsonl"),
                    x -> {
                        if (++done[0] % every == 0) LabEvaluation.progress(log, mode.label(), done[0], total, e0);
                    });
            outcomes.put(mode, o);
        }
        Result r = summarize(config, outcomes, models, (System.nanoTime() - t0) / 1e9);
        Files.copy(r.bestModel(), out.resolve("best-model.gguf"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(out.resolve("results.json"), JSON.writeValueAsString(resultsJson(r, command)));
        Files.writeString(out.resolve("table.txt"), table(r));
        log.println();
        log.print(table(r));
        log.printf("results: %s, best model (%s): %s%n", out.resolve("results.json"), r.bestModelLabel(), out.resolve("best-model.gguf"));
        return r;
    }

    static Result summarize(LabConfig config, Map<Mode, List<Outcome>> outcomes, Map<Mode, Path> models, double seconds) {
        long s = config.seed();
        List<Outcome> direct = outcomes.get(Mode.DIRECT), cot = outcomes.get(Mode.COT);
        String sc = "self-consistency@" + config.samples();
        List<Row> rows = List.of(
                new Row("direct", "greedy", LabEvaluation.greedy(direct, s)),
                new Row("direct", "sample (mean of " + config.samples() + ")", LabEvaluation.singleSample(direct, s)),
                new Row("direct", sc, LabEvaluation.selfConsistency(direct, s)),
                new Row("cot", "greedy", LabEvaluation.greedy(cot, s)),
                new Row("cot", "sample (mean of " + config.samples() + ")", LabEvaluation.singleSample(cot, s)),
                new Row("cot", sc, LabEvaluation.selfConsistency(cot, s)));
        Score cotVsDirect = LabEvaluation.difference(correct(cot, false), correct(direct, false), s);
        Score scVsGreedy = LabEvaluation.difference(correct(cot, true), correct(cot, false), s);
        // How the vote grows with the number of samples, from the samples already drawn: maj@1, 2, 4, … up to all.
        Map<Integer, Double> majAtK = new LinkedHashMap<>();
        for (int k = 1; k <= config.samples(); k = k < config.samples() ? Math.min(2 * k, config.samples()) : k + 1) {
            majAtK.put(k, LabEvaluation.majorityAtK(LabTask.byName(config.task()), cot, k, s));
        }
        Mode best = rows.get(3).score().accuracy() >= rows.get(0).score().accuracy() ? Mode.COT : Mode.DIRECT;
        return new Result(config, rows, cotVsDirect, scVsGreedy, Map.copyOf(majAtK), models.get(best), best.label(), seconds);
    }

    private static double[] correct(List<Outcome> outcomes, boolean majority) {
        return outcomes.stream().mapToDouble(o -> (majority ? o.majorityCorrect() : o.greedyCorrect()) ? 1 : 0).toArray();
    }

    public static String table(Result r) {
        StringBuilder sb = new StringBuilder();
        LabConfig c = r.config();
        sb.append(String.format("lab: task %s, seed %d, %d held-out problems, models dim %d × %d layers, %d steps × %d × %d tokens each%n",
                c.task(), c.seed(), c.heldOut(), c.dim(), c.layers(), c.steps(), c.batch(), c.seqLen()));
        sb.append(String.format("%-7s %-26s %9s %17s %16s%n", "model", "decoding", "accuracy", "95% CI", "tokens/problem"));
        for (Row row : r.rows()) {
            Score s = row.score();
            sb.append(String.format("%-7s %-26s %9.3f   [%.3f, %.3f] %16.1f%n", row.model(), row.decoding(), s.accuracy(), s.low(), s.high(), s.tokensPerProblem()));
        }
        sb.append(String.format("cot − direct (greedy):          %+.3f  95%% CI [%+.3f, %+.3f] (paired bootstrap)%n",
                r.cotMinusDirectGreedy().accuracy(), r.cotMinusDirectGreedy().low(), r.cotMinusDirectGreedy().high()));
        sb.append(String.format("self-consistency − greedy (cot): %+.3f  95%% CI [%+.3f, %+.3f] (paired bootstrap)%n",
                r.selfConsistencyMinusGreedyCot().accuracy(), r.selfConsistencyMinusGreedyCot().low(), r.selfConsistencyMinusGreedyCot().high()));
        sb.append("maj@k (cot):");
        r.cotMajorityAtK().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sb.append(String.format("  k=%d %.3f", e.getKey(), e.getValue())));
        sb.append(String.format("%n"));
        sb.append(String.format("lab time: %s%n", LabTraining.duration(r.seconds())));
        return sb.toString();
    }

    private static Map<String, Object> resultsJson(Result r, String command) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        m.put("config", r.config());
        m.put("rows", r.rows());
        m.put("cot_minus_direct_greedy", r.cotMinusDirectGreedy());
        m.put("self_consistency_minus_greedy_cot", r.selfConsistencyMinusGreedyCot());
        m.put("cot_maj_at_k", new java.util.TreeMap<>(r.cotMajorityAtK()));
        m.put("best_model", r.bestModelLabel());
        m.put("seconds", r.seconds());
        return m;
    }
}
