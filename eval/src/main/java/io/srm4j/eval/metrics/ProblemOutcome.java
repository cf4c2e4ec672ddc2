package io.srm4j.eval.metrics;

import io.srm4j.eval.bench.Problem;

import java.util.List;

/**
 * All samples of one problem, graded and grouped for voting.
 *
 * @param groups       answer group of each sample ({@link MajorityVote#group}), NO_ANSWER for none
 * @param majorityWins the sample whose answer the vote over all samples chose, or -1
 */
public record ProblemOutcome(Problem problem, List<ScoredSample> samples, int[] groups, int majorityWins) {
    public ProblemOutcome {
        samples = List.copyOf(samples);
        if (groups.length != samples.size()) throw new IllegalArgumentException("one group per sample expected");
        for (int i = 0; i < samples.size(); i++) {
            if (samples.get(i).sample() != i) throw new IllegalArgumentException("samples must be in index order 0..n-1");
        }
    }

    public int n() { return samples.size(); }

    public int correct() {
        int c = 0;
        for (ScoredSample s : samples) if (s.grade().correct()) c++;
        return c;
    }

    public boolean majorityCorrect() { return majorityWins >= 0 && samples.get(majorityWins).grade().correct(); }

    public String majorityAnswer() { return majorityWins >= 0 ? samples.get(majorityWins).grade().extracted() : null; }

    boolean[] verdicts() {
        boolean[] v = new boolean[samples.size()];
        for (int i = 0; i < v.length; i++) v[i] = samples.get(i).grade().correct();
        return v;
    }
}
