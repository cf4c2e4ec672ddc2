package io.srm4j.train.lab;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class CountdownTaskTest {
    private final CountdownTask task = new CountdownTask(4);
    private static final String Q = "3,5,7,8:40";

    private boolean correct(String answer) {
        return task.isCorrect(new LabProblem(Q, "", ""), answer);
    }

    @Test
    void everyTeacherStepChecks() {
        SplittableRandom r = new SplittableRandom(1);
        var tokenizer = new LabTokenizer();
        for (int n = 2; n <= 5; n++) {
            CountdownTask t = new CountdownTask(n);
            for (int i = 0; i < 2000; i++) {
                LabProblem p = t.generate(r);
                assertNull(t.checkTrace(p), () -> "teacher trace fails: " + p);
                assertTrue(t.isCorrect(p, " " + p.answer() + " "), p::toString);
                int target = Integer.parseInt(p.question().substring(p.question().indexOf(':') + 1));
                assertTrue(target >= 10 && target <= CountdownTask.MAX_VALUE, p::toString);
                tokenizer.encode(p.question() + p.trace() + p.answer()); // every character is in the lab alphabet
            }
        }
    }

    @Test
    void aKnownSolutionAndItsTrace() {
        assertNull(task.checkTrace(new LabProblem(Q, "8-3=5:5,5,7;7*5=35:5,35;35+5=40:40", "7*(8-3)+5")));
        assertNull(task.checkTrace(new LabProblem(Q, "8+7=15:3,5,15;15*3=45:5,45;45-5=40:40", "(8+7)*3-5")));
    }

    @Test
    void anyRightExpressionScoresNotOnlyTheTeachers() {
        for (String a : new String[] {"7*(8-3)+5", "(8-3)*7+5", "(7+8)*3-5", "8*(3+7-5)", "5*7+8-3", "(5*7)-(3-8)"}) {
            assertTrue(correct(a), a);
        }
        // fractions on the way are exact: the grader accepts what the teacher would not write
        assertTrue(new CountdownTask(3).isCorrect(new LabProblem("2,3,6:9", "", ""), "6/2*3"));
        assertTrue(new CountdownTask(3).isCorrect(new LabProblem("1,3,8:24", "", ""), "8/(1/3)"));
    }

    @Test
    void wrongAnswersDoNot() {
        assertFalse(correct("3*8+5*7"), "value 59");
        assertFalse(correct("5*8"), "3 and 7 unused");
        assertFalse(correct("5*8+7-7"), "7 twice, 3 unused");
        assertFalse(correct("5*8*(7-3)/4"), "4 is not a number of the question");
        assertFalse(correct("40"));
        assertFalse(correct(""));
        assertFalse(correct(null));
        assertFalse(correct("7*(8-3)+5="), "trailing text");
        assertFalse(correct("7*(8-3+5"), "unclosed");
        assertFalse(correct("-7*(3-8)+5"), "no unary minus");
        assertFalse(correct("7 * (8-3) + 5"), "no spaces");
        assertFalse(correct("7*(8-3)+5/(3-3)"), "division by zero is wrong, not an exception");
    }

    @Test
    void pathologicalAnswersAreRejectedQuickly() {
        assertFalse(correct("(".repeat(5000) + "3" + ")".repeat(5000)), "too long");
        assertFalse(correct("(".repeat(60) + "7*(8-3)+5" + ")".repeat(60)), "nested deeper than any answer needs");
        assertTrue(correct("(".repeat(20) + "7*(8-3)+5" + ")".repeat(20)), "moderate nesting is fine");
        assertFalse(correct("99999999999999999999*3+5+7+8"), "a number too long to read");
        assertFalse(task.isCorrect(new LabProblem("9,999999999,999999999,999999999:9", "", ""), "999999999*999999999*999999999*9"),
                "overflow is wrong, not an exception");
        assertFalse(new CountdownTask(4).isCorrect(new LabProblem("garbage", "", ""), "1+2"), "a malformed question scores 0");
    }

    @Test
    void wrongStepsAreCaught() {
        assertNotNull(task.checkTrace(new LabProblem(Q, "8-3=5:5,5,7;7*5=35:5,35;35+5=41:41", "7*(8-3)+5")), "wrong sum");
        assertNotNull(task.checkTrace(new LabProblem(Q, "8-3=5:5,5,7;7*5=35:5,35;35+5=40:35", "7*(8-3)+5")), "wrong list of what is left");
        assertNotNull(task.checkTrace(new LabProblem(Q, "8-3=5:5,5,7;7*7=49:5,49;49-5=44:44", "7*7-5")), "7 used twice");
        assertNotNull(task.checkTrace(new LabProblem(Q, "3-8=-5:5,5,7;7*5=35:5,35;35+5=40:40", "7*(8-3)+5")), "negative step");
        assertNotNull(task.checkTrace(new LabProblem(Q, "8-3=5:5,5,7;7*5=35:5,35", "7*5")), "a step missing");
        assertNotNull(task.checkTrace(new LabProblem(Q, "8-3=5:5,5,7;7*5=35:5,35;35+5=40:40", "(8+7)*3-5+0")), "answer not of the numbers");
        assertNotNull(task.checkTrace(new LabProblem(Q, "8-3=5:5,5,7;7*5=35:5,35;35+5=40:40", "3*8+5*7")), "answer with another value");
    }

    @Test
    void theTeacherWritesManyPathsToOneProblem() {
        SplittableRandom r = new SplittableRandom(4);
        Map<String, Set<String>> answersOf = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            LabProblem p = task.generate(r);
            answersOf.computeIfAbsent(p.question(), q -> new HashSet<>()).add(p.answer());
        }
        long repeated = answersOf.values().stream().filter(s -> s.size() > 1).count();
        assertTrue(repeated > answersOf.size() / 20, "problems with more than one solution written: " + repeated + " of " + answersOf.size());
    }

    @Test
    void theHeldOutKeyIsTheNumbersAndTheTarget() {
        assertEquals(task.key("3,5,7,8:40"), task.key("3,5,7,8:40"));
        assertNotEquals(task.key("3,5,7,8:40"), task.key("3,5,7,8:41"));
        assertNotEquals(task.key("3,5,7,8:40"), task.key("3,5,7,9:40"));
        var t = new LabTokenizer();
        LabData d = new LabData(task, t, 3, 50);
        var heldOut = new HashSet<String>();
        for (LabProblem p : d.heldOut()) assertTrue(heldOut.add(task.key(p.question())), "two held-out problems are one: " + p);
        for (String q : TrainingQuestions.of(d, t, 20, true)) assertFalse(heldOut.contains(task.key(q)), "held-out problem in training: " + q);
    }

    @Test
    void theLabFindsTheTaskByName() {
        assertEquals("countdown", LabTask.byName("countdown").name());
        assertEquals("countdown-3", LabTask.byName("countdown-3").name());
        assertThrows(IllegalArgumentException.class, () -> LabTask.byName("countdown-x"));
        assertThrows(IllegalArgumentException.class, () -> LabTask.byName("countdown-9"));
    }
}
