package io.srm4j.eval.metrics;

import io.srm4j.eval.grading.AnswerGrader;
import io.srm4j.eval.grading.AnswerKind;
import io.srm4j.eval.grading.GradeResult;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class MajorityVoteTest {

    /** Test equivalence that reads "a/b" and decimals as numbers, so different strings can be the same answer. */
    static final class NumericEquivalence implements AnswerGrader {
        final AtomicInteger calls = new AtomicInteger();

        static BigDecimal value(String s) {
            String t = s.strip();
            int slash = t.indexOf('/');
            if (slash > 0) {
                return new BigDecimal(t.substring(0, slash)).divide(new BigDecimal(t.substring(slash + 1)), MathContext.DECIMAL64);
            }
            return new BigDecimal(t);
        }

        @Override
        public GradeResult grade(String gold, String response, AnswerKind kind) {
            return new GradeResult(equivalent(gold, response, kind), response);
        }

        @Override
        public boolean equivalent(String a, String b, AnswerKind kind) {
            calls.incrementAndGet();
            return value(a).compareTo(value(b)) == 0;
        }
    }

    @Test
    void groupsByVerifiedEquivalenceNotStrings() {
        NumericEquivalence grader = new NumericEquivalence();
        int[] groups = MajorityVote.group(Arrays.asList("1/2", "3", "0.5", null, "0.50", "3.0"), grader, AnswerKind.NUMBER);
        assertArrayEquals(new int[]{0, 1, 0, MajorityVote.NO_ANSWER, 0, 1}, groups);
        int winner = MajorityVote.winner(groups, new int[]{0, 1, 2, 3, 4, 5});
        assertEquals(0, winner, "three votes for one half beat two for three");
        assertTrue(grader.calls.get() > 0, "equivalence decided by the grader");
    }

    @Test
    void tiesGoToTheGroupWhoseFirstMemberCameFirst() {
        // groups: sample 0 -> B, 1 -> A, 2 -> A, 3 -> B : two votes each; B's first member (0) is earliest
        int[] groups = {0, 1, 1, 0};
        assertEquals(0, MajorityVote.winner(groups, new int[]{0, 1, 2, 3}));
        // without sample 0, A (first at 1) ties with B (first at 3): A wins
        assertEquals(1, MajorityVote.winner(groups, new int[]{1, 2, 3}));
        // three-way tie of single votes: earliest sample wins
        assertEquals(2, MajorityVote.winner(new int[]{0, 1, 2}, new int[]{2}));
        assertEquals(-1, MajorityVote.winner(new int[]{-1, -1}, new int[]{0, 1}), "no answers, no winner");
        // unanswered samples never win even when they are the most numerous
        assertEquals(2, MajorityVote.winner(new int[]{-1, -1, 0}, new int[]{0, 1, 2}));
    }

    @Test
    void majAtKByHand() {
        // answers X (correct), Y, Y
        int[] groups = {0, 1, 1};
        boolean[] correct = {true, false, false};
        assertEquals(1.0 / 3, MajorityVote.majAtK(groups, correct, 1, 0), 1e-12);
        // {0,1}: tie, X first -> right; {0,2}: right; {1,2}: Y -> wrong
        assertEquals(2.0 / 3, MajorityVote.majAtK(groups, correct, 2, 0), 1e-12);
        assertEquals(0.0, MajorityVote.majAtK(groups, correct, 3, 0), 1e-12);
    }

    @Test
    void sampledMajAtKAgreesWithFullEnumeration() {
        int n = 20, k = 10; // 184756 subsets: above the exact limit, so majAtK samples
        int[] groups = new int[n];
        boolean[] correct = new boolean[n];
        for (int i = 0; i < n; i++) {
            groups[i] = i % 3 == 0 ? 0 : (i % 3 == 1 ? 1 : (i % 2 == 0 ? 2 : MajorityVote.NO_ANSWER));
            correct[i] = groups[i] == 0;
        }
        double exact = exhaustive(groups, correct, k);
        double sampled = MajorityVote.majAtK(groups, correct, k, 42);
        assertEquals(exact, sampled, 0.12, "256 random subsets estimate the mean over all of them");
        assertEquals(sampled, MajorityVote.majAtK(groups, correct, k, 42), "same seed, same estimate");
    }

    static double exhaustive(int[] groups, boolean[] correct, int k) {
        int n = groups.length;
        long wins = 0, total = 0;
        for (int mask = 0; mask < (1 << n); mask++) {
            if (Integer.bitCount(mask) != k) continue;
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < n; i++) if ((mask & (1 << i)) != 0) members.add(i);
            int w = MajorityVote.winner(groups, members.stream().mapToInt(Integer::intValue).toArray());
            if (w >= 0 && correct[w]) wins++;
            total++;
        }
        return (double) wins / total;
    }

    @Test
    void binomialLimit() {
        assertTrue(MajorityVote.binomialAtMost(8, 4, 256));
        assertTrue(MajorityVote.binomialAtMost(10, 3, 120));
        assertFalse(MajorityVote.binomialAtMost(10, 3, 119));
        assertFalse(MajorityVote.binomialAtMost(64, 32, 256));
    }
}
