package io.srm4j.eval.metrics;

import io.srm4j.eval.bench.Problem;
import io.srm4j.eval.grading.AnswerGrader;
import io.srm4j.eval.grading.AnswerKind;
import io.srm4j.eval.grading.GradeResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Everything measured over a run with n samples per problem.
 *
 * @param accuracy        mean over problems of (correct samples / n): avg@n, the unbiased pass@1
 * @param passAtK         pass@k (unbiased estimator) for k = 1, 2, 4, …, n
 * @param majAtK          maj@k (see {@link MajorityVote#majAtK}) for the same k
 * @param tokensPerSolved generated tokens of all samples divided by the number of correct samples
 *                        (NaN when none is correct): the token cost of one right answer
 * @param correctTokens   generated tokens of the correct samples only
 * @param incorrectTokens generated tokens of the wrong ones (reasoning models tend to ramble when wrong)
 * @param budgetCurve     accuracy (avg@n) when samples longer than a token budget count as wrong, by budget
 */
public record EvalMetrics(int problems, int samplesPerProblem, Bootstrap.Interval accuracy,
                          Map<Integer, Bootstrap.Interval> passAtK, Map<Integer, Bootstrap.Interval> majAtK,
                          Summary reasoningTokens, Summary answerTokens, Summary generatedTokens,
                          Summary promptTokens, Summary seconds, Summary correctTokens, Summary incorrectTokens,
                          double tokensPerSolved, double tokensPerSecond,
                          double truncatedFraction, double noAnswerFraction, List<double[]> budgetCurve) {

    /** Grades grouped into outcomes: the vote over all n samples decided with {@code grader}'s equivalence. */
    public static ProblemOutcome outcome(Problem problem, List<ScoredSample> samples, AnswerGrader grader, AnswerKind kind) {
        List<String> extracted = new ArrayList<>(samples.size());
        for (ScoredSample s : samples) extracted.add(s.grade().extracted());
        int[] groups = MajorityVote.group(extracted, grader, kind);
        int[] all = new int[samples.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return new ProblemOutcome(problem, samples, groups, MajorityVote.winner(groups, all));
    }

    /** The k reported for n samples: powers of two up to n, and n itself. */
    public static List<Integer> ks(int n) {
        TreeSet<Integer> ks = new TreeSet<>();
        for (int k = 1; k <= n; k *= 2) ks.add(k);
        ks.add(n);
        return List.copyOf(ks);
    }

    public static EvalMetrics compute(List<ProblemOutcome> outcomes, long seed) {
        if (outcomes.isEmpty()) throw new IllegalArgumentException("no problems to measure");
        int n = outcomes.getFirst().n();
        for (ProblemOutcome o : outcomes) {
            if (o.n() != n) {
                throw new IllegalArgumentException("problem " + o.problem().id() + " has " + o.n() + " samples, expected " + n);
            }
        }
        int p = outcomes.size();
        double[] accuracy = new double[p];
        Map<Integer, Bootstrap.Interval> pass = new LinkedHashMap<>();
        Map<Integer, Bootstrap.Interval> maj = new LinkedHashMap<>();
        for (int i = 0; i < p; i++) accuracy[i] = (double) outcomes.get(i).correct() / n;
        for (int k : ks(n)) {
            double[] passValues = new double[p];
            double[] majValues = new double[p];
            for (int i = 0; i < p; i++) {
                ProblemOutcome o = outcomes.get(i);
                passValues[i] = PassAtK.estimate(n, o.correct(), k);
                majValues[i] = MajorityVote.majAtK(o.groups(), o.verdicts(), k, seed ^ (31L * i + k));
            }
            pass.put(k, Bootstrap.meanInterval(passValues, Bootstrap.DEFAULT_RESAMPLES, 0.95, seed + k));
            maj.put(k, Bootstrap.meanInterval(majValues, Bootstrap.DEFAULT_RESAMPLES, 0.95, seed + 1000 + k));
        }
        int samples = p * n;
        double[] reasoning = new double[samples], answer = new double[samples], generated = new double[samples];
        double[] prompt = new double[samples], seconds = new double[samples];
        int truncated = 0, noAnswer = 0, correct = 0;
        int j = 0;
        List<Double> right = new ArrayList<>(), wrong = new ArrayList<>();
        for (ProblemOutcome o : outcomes) {
            for (ScoredSample s : o.samples()) {
                reasoning[j] = s.completion().reasoningTokens();
                answer[j] = s.completion().answerTokens();
                generated[j] = s.completion().generatedTokens();
                prompt[j] = s.completion().promptTokens();
                seconds[j] = s.completion().seconds();
                if (s.completion().finishReason() == io.srm4j.eval.generation.FinishReason.LENGTH) truncated++;
                GradeResult g = s.grade();
                if (!g.hasAnswer()) noAnswer++;
                if (g.correct()) correct++;
                (g.correct() ? right : wrong).add(generated[j]);
                j++;
            }
        }
        Summary generatedSummary = Summary.of(generated);
        Summary secondsSummary = Summary.of(seconds);
        return new EvalMetrics(p, n, Bootstrap.meanInterval(accuracy, Bootstrap.DEFAULT_RESAMPLES, 0.95, seed),
                pass, maj, Summary.of(reasoning), Summary.of(answer), generatedSummary, Summary.of(prompt),
                secondsSummary, Summary.of(right.stream().mapToDouble(Double::doubleValue).toArray()),
                Summary.of(wrong.stream().mapToDouble(Double::doubleValue).toArray()), correct == 0 ? Double.NaN : generatedSummary.total() / correct,
                secondsSummary.total() > 0 ? generatedSummary.total() / secondsSummary.total() : Double.NaN,
                (double) truncated / samples, (double) noAnswer / samples, budgetCurve(outcomes, n));
    }

    /** Points (budget, accuracy) at each distinct generated length: a sample counts if correct and within budget. */
    static List<double[]> budgetCurve(List<ProblemOutcome> outcomes, int n) {
        List<int[]> lengthAndCorrect = new ArrayList<>();
        for (ProblemOutcome o : outcomes) {
            for (ScoredSample s : o.samples()) {
                lengthAndCorrect.add(new int[]{s.completion().generatedTokens(), s.grade().correct() ? 1 : 0});
            }
        }
        lengthAndCorrect.sort((a, b) -> Integer.compare(a[0], b[0]));
        double total = (double) outcomes.size() * n;
        List<double[]> curve = new ArrayList<>();
        curve.add(new double[]{0, 0});
        int solved = 0;
        for (int i = 0; i < lengthAndCorrect.size(); i++) {
            solved += lengthAndCorrect.get(i)[1];
            boolean lastOfLength = i + 1 == lengthAndCorrect.size() || lengthAndCorrect.get(i + 1)[0] != lengthAndCorrect.get(i)[0];
            if (lastOfLength) curve.add(new double[]{lengthAndCorrect.get(i)[0], solved / total});
        }
        return curve;
    }

    @Override
    public String toString() {
        return "EvalMetrics[problems=" + problems + ", n=" + samplesPerProblem + ", accuracy=" + accuracy
                + ", pass@k=" + passAtK + ", maj@k=" + majAtK + ", budgetPoints=" + budgetCurve.size()
                + ", tokensPerSolved=" + tokensPerSolved + "]";
    }
}
