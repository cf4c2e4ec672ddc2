package io.srm4j.eval.metrics;

import io.srm4j.eval.bench.Problem;
import io.srm4j.eval.generation.Completion;
import io.srm4j.eval.generation.FinishReason;
import io.srm4j.eval.generation.Prompt;
import io.srm4j.eval.grading.AnswerKind;
import io.srm4j.eval.grading.ExactMatchTestGrader;
import io.srm4j.eval.grading.GradeResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class EvalMetricsTest {

    static ScoredSample sample(int i, String extracted, boolean correct, int reasoning, int answer, FinishReason finish) {
        Completion c = new Completion("t", "r", extracted == null ? "" : "a", 10, reasoning, answer, finish, 0.5);
        return new ScoredSample(i, i, c, new GradeResult(correct, extracted));
    }

    @Test
    void aggregatesByHand() {
        Problem p0 = new Problem(0, "p0", "q", "4", List.of(), Prompt.user("q"));
        Problem p1 = new Problem(1, "p1", "q", "7", List.of(), Prompt.user("q"));
        ExactMatchTestGrader grader = new ExactMatchTestGrader();
        // p0: 2 of 4 right, majority "5" (2 votes, first at 0) vs "4" (2 votes, first at 1): tie -> "5", wrong
        ProblemOutcome o0 = EvalMetrics.outcome(p0, List.of(
                sample(0, "5", false, 100, 10, FinishReason.STOP), sample(1, "4", true, 200, 10, FinishReason.STOP),
                sample(2, "4", true, 300, 10, FinishReason.STOP), sample(3, "5", false, 400, 10, FinishReason.STOP)),
                grader, AnswerKind.NUMBER);
        // p1: 1 of 4 right, two cut off without an answer
        ProblemOutcome o1 = EvalMetrics.outcome(p1, List.of(
                sample(0, null, false, 1000, 0, FinishReason.LENGTH), sample(1, "7", true, 50, 10, FinishReason.STOP),
                sample(2, null, false, 1000, 0, FinishReason.LENGTH), sample(3, "8", false, 60, 10, FinishReason.STOP)),
                grader, AnswerKind.NUMBER);
        assertEquals("5", o0.majorityAnswer());
        assertFalse(o0.majorityCorrect());
        assertEquals("7", o1.majorityAnswer(), "7 and 8 tie at one vote; 7 came first");
        assertTrue(o1.majorityCorrect());

        EvalMetrics m = EvalMetrics.compute(List.of(o0, o1), 1);
        assertEquals((0.5 + 0.25) / 2, m.accuracy().mean(), 1e-12);
        assertEquals(List.of(1, 2, 4), new ArrayList<>(m.passAtK().keySet()));
        assertEquals((PassAtK.estimate(4, 2, 2) + PassAtK.estimate(4, 1, 2)) / 2, m.passAtK().get(2).mean(), 1e-12);
        assertEquals(0.5, m.majAtK().get(4).mean(), 1e-12);
        assertEquals(m.accuracy().mean(), m.majAtK().get(1).mean(), 1e-12, "maj@1 is avg@n");
        assertEquals(2.0 / 8, m.truncatedFraction());
        assertEquals(2.0 / 8, m.noAnswerFraction());
        double generated = 110 + 210 + 310 + 410 + 1000 + 60 + 1000 + 70;
        assertEquals(generated, m.generatedTokens().total());
        assertEquals(generated / 3, m.tokensPerSolved(), 1e-9, "tokens per correct sample");
        assertEquals(1000, m.reasoningTokens().max());
        assertEquals(210 + 310 + 60, m.correctTokens().total());
        assertEquals(110 + 410 + 1000 + 1000 + 70, m.incorrectTokens().total());
        assertEquals(4.0, m.seconds().total(), 1e-12);
        // budget curve: at 210 tokens one right sample (the 210-token one) of 8 fits
        double at210 = m.budgetCurve().stream().filter(pt -> pt[0] == 210).findFirst().orElseThrow()[1];
        assertEquals(2.0 / 8, at210, 1e-12, "right samples of 60 and 210 tokens fit a 210-token budget");
    }
}
