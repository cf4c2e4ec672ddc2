package io.srm4j.train.lab;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.train.lab.LabEvaluation.Outcome;
import io.srm4j.train.lab.LabEvaluation.Score;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a lab model on the held-out problems of the lab run that made it (task, seed and held-out count are in the
 * GGUF's metadata): the demo behind {@code ./srm4j demo}.
 */
public final class LabDemo {
    /** What the demo measured. */
    public record Result(String task, long seed, String command, int problems, int samples, Score greedy,
                         Score selfConsistency, List<Outcome> outcomes, double seconds) {}

    private LabDemo() {}

    /** The held-out problems of the lab run recorded in {@code model}'s metadata. */
    public static LabData heldOutOf(Path model) throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            GgufMetadata md = f.metadata();
            String task = md.getString(LabTraining.TASK_KEY).orElseThrow(() -> new IllegalArgumentException(
                    model + " is not a lab model: it has no " + LabTraining.TASK_KEY + " metadata"));
            long seed = Long.parseLong(md.requireString(LabTraining.SEED_KEY));
            int heldOut = md.requireInt(LabTraining.HELD_OUT_KEY);
            return new LabData(LabTask.byName(task), new LabTokenizer(), seed, heldOut);
        }
    }

    public static String commandOf(Path model) throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            return f.metadata().getString(LabTraining.COMMAND_KEY).orElse("");
        }
    }

    /**
     * Solves the first {@code problems} held-out problems greedily and with {@code samples} votes; prints each
     * problem's trace as it is solved to {@code live} (null for silence), the first {@code shown} in full.
     */
    public static Result run(Path model, int problems, int samples, double temperature, int maxTokens, int shown,
                             PrintStream live) throws IOException {
        long t0 = System.nanoTime();
        LabData data = heldOutOf(model);
        if (problems < 1 || problems > data.heldOut().size()) {
            throw new IllegalArgumentException("problems must be between 1 and " + data.heldOut().size() + ", got " + problems);
        }
        List<LabProblem> subset = data.heldOut().subList(0, problems);
        long seed = Long.parseLong(seedText(model));
        int[] count = {0};
        List<Outcome> outcomes = LabEvaluation.evaluate(model, data.task(), subset, samples, temperature, maxTokens, seed, null, o -> {
            if (live == null) return;
            int i = count[0]++;
            if (i < shown) {
                live.printf("problem %d: %s%n  model: %s%n  answer %s (gold %s) %s; %d votes: %s -> %s %s%n%n", i + 1,
                        o.question(), o.greedyText().replace("\n", " "), o.greedyAnswer(), o.gold(), o.greedyCorrect() ? "correct" : "wrong",
                        o.sampleAnswers().size(), String.join(",", o.sampleAnswers()), o.majorityAnswer(), o.majorityCorrect() ? "correct" : "wrong");
            } else {
                live.printf("problem %d: %s -> greedy %s %s, vote %s %s%n", i + 1, o.question(), o.greedyAnswer(),
                        o.greedyCorrect() ? "✓" : "✗", o.majorityAnswer(), o.majorityCorrect() ? "✓" : "✗");
            }
        });
        return new Result(data.task().name(), seed, commandOf(model), problems, samples, LabEvaluation.greedy(outcomes, seed),
                LabEvaluation.selfConsistency(outcomes, seed), outcomes, (System.nanoTime() - t0) / 1e9);
    }

    private static String seedText(Path model) throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            return f.metadata().requireString(LabTraining.SEED_KEY);
        }
    }
}
