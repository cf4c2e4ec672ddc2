package io.srm4j.reasoning.verify;

import io.srm4j.reasoning.answer.AnswerKind;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The time budget: an expensive comparison ends with a "timed out" verdict close to the budget, not a hang. */
class GraderBudgetTest {
    private static String bigSet(int n, int shift) {
        return "\\{" + IntStream.range(0, n).mapToObj(i -> "x^{" + (i + shift) + "} + \\sqrt{" + (i + 2) + "}y").collect(Collectors.joining(", ")) + "\\}";
    }

    @Test
    void expensiveComparisonTimesOutWithinItsBudget() {
        Grader grader = new Grader(new Grader.Options(100, true));
        String gold = bigSet(1500, 0), pred = "\\boxed{" + bigSet(1500, 1) + "}";
        long t0 = System.nanoTime();
        GradeResult r = grader.grade(gold, pred, AnswerKind.MATH);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(r.correct());
        assertEquals("timed out", r.reason());
        assertTrue(ms < 5000, "took " + ms + " ms against a 100 ms budget (with an 8 s budget this comparison still times out)");
    }

    @Test
    void theSameComparisonWithEnoughBudgetGivesARealVerdict() {
        Grader grader = new Grader(new Grader.Options(20_000, true));
        GradeResult r = grader.grade(bigSet(30, 0), "\\boxed{" + bigSet(30, 0).replace("\\{", "\\{ ").replace(", ", " , ") + "}", AnswerKind.MATH);
        assertTrue(r.correct(), r.toString());
        GradeResult wrong = grader.grade(bigSet(30, 0), "\\boxed{" + bigSet(30, 1) + "}", AnswerKind.MATH);
        assertFalse(wrong.correct());
        assertEquals("not equivalent", wrong.reason());
    }

    @Test
    void deepNestingIsRefusedNotOverflowed() {
        Grader grader = new Grader();
        String deep = "(".repeat(100_000) + "1" + ")".repeat(100_000);
        GradeResult r = grader.grade("2", "$" + deep + "$", AnswerKind.MATH);
        assertFalse(r.correct());
        assertTrue(grader.equivalent(deep, deep), "identical text is the same answer even when too deep to parse");
        assertFalse(grader.equivalent(deep, "2"));
        List<String> reasons = List.of("could not parse the predicted answer", "not equivalent");
        assertTrue(reasons.contains(r.reason()), r.reason());
    }
}
