package io.srm4j.train.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.eval.generation.Completion;
import io.srm4j.eval.generation.GenerationRequest;
import io.srm4j.eval.generation.LocalGenerator;
import io.srm4j.eval.generation.Prompt;
import io.srm4j.eval.generation.SamplingParams;
import io.srm4j.eval.metrics.Bootstrap;
import io.srm4j.eval.metrics.MajorityVote;
import io.srm4j.runtime.engine.LanguageModel;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates an exported lab model the way {@code ./srm4j eval} would see it: the GGUF loaded by the runtime, the
 * question rendered through the model's chat template by the evaluation layer's {@link LocalGenerator}, one greedy
 * answer and {@code k} sampled answers per problem, graded by the task. Self-consistency is the majority answer of
 * the samples. Each problem's outcome is appended to a journal as soon as it is known, so a killed evaluation
 * resumes where it stopped.
 */
public final class LabEvaluation {
    /** The outcome of one problem. */
    public record Outcome(int index, String question, String gold, String greedyText, String greedyAnswer,
                          boolean greedyCorrect, int greedyTokens, List<String> sampleAnswers,
                          List<Boolean> sampleCorrect, int sampleTokens, String majorityAnswer, boolean majorityCorrect) {}

    /** Accuracy of one decoding over the problems, with its bootstrap interval and generated tokens per problem. */
    public record Score(double accuracy, double low, double high, double tokensPerProblem) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long KV_BYTES = 64L << 20;

    private LabEvaluation() {}

    /** Sampling settings of the self-consistency samples: plain temperature sampling, no truncation. */
    static SamplingParams sampling(double temperature, int maxTokens, long seed) {
        return new SamplingParams(temperature, 1.0, 0, 0.0, maxTokens, seed, List.of());
    }

    /**
     * Outcomes of {@code problems} (journal {@code journal}, null for none), in problem order.
     *
     * @param onOutcome called for each newly evaluated problem (progress, live display), may be null
     */
    public static List<Outcome> evaluate(Path model, LabTask task, List<LabProblem> problems, int samples,
                                         double temperature, int maxTokens, long seed, Path journal,
                                         java.util.function.Consumer<Outcome> onOutcome) throws IOException {
        Outcome[] out = new Outcome[problems.size()];
        if (journal != null && Files.exists(journal)) {
            for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                Outcome o;
                try {
                    o = JSON.readValue(line, Outcome.class);
                } catch (IOException e) { // a line cut by a kill mid-write: that problem is evaluated again
                    continue;
                }
                if (o.index() < 0 || o.index() >= out.length || !o.question().equals(problems.get(o.index()).question())) {
                    throw new IOException(journal + " belongs to other problems (line for problem " + o.index() + "); remove it or use another output folder");
                }
                out[o.index()] = o;
            }
        }
        try (LanguageModel lm = LanguageModel.load(model);
             LocalGenerator generator = new LocalGenerator(lm, model, Math.max(1, samples), KV_BYTES, lm.config().contextLength(), Map.of());
             BufferedWriter w = journal == null ? null : Files.newBufferedWriter(journal, StandardCharsets.UTF_8,
                     StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (int i = 0; i < problems.size(); i++) {
                if (out[i] != null) continue;
                LabProblem p = problems.get(i);
                Prompt prompt = Prompt.user(p.question());
                Completion greedy = generator.generateAll(GenerationRequest.of(prompt, SamplingParams.greedy(maxTokens), 1)).getFirst();
                List<String> answers = new ArrayList<>();
                List<Boolean> correct = new ArrayList<>();
                int sampleTokens = 0;
                if (samples > 0) {
                    long base = seed * 1_000_003L + (long) i * samples;
                    for (Completion c : generator.generateAll(GenerationRequest.of(prompt, sampling(temperature, maxTokens, base), samples))) {
                        answers.add(c.answer());
                        correct.add(task.isCorrect(p, c.answer()));
                        sampleTokens += c.generatedTokens();
                    }
                }
                String majority = majority(task, p.question(), answers);
                Outcome o = new Outcome(i, p.question(), p.answer(), greedy.text(), greedy.answer(),
                        task.isCorrect(p, greedy.answer()), greedy.generatedTokens(), answers, correct, sampleTokens,
                        majority, majority != null && task.isCorrect(p, majority));
                out[i] = o;
                if (w != null) {
                    w.write(JSON.writeValueAsString(o));
                    w.newLine();
                    w.flush();
                }
                if (onOutcome != null) onOutcome.accept(o);
            }
        }
        return List.of(out);
    }

    /**
     * The self-consistency answer: the evaluation layer's majority vote ({@link MajorityVote#winner}) over the
     * non-empty answers, grouped by the task's {@link LabTask#voteKey} (the text of a plain-number answer, the value of
     * a Countdown expression); among equally frequent answers, the one sampled first. Null when no sample answered.
     */
    static String majority(LabTask task, String question, List<String> answers) {
        int[] groupOf = groups(task, question, answers);
        int w = MajorityVote.winner(groupOf, java.util.stream.IntStream.range(0, groupOf.length).toArray());
        return w < 0 ? null : answers.get(w).strip();
    }

    /** Each answer's group, numbered in order of first appearance; {@link MajorityVote#NO_ANSWER} for an empty one. */
    static int[] groups(LabTask task, String question, List<String> answers) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        int[] groupOf = new int[answers.size()];
        for (int i = 0; i < groupOf.length; i++) {
            String key = task.voteKey(question, answers.get(i));
            groupOf[i] = key.isEmpty() ? MajorityVote.NO_ANSWER : ids.computeIfAbsent(key, x -> ids.size());
        }
        return groupOf;
    }

    /**
     * maj@k: the expected accuracy of the majority vote of {@code k} of each problem's samples (every k-subset,
     * or {@link MajorityVote#majAtK}'s seeded estimate when there are too many), averaged over the problems; maj@1
     * is the mean accuracy of one sample, maj@n the vote over all of them.
     */
    public static double majorityAtK(LabTask task, List<Outcome> outcomes, int k, long seed) {
        double sum = 0;
        for (Outcome o : outcomes) {
            boolean[] correct = new boolean[o.sampleCorrect().size()];
            for (int i = 0; i < correct.length; i++) correct[i] = o.sampleCorrect().get(i);
            sum += MajorityVote.majAtK(groups(task, o.question(), o.sampleAnswers()), correct, k, seed ^ o.index());
        }
        return sum / Math.max(1, outcomes.size());
    }

    public static Score greedy(List<Outcome> outcomes, long seed) {
        double[] v = outcomes.stream().mapToDouble(o -> o.greedyCorrect() ? 1 : 0).toArray();
        return score(v, outcomes.stream().mapToDouble(Outcome::greedyTokens).average().orElse(0), seed);
    }

    public static Score selfConsistency(List<Outcome> outcomes, long seed) {
        double[] v = outcomes.stream().mapToDouble(o -> o.majorityCorrect() ? 1 : 0).toArray();
        return score(v, outcomes.stream().mapToDouble(Outcome::sampleTokens).average().orElse(0), seed);
    }

    /** Mean accuracy of single samples (what one sampled answer scores, before voting). */
    public static Score singleSample(List<Outcome> outcomes, long seed) {
        double[] v = outcomes.stream().mapToDouble(o -> o.sampleCorrect().stream().filter(b -> b).count()
                / (double) Math.max(1, o.sampleCorrect().size())).toArray();
        return score(v, outcomes.stream().mapToDouble(o -> o.sampleTokens() / (double) Math.max(1, o.sampleAnswers().size())).average().orElse(0), seed);
    }

    /** Paired bootstrap interval of a per-problem difference {@code a − b}. */
    public static Score difference(double[] a, double[] b, long seed) {
        if (a.length != b.length) throw new IllegalArgumentException("paired difference over " + a.length + " and " + b.length + " problems");
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) d[i] = a[i] - b[i];
        return score(d, 0, seed);
    }

    private static Score score(double[] perProblem, double tokens, long seed) {
        Bootstrap.Interval ci = Bootstrap.meanInterval(perProblem, Bootstrap.DEFAULT_RESAMPLES, 0.95, seed);
        return new Score(ci.mean(), ci.low(), ci.high(), tokens);
    }

    static void progress(PrintStream log, String label, int done, int total, long startNanos) {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        log.printf("[%s] evaluated %d/%d problems (%.1f s)%n", label, done, total, secs);
    }
}
