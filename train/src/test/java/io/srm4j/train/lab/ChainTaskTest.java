package io.srm4j.train.lab;

import io.srm4j.train.autograd.CrossEntropy;
import io.srm4j.train.model.TokenBatch;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ChainTaskTest {
    private final ChainTask task = new ChainTask(5);

    @Test
    void everyTeacherStepChecks() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 5000; i++) {
            LabProblem p = task.generate(r);
            assertNull(task.checkTrace(p), () -> "teacher trace fails: " + p);
            assertTrue(task.isCorrect(p, " " + p.answer() + " "));
        }
    }

    @Test
    void twoPathTeacherWritesEquivalentStepsThatCheck() {
        ChainTask twoPaths = new ChainTask(5, true);
        SplittableRandom r = new SplittableRandom(2);
        int rewritten = 0;
        for (int i = 0; i < 5000; i++) {
            LabProblem p = twoPaths.generate(r);
            assertNull(twoPaths.checkTrace(p), () -> "teacher trace fails: " + p);
            for (int s = 0; s < 5; s++) if (p.trace().charAt(1 + 4 * s) != p.question().charAt(1 + 4 * s)) rewritten++;
        }
        assertTrue(rewritten > 5000, "about a third of all steps take the other path, saw " + rewritten);
        // 8-4 written as 8+6, and 9+2 as 9-8: both check on the two-path task, neither on the plain one.
        LabProblem p = new LabProblem("7+5=?*3=?-7=?+2=?*6=?", "7-5=2*3=6+3=9-8=1*6=6", "6");
        assertNull(twoPaths.checkTrace(p));
        assertNotNull(task.checkTrace(p));
        assertNotNull(twoPaths.checkTrace(new LabProblem("7+5=?*3=?-7=?+2=?*6=?", "7-5=2*3=6+4=0-8=2*6=2", "2")), "wrong complement");
    }

    @Test
    void knownProblemIsSolvedStepByStep() {
        // 7+5 = 12 -> 2; 2*3 = 6; 6-7 = -1 -> 9; 9+2 = 11 -> 1; 1*6 = 6 (mod 10, left to right)
        LabProblem p = new LabProblem("7+5=?*3=?-7=?+2=?*6=?", "7+5=2*3=6-7=9+2=1*6=6", "6");
        assertNull(task.checkTrace(p));
        assertTrue(task.isCorrect(p, "6"));
        assertFalse(task.isCorrect(p, "8"));
        assertFalse(task.isCorrect(p, ""));
    }

    @Test
    void wrongStepsAreCaught() {
        String q = "7+5=?*3=?-7=?+2=?*6=?";
        assertNotNull(task.checkTrace(new LabProblem(q, "7+5=2*3=5-7=8+2=0*6=0", "0")), "wrong product");
        assertNotNull(task.checkTrace(new LabProblem(q, "7+5=2*3=6-2=4+2=6*6=6", "6")), "wrong operand copied");
        assertNotNull(task.checkTrace(new LabProblem(q, "7+5=2*3=6-7=9+2=1*6=6", "3")), "wrong answer");
        assertNotNull(task.checkTrace(new LabProblem(q, "7+5=2*3=6-7=9+2=1", "1")), "missing step");
    }

    @Test
    void generationIsDeterministicInTheSeed() {
        SplittableRandom a = new SplittableRandom(99), b = new SplittableRandom(99);
        for (int i = 0; i < 100; i++) assertEquals(task.generate(a), task.generate(b));
        var t = new LabTokenizer();
        var d1 = new LabData(task, t, 7, 50);
        var d2 = new LabData(task, t, 7, 50);
        assertEquals(d1.heldOut(), d2.heldOut());
        TokenBatch x = d1.batch(3, true, 2, 128), y = d2.batch(3, true, 2, 128);
        assertArrayEquals(x.tokens(), y.tokens());
        assertArrayEquals(x.targets(), y.targets());
        assertNotEquals(new LabData(task, t, 8, 50).heldOut(), d1.heldOut(), "another seed, other problems");
    }

    @Test
    void heldOutProblemsAreDistinctAndNeverTrainedOn() {
        // One-step problems: only 300 questions exist, so training draws would hit the held-out ones all the time
        // if the filter did not keep them apart.
        var t = new LabTokenizer();
        LabData d = new LabData(new ChainTask(1), t, 3, 100);
        var questions = new HashSet<String>();
        for (LabProblem p : d.heldOut()) assertTrue(questions.add(p.question()), "duplicate held-out question");
        var trained = new HashSet<String>();
        for (String q : TrainingQuestions.of(d, t, 40, false)) {
            assertFalse(questions.contains(q), "held-out question in training batch: " + q);
            trained.add(q);
        }
        assertEquals(200, trained.size(), "training covers every other question");
    }

    @Test
    void holdingOutEveryProblemIsAnErrorNotAHang() {
        LabData d = new LabData(new ChainTask(1), new LabTokenizer(), 3, 300); // all 300 one-step questions
        var e = assertThrows(IllegalStateException.class, () -> d.batch(0, true, 1, 104));
        assertTrue(e.getMessage().contains("hold out fewer"), e.getMessage());
    }

    @Test
    void lossCoversOnlyTheAssistantTurn() {
        var t = new LabTokenizer();
        LabData d = new LabData(task, t, 5, 10);
        TokenBatch b = d.batch(0, true, 1, 128);
        boolean inAssistant = false;
        for (int i = 0; i + 1 < b.tokens().length; i++) {
            int tok = b.tokens()[i];
            if (tok == LabTokenizer.ASSISTANT) inAssistant = true;
            if (tok == LabTokenizer.EOS || tok == LabTokenizer.BOS) inAssistant = false;
            if (inAssistant) assertEquals(b.tokens()[i + 1], b.targets()[i], "assistant position " + i + " has the next token as target");
            else assertEquals(CrossEntropy.IGNORE, b.targets()[i], "prompt/padding position " + i + " has no loss");
        }
    }
}
