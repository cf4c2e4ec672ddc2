package io.srm4j.train.lab;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SumTaskTest {
    private final SumTask task = new SumTask(5);

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
    void knownProblemIsSolvedInAnyOrder() {
        // 3+5+3+8+1 = 20 -> 0 (mod 10), whatever the order of the additions.
        String q = "a3+b5+c3+d8+e1=?";
        assertNull(task.checkTrace(new LabProblem(q, "a3+b5=8+c3=1+d8=9+e1=0", "0")));
        assertNull(task.checkTrace(new LabProblem(q, "e1+c3=4+d8=2+a3=5+b5=0", "0")));
        assertNull(task.checkTrace(new LabProblem(q, "b5+d8=3+a3=6+c3=9+e1=0", "0")));
        assertFalse(task.isCorrect(new LabProblem(q, "", "0"), "4"));
        assertFalse(task.isCorrect(new LabProblem(q, "", "0"), ""));
    }

    @Test
    void wrongStepsAreCaught() {
        String q = "a3+b5+c3+d8+e1=?";
        assertNotNull(task.checkTrace(new LabProblem(q, "a3+b5=8+c3=1+d8=9+e1=1", "1")), "wrong sum");
        assertNotNull(task.checkTrace(new LabProblem(q, "a3+b5=8+c3=1+d8=9+d8=7", "7")), "a term used twice (d), another (e) never");
        assertNotNull(task.checkTrace(new LabProblem(q, "a3+b5=8+c3=1+d8=9+a3=2", "2")), "c's 3 is not a's: a twice");
        assertNotNull(task.checkTrace(new LabProblem(q, "a3+b5=8+c4=2+d8=0+e1=1", "1")), "c misread as 4");
        assertNotNull(task.checkTrace(new LabProblem(q, "a3+b5=8+c3=1+d8=9", "9")), "missing term");
        assertNotNull(task.checkTrace(new LabProblem(q, "a3+b5=8+c3=1+d8=9+e1=0", "6")), "wrong answer");
        assertNotNull(task.checkTrace(new LabProblem(q, "f3+b5=8+c3=1+d8=9+e1=0", "0")), "no term f");
    }

    @Test
    void theTeacherWritesManyPathsToOneAnswer() {
        // Three terms: 1,000 questions, each drawn about 50 times here, and 6 orders to add each one's terms in.
        SumTask three = new SumTask(3);
        var tracesOf = new java.util.HashMap<String, java.util.Set<String>>();
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < 50_000; i++) {
            LabProblem p = three.generate(r);
            assertNull(three.checkTrace(p), p::toString);
            tracesOf.computeIfAbsent(p.question(), q -> new HashSet<>()).add(p.trace());
        }
        long allSix = tracesOf.values().stream().filter(t -> t.size() == 6).count();
        assertTrue(allSix > 500, "questions whose 6 orders all occur: " + allSix + " of " + tracesOf.size());
        assertEquals(java.util.Set.of("a1+b2=3+c3=6", "a1+c3=4+b2=6", "b2+a1=3+c3=6", "b2+c3=5+a1=6", "c3+a1=4+b2=6",
                "c3+b2=5+a1=6"), tracesOf.get("a1+b2+c3=?"));
    }

    @Test
    void heldOutDigitsNeverAppearInTrainingInAnyOrder() {
        // Two terms: 55 multisets in 100 questions, so a filter on question text alone would let a3+b8 in when a8+b3
        // is held out.
        var t = new LabTokenizer();
        SumTask two = new SumTask(2);
        assertEquals(two.key("a3+b8=?"), two.key("a8+b3=?"));
        assertNotEquals(two.key("a3+b8=?"), two.key("a3+b7=?"));
        LabData d = new LabData(two, t, 3, 20);
        var heldOut = new HashSet<String>();
        for (LabProblem p : d.heldOut()) assertTrue(heldOut.add(two.key(p.question())), "two held-out problems share digits: " + p);
        var trained = new HashSet<String>();
        for (String q : TrainingQuestions.of(d, t, 40, false)) {
            assertFalse(heldOut.contains(two.key(q)), "held-out digits in a training batch: " + q);
            trained.add(two.key(q));
        }
        assertEquals(35, trained.size(), "training covers every other multiset");
    }
}
