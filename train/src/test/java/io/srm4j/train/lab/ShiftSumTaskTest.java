package io.srm4j.train.lab;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ShiftSumTaskTest {
    private final ShiftSumTask task = new ShiftSumTask(5, 10);
    private final ShiftSumTask lab = (ShiftSumTask) LabTask.byName(ShiftSumTask.NAME);

    @Test
    void everyTeacherStepChecks() {
        SplittableRandom r = new SplittableRandom(1);
        for (ShiftSumTask t : new ShiftSumTask[] {task, lab, new ShiftSumTask(9, 100), new ShiftSumTask(1, 1), new ShiftSumTask(5, 100, 100)}) {
            for (int i = 0; i < 5000; i++) {
                LabProblem p = t.generate(r);
                assertNull(t.checkTrace(p), () -> "teacher trace fails: " + p);
                assertTrue(t.isCorrect(p, " " + p.answer() + " "));
                assertEquals(p.question().length(), p.trace().length(), "the trace fills in the question's blanks");
            }
        }
    }

    @Test
    void theLabsTaskStartsFromTwoDigitsAndWritesThreeDigitTotals() {
        assertEquals(ShiftSumTask.NAME, lab.name());
        String q = "??+3=???+5=???+3=???+8=???+1=???-??=??";
        int[] digits = {3, 5, 3, 8, 1};
        assertEquals(new LabProblem(q, "47+3=050+5=055+3=058+8=066+1=067-47=20", "20"), lab.solve(digits, 47));
        assertNull(lab.checkTrace(new LabProblem(q, "99+3=102+5=107+3=110+8=118+1=119-99=20", "20")));
        assertNull(lab.checkTrace(new LabProblem(q, "00+3=003+5=008+3=011+8=019+1=020-00=20", "20")));
        assertNotNull(lab.checkTrace(new LabProblem(q, "99+3=102+5=107+3=110+8=118+1=119-99=21", "21")), "wrong last step");
        assertNotNull(lab.checkTrace(new LabProblem(q, "99+3=102+5=107+3=110+8=118+1=109-99=10", "10")), "carry dropped");
        for (int start = 0; start < 100; start++) assertNull(lab.checkTrace(lab.solve(digits, start)));
        assertEquals("shift-sum-5-10", task.name());
        assertEquals(task.name(), LabTask.byName(task.name()).name(), "a variant's name rebuilds it");
        ShiftSumTask twoDigit = new ShiftSumTask(5, 100, 100);
        assertEquals("shift-sum-5-100-100", twoDigit.name());
        assertEquals(twoDigit.name(), LabTask.byName(twoDigit.name()).name());
        LabProblem p = twoDigit.solve(new int[] {26, 2, 81, 37, 11}, 32);
        assertEquals(new LabProblem("??+26=???+02=???+81=???+37=???+11=???-??=???", "32+26=058+02=060+81=141+37=178+11=189-32=157", "157"), p);
        assertNotNull(twoDigit.checkTrace(new LabProblem(p.question(), "32+26=058+02=060+81=131+37=168+11=179-32=147", "147")), "carry dropped");
        assertNotNull(lab.checkTrace(new LabProblem("?+3=??+5=??+3=??+8=??+1=??-?=??", "7+3=10+5=15+3=18+8=26+1=27-7=20", "20")));
    }

    @Test
    void knownProblemIsSolvedFromAnyStart() {
        // 3+5+3+8+1 = 20, whatever the start.
        String q = "?+3=??+5=??+3=??+8=??+1=??-?=??";
        int[] digits = {3, 5, 3, 8, 1};
        assertEquals(q, task.solve(digits, 7).question());
        assertEquals("7+3=10+5=15+3=18+8=26+1=27-7=20", task.solve(digits, 7).trace());
        assertEquals("20", task.solve(digits, 7).answer());
        assertNull(task.checkTrace(new LabProblem(q, "0+3=03+5=08+3=11+8=19+1=20-0=20", "20")));
        assertNull(task.checkTrace(new LabProblem(q, "9+3=12+5=17+3=20+8=28+1=29-9=20", "20")));
        for (int start = 0; start < 10; start++) assertNull(task.checkTrace(task.solve(digits, start)));
        assertTrue(task.isCorrect(new LabProblem(q, "", "20"), "20"));
        assertFalse(task.isCorrect(new LabProblem(q, "", "20"), "21"));
        assertFalse(task.isCorrect(new LabProblem(q, "", "05"), "5"), "answers are written with two digits");
    }

    @Test
    void wrongStepsAreCaught() {
        String q = "?+3=??+5=??+3=??+8=??+1=??-?=??";
        assertNotNull(task.checkTrace(new LabProblem(q, "7+3=10+5=15+3=18+8=16+1=17-7=10", "10")), "carry dropped");
        assertNotNull(task.checkTrace(new LabProblem(q, "7+3=10+5=15+3=18+8=26+1=27-6=21", "21")), "takes off another start");
        assertNotNull(task.checkTrace(new LabProblem(q, "7+3=10+5=15+3=18+8=26+1=27-7=21", "21")), "wrong last step");
        assertNotNull(task.checkTrace(new LabProblem(q, "7+3=10+6=16+3=19+8=27+1=28-7=21", "21")), "misread term");
        assertNotNull(task.checkTrace(new LabProblem(q, "7+3=10+5=15+3=18+8=26+1=27-7=20", "27")), "wrong answer");
        assertNotNull(task.checkTrace(new LabProblem(q, "7+3=10+5=15+3=18+8=26-7=19", "19")), "missing term");
        assertNotNull(task.checkTrace(new LabProblem(q, "7+3=1a+5=15+3=18+8=26+1=27-7=20", "20")), "blank filled with a letter");
        assertNotNull(task.checkTrace(new LabProblem(q, "7-3=10+5=15+3=18+8=26+1=27-7=20", "20")), "operator changed");
        assertNotNull(task.checkTrace(new LabProblem("3+5+3+8+1=?", "7+3=10", "10")), "malformed question");
    }

    @Test
    void theTeacherWritesManyPathsToOneAnswer() {
        // Two terms: 100 questions, each drawn about 200 times here, ten starts each.
        ShiftSumTask two = new ShiftSumTask(2, 10);
        var tracesOf = new HashMap<String, Set<String>>();
        var answerOf = new HashMap<String, String>();
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < 20_000; i++) {
            LabProblem p = two.generate(r);
            assertNull(two.checkTrace(p), p::toString);
            tracesOf.computeIfAbsent(p.question(), q -> new HashSet<>()).add(p.trace());
            assertEquals(answerOf.computeIfAbsent(p.question(), q -> p.answer()), p.answer(), "one answer per question");
        }
        assertEquals(100, tracesOf.size());
        assertTrue(tracesOf.values().stream().allMatch(t -> t.size() == 10), "every start occurs for every question");
        assertTrue(tracesOf.get("?+8=??+4=??-?=??").contains("5+8=13+4=17-5=12"));
    }

    @Test
    void heldOutDigitsNeverAppearInTrainingInAnyOrder() {
        // Two terms: 55 multisets in 100 questions, so a filter on question text alone would let ?+3=??+8=... in when
        // ?+8=??+3=... is held out.
        var t = new LabTokenizer();
        ShiftSumTask two = new ShiftSumTask(2, 10);
        assertEquals(two.key("?+8=??+3=??-?=??"), two.key("?+3=??+8=??-?=??"));
        assertNotEquals(two.key("?+8=??+3=??-?=??"), two.key("?+8=??+4=??-?=??"));
        LabData d = new LabData(two, t, 3, 20);
        var heldOut = new HashSet<String>();
        for (LabProblem p : d.heldOut()) assertTrue(heldOut.add(two.key(p.question())), "two held-out problems share digits: " + p);
        var trained = new HashSet<String>();
        for (String q : TrainingQuestions.of(d, t, 40, true)) {
            assertFalse(heldOut.contains(two.key(q)), "held-out digits in a training batch: " + q);
            trained.add(two.key(q));
        }
        assertEquals(35, trained.size(), "training covers every other multiset");
    }

    @Test
    void lastDigitTeacherStepsCheck() {
        SplittableRandom r = new SplittableRandom(2);
        for (String name : new String[] {ShiftSumTask.LAST_DIGIT_NAME, "shift-digit-5-100", "shift-digit-5-100-20", "shift-digit-9-100-30", "shift-digit-1-1-2"}) {
            LabTask t = LabTask.byName(name);
            assertEquals(name, t.name(), "a name rebuilds its task");
            for (int i = 0; i < 5000; i++) {
                LabProblem p = t.generate(r);
                assertNull(t.checkTrace(p), () -> "teacher trace fails: " + p);
                assertEquals(1, p.answer().length(), "the answer is one digit");
                assertTrue(p.trace().endsWith(p.answer()), "the trace ends with the sum, whose last digit is the answer");
                assertEquals(p.question().length(), p.trace().length(), "the trace fills in the question's blanks");
            }
        }
    }

    @Test
    void lastDigitKeepsTheTraceAndAnswersTheSumModuloTen() {
        ShiftSumTask digits = (ShiftSumTask) LabTask.byName("shift-digit-5-100");
        String q = "??+3=???+5=???+3=???+8=???+1=???-??=??";
        LabProblem p = digits.solve(new int[] {3, 5, 3, 8, 1}, 47);
        assertEquals(new LabProblem(q, "47+3=050+5=055+3=058+8=066+1=067-47=20", "0"), p);
        assertEquals(lab.solve(new int[] {3, 5, 3, 8, 1}, 47).trace(), p.trace(), "the same trace as shift-sum");
        assertTrue(digits.isCorrect(p, "0"));
        assertFalse(digits.isCorrect(p, "20"), "the whole sum is not the answer");
        assertNotNull(digits.checkTrace(new LabProblem(q, p.trace(), "20")), "answer is the whole sum");
        assertNotNull(digits.checkTrace(new LabProblem(q, p.trace(), "7")), "answer is the last digit of the start's total");
        assertNotNull(digits.checkTrace(new LabProblem(q, "47+3=050+5=055+3=058+8=066+1=068-47=21", "1")), "wrong step, consistent answer");

        ShiftSumTask wide = (ShiftSumTask) LabTask.byName("shift-digit-5-100-20");
        LabProblem w = wide.solve(new int[] {19, 0, 7, 12, 3}, 85);
        assertEquals(new LabProblem("??+19=???+00=???+07=???+12=???+03=???-??=??", "85+19=104+00=104+07=111+12=123+03=126-85=41", "1"), w);
        assertNull(wide.checkTrace(w));
        assertNotNull(wide.checkTrace(new LabProblem("??+19=???+00=???+07=???+12=???+23=???-??=??", "85+19=104+00=104+07=111+12=123+23=146-85=61", "1")),
                "a term outside 0-19 is not a question of this task");
        assertNotNull(wide.checkTrace(new LabProblem(w.question(), "85+19=094+00=094+07=101+12=113+03=116-85=31", "1")), "carry dropped, right last digit");
    }

    @Test
    void lastDigitHeldOutTermsNeverAppearInTrainingInAnyOrder() {
        var t = new LabTokenizer();
        ShiftSumTask two = new ShiftSumTask(2, 10, 20, true);
        assertEquals(two.key("?+18=??+03=??-?=??"), two.key("?+03=??+18=??-?=??"));
        assertNotEquals(two.key("?+18=??+03=??-?=??"), two.key("?+13=??+08=??-?=??"), "same last digit of the sum, other terms");
        LabData d = new LabData(two, t, 5, 40);
        var heldOut = new HashSet<String>();
        for (LabProblem p : d.heldOut()) assertTrue(heldOut.add(two.key(p.question())), "two held-out problems share terms: " + p);
        for (String q : TrainingQuestions.of(d, t, 40, true)) assertFalse(heldOut.contains(two.key(q)), "held-out terms in a training batch: " + q);
    }

    @Test
    void badSizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ShiftSumTask(5, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new ShiftSumTask(5, 10, 101, true));
        assertThrows(IllegalArgumentException.class, () -> LabTask.byName("shift-digit-5"));
        assertThrows(IllegalArgumentException.class, () -> LabTask.byName("shift-digit-5-x-20"));
        assertThrows(IllegalArgumentException.class, () -> new ShiftSumTask(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new ShiftSumTask(10, 10));
        assertThrows(IllegalArgumentException.class, () -> new ShiftSumTask(5, 0));
        assertThrows(IllegalArgumentException.class, () -> new ShiftSumTask(5, 101));
        assertThrows(IllegalArgumentException.class, () -> new ShiftSumTask(5, 10, 1000));
        assertThrows(IllegalArgumentException.class, () -> LabTask.byName("shift-sum-five-10"));
        assertThrows(IllegalArgumentException.class, () -> LabTask.byName("shift-sum-5"));
    }
}
