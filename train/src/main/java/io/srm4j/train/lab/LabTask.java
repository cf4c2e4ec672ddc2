package io.srm4j.train.lab;

import java.util.random.RandomGenerator;

/** A family of synthetic reasoning problems: a generator, the teacher that solves them step by step, and a grader. */
public interface LabTask {
    String name();

    /** One line saying what the problems are and what the teacher writes, for people watching the demo. */
    String description();

    /** A random problem and the teacher's solution; deterministic in {@code random}'s state. */
    LabProblem generate(RandomGenerator random);

    /**
     * Reward 1: whether {@code answer} (the model's final answer, trimmed) solves {@code problem}; here, whether it is
     * the one right answer. A task with several right answers (an expression, say) overrides it.
     */
    default boolean isCorrect(LabProblem problem, String answer) {
        return answer != null && answer.strip().equals(problem.answer());
    }

    /**
     * What self-consistency votes on: answers with equal keys are the same answer. Here the answer's text; a task whose
     * right answers differ in form (expressions with one value, say) overrides it.
     */
    default String voteKey(String question, String answer) {
        return answer == null ? "" : answer.strip();
    }

    /**
     * Re-derives every step of {@code problem}'s trace from the question, independently of the generator; returns
     * null when all of them check, otherwise a description of the first wrong step.
     */
    String checkTrace(LabProblem problem);

    /**
     * What makes two questions the same problem for the held-out split (the held-out set never repeats a key, and
     * no training problem shares one with it): the question itself, unless the answer depends on less of it.
     */
    default String key(String question) {
        return question;
    }

    static LabTask byName(String name) {
        return switch (name) {
            case ChainTask.NAME -> new ChainTask(5);
            case ChainTask.TWO_PATH_NAME -> new ChainTask(5, true);
            case SumTask.NAME -> new SumTask(5);
            case ShiftSumTask.NAME, ShiftSumTask.LAST_DIGIT_NAME -> ShiftSumTask.byName(name);
            case CountdownTask.NAME -> CountdownTask.byName(name);
            default -> {
                if (name.startsWith(ShiftSumTask.NAME + "-") || name.startsWith(ShiftSumTask.LAST_DIGIT_NAME + "-")) yield ShiftSumTask.byName(name);
                if (name.startsWith(CountdownTask.NAME + "-")) yield CountdownTask.byName(name);
                throw new IllegalArgumentException("unknown lab task '" + name + "' (known: " + ShiftSumTask.NAME + ", "
                        + ShiftSumTask.NAME + "-<terms>-<starts>[-<range>], " + ShiftSumTask.LAST_DIGIT_NAME + ", "
                        + ShiftSumTask.LAST_DIGIT_NAME + "-<terms>-<starts>[-<range>], " + CountdownTask.NAME + ", "
                        + CountdownTask.NAME + "-<numbers>, " + SumTask.NAME + ", " + ChainTask.NAME + ", " + ChainTask.TWO_PATH_NAME + ")");
            }
        };
    }
}
