package io.srm4j.train.lab;

import io.srm4j.train.lab.LabEvaluation.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LabEvaluationTest {
    private static final LabTask SUM = new SumTask(5);
    private static Outcome outcome(int index, List<String> answers, List<Boolean> correct) {
        return new Outcome(index, "q" + index, "g", "", "", false, 0, answers, correct, 0,
                LabEvaluation.majority(SUM, "q" + index, answers), false);
    }

    @Test
    void majorityIgnoresEmptyAnswersAndBreaksTiesByTheFirstSample() {
        assertEquals("3", LabEvaluation.majority(SUM, "q", List.of("3", "5", "5", "3")));
        assertEquals("5", LabEvaluation.majority(SUM, "q", List.of("3", "5", "5")));
        assertEquals("4", LabEvaluation.majority(SUM, "q", List.of("", " 4", "4 ", "7")));
        assertNull(LabEvaluation.majority(SUM, "q", List.of("", " ")));
        assertNull(LabEvaluation.majority(SUM, "q", List.of()));
    }

    @Test
    void majorityAtKCountsEveryVoteOfKSamples() {
        // a, a, b with a correct: one sample is right 2/3 of the time; every pair and the triple vote for a (a tie
        // goes to the answer sampled first).
        Outcome o1 = outcome(0, List.of("a", "a", "b"), List.of(true, true, false));
        assertEquals(2.0 / 3, LabEvaluation.majorityAtK(SUM, List.of(o1), 1, 1), 1e-12);
        assertEquals(1.0, LabEvaluation.majorityAtK(SUM, List.of(o1), 2, 1), 1e-12);
        assertEquals(1.0, LabEvaluation.majorityAtK(SUM, List.of(o1), 3, 1), 1e-12);
        // b, a, a: the pairs holding b tie and b was sampled first, so only {a, a} wins.
        Outcome o2 = outcome(1, List.of("b", "a", "a"), List.of(false, true, true));
        assertEquals(1.0 / 3, LabEvaluation.majorityAtK(SUM, List.of(o2), 2, 1), 1e-12);
        assertEquals((1.0 + 1.0 / 3) / 2, LabEvaluation.majorityAtK(SUM, List.of(o1, o2), 2, 1), 1e-12);
        // An unanswered sample never wins.
        Outcome o3 = outcome(2, List.of("", "c"), List.of(false, false));
        assertEquals(0.0, LabEvaluation.majorityAtK(SUM, List.of(o3), 2, 1), 1e-12);
    }

    @Test
    void countdownVotesOnTheValueNotTheText() {
        // three different expressions of 3,5,7,8 equal to 40 outvote two copies of one that equals 38
        var task = new CountdownTask(4);
        String q = "3,5,7,8:40";
        List<String> answers = List.of("7*(8-3)+5", "3*8+5*7", "(7+8)*3-5", "3*8+5*7", "8*(3+7-5)");
        String winner = LabEvaluation.majority(task, q, answers);
        assertTrue(task.isCorrect(new LabProblem(q, "", ""), winner), winner);
        // as text, the wrong 3*8+5*7 (59) would have won two votes to one
        assertEquals("3*8+5*7", LabEvaluation.majority(SUM, q, answers));
        // an answer that is not an expression of the numbers is its own group, never merged with a value
        int[] g = LabEvaluation.groups(task, q, List.of("8*5", "40", "7*(8-3)+5", ""));
        assertNotEquals(g[0], g[2]);
        assertNotEquals(g[1], g[2]);
        assertEquals(io.srm4j.eval.metrics.MajorityVote.NO_ANSWER, g[3]);
    }
}
