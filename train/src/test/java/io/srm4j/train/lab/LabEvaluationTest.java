package io.srm4j.train.lab;

import io.srm4j.train.lab.LabEvaluation.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LabEvaluationTest {
    private static Outcome outcome(int index, List<String> answers, List<Boolean> correct) {
        return new Outcome(index, "q" + index, "g", "", "", false, 0, answers, correct, 0,
                LabEvaluation.majority(answers), false);
    }

    @Test
    void majorityIgnoresEmptyAnswersAndBreaksTiesByTheFirstSample() {
        assertEquals("3", LabEvaluation.majority(List.of("3", "5", "5", "3")));
        assertEquals("5", LabEvaluation.majority(List.of("3", "5", "5")));
        assertEquals("4", LabEvaluation.majority(List.of("", " 4", "4 ", "7")));
        assertNull(LabEvaluation.majority(List.of("", " ")));
        assertNull(LabEvaluation.majority(List.of()));
    }

    @Test
    void majorityAtKCountsEveryVoteOfKSamples() {
        // a, a, b with a correct: one sample is right 2/3 of the time; every pair and the triple vote for a (a tie
        // goes to the answer sampled first).
        Outcome o1 = outcome(0, List.of("a", "a", "b"), List.of(true, true, false));
        assertEquals(2.0 / 3, LabEvaluation.majorityAtK(List.of(o1), 1, 1), 1e-12);
        assertEquals(1.0, LabEvaluation.majorityAtK(List.of(o1), 2, 1), 1e-12);
        assertEquals(1.0, LabEvaluation.majorityAtK(List.of(o1), 3, 1), 1e-12);
        // b, a, a: the pairs holding b tie and b was sampled first, so only {a, a} wins.
        Outcome o2 = outcome(1, List.of("b", "a", "a"), List.of(false, true, true));
        assertEquals(1.0 / 3, LabEvaluation.majorityAtK(List.of(o2), 2, 1), 1e-12);
        assertEquals((1.0 + 1.0 / 3) / 2, LabEvaluation.majorityAtK(List.of(o1, o2), 2, 1), 1e-12);
        // An unanswered sample never wins.
        Outcome o3 = outcome(2, List.of("", "c"), List.of(false, false));
        assertEquals(0.0, LabEvaluation.majorityAtK(List.of(o3), 2, 1), 1e-12);
    }
}
