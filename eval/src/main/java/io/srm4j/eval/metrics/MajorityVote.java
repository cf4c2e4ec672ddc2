package io.srm4j.eval.metrics;

import io.srm4j.eval.grading.AnswerGrader;
import io.srm4j.eval.grading.AnswerKind;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Majority voting over samples whose answers are grouped by verified equivalence ({@link AnswerGrader#equivalent}),
 * not by string equality, so "1/2", "0.5" and "\frac{1}{2}" vote together.
 *
 * <p>Grouping: samples are taken in index order; a sample joins the first existing group whose first member's
 * answer is equivalent to its own, else it starts a new group. Samples without an extracted answer do not vote.
 * Ties: among groups with the most votes, the one whose earliest member has the lowest sample index wins.
 */
public final class MajorityVote {
    /** Class id of a sample with no extracted answer. */
    public static final int NO_ANSWER = -1;
    /** Above this many k-subsets, maj@k is estimated from this many seeded random subsets instead of all of them. */
    static final int MAX_EXACT_SUBSETS = 256;

    private MajorityVote() {}

    /** @return for each sample, its answer group (groups numbered in order of first appearance), or NO_ANSWER */
    public static int[] group(List<String> extracted, AnswerGrader grader, AnswerKind kind) {
        int[] groupOf = new int[extracted.size()];
        List<String> representatives = new ArrayList<>();
        for (int i = 0; i < extracted.size(); i++) {
            String answer = extracted.get(i);
            if (answer == null) {
                groupOf[i] = NO_ANSWER;
                continue;
            }
            int found = NO_ANSWER;
            for (int g = 0; g < representatives.size() && found == NO_ANSWER; g++) {
                if (grader.equivalent(representatives.get(g), answer, kind)) found = g;
            }
            if (found == NO_ANSWER) {
                found = representatives.size();
                representatives.add(answer);
            }
            groupOf[i] = found;
        }
        return groupOf;
    }

    /**
     * The winning sample among {@code members} (sample indices, ascending): the earliest member of the group with
     * most votes, ties to the group seen first. {@code -1} when no member has an answer.
     */
    public static int winner(int[] groupOf, int[] members) {
        int groups = 0;
        for (int g : groupOf) groups = Math.max(groups, g + 1);
        int[] votes = new int[groups];
        int[] firstMember = new int[groups];
        java.util.Arrays.fill(firstMember, -1);
        for (int sample : members) {
            int g = groupOf[sample];
            if (g == NO_ANSWER) continue;
            votes[g]++;
            if (firstMember[g] < 0) firstMember[g] = sample;
        }
        int best = -1;
        for (int g = 0; g < groups; g++) {
            if (votes[g] == 0) continue;
            if (best < 0 || votes[g] > votes[best] || (votes[g] == votes[best] && firstMember[g] < firstMember[best])) {
                best = g;
            }
        }
        return best < 0 ? -1 : firstMember[best];
    }

    /**
     * maj@k of one problem: the expected correctness of the majority answer of k samples drawn without
     * replacement from the n available. Exact (all k-subsets) while there are at most {@value #MAX_EXACT_SUBSETS}
     * of them, else the mean over that many subsets drawn with {@code seed}. maj@n is the vote over all samples.
     */
    public static double majAtK(int[] groupOf, boolean[] correct, int k, long seed) {
        int n = groupOf.length;
        if (correct.length != n) throw new IllegalArgumentException("groups and verdicts differ in length");
        if (k <= 0 || k > n) throw new IllegalArgumentException("k must be in [1, n=" + n + "], got " + k);
        if (binomialAtMost(n, k, MAX_EXACT_SUBSETS)) {
            double[] sum = new double[2]; // [correct wins, subsets]
            int[] subset = new int[k];
            enumerate(n, k, 0, 0, subset, () -> {
                int w = winner(groupOf, subset);
                if (w >= 0 && correct[w]) sum[0]++;
                sum[1]++;
            });
            return sum[0] / sum[1];
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] order = new int[n];
        int wins = 0;
        for (int draw = 0; draw < MAX_EXACT_SUBSETS; draw++) {
            for (int i = 0; i < n; i++) order[i] = i;
            for (int i = 0; i < k; i++) { // partial Fisher-Yates: the first k are a uniform k-subset
                int j = i + random.nextInt(n - i);
                int t = order[i]; order[i] = order[j]; order[j] = t;
            }
            int[] subset = java.util.Arrays.copyOf(order, k);
            java.util.Arrays.sort(subset);
            int w = winner(groupOf, subset);
            if (w >= 0 && correct[w]) wins++;
        }
        return (double) wins / MAX_EXACT_SUBSETS;
    }

    private static void enumerate(int n, int k, int start, int depth, int[] subset, Runnable visit) {
        if (depth == k) {
            visit.run();
            return;
        }
        for (int i = start; i <= n - (k - depth); i++) {
            subset[depth] = i;
            enumerate(n, k, i + 1, depth + 1, subset, visit);
        }
    }

    static boolean binomialAtMost(int n, int k, long limit) {
        k = Math.min(k, n - k);
        long value = 1;
        for (int i = 1; i <= k; i++) {
            value = value * (n - k + i) / i; // exact: a running product of consecutive binomials
            if (value > limit) return false;
        }
        return true;
    }
}
