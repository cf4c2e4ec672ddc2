package io.srm4j.train.lab;

import java.util.random.RandomGenerator;

/** A family of synthetic reasoning problems: a generator, the teacher that solves them step by step, and a grader. */
public interface LabTask {
    String name();

    /** A random problem and the teacher's solution; deterministic in {@code random}'s state. */
    LabProblem generate(RandomGenerator random);

    /** Reward 1: whether {@code answer} (the model's final answer, trimmed) solves {@code problem}. */
    boolean isCorrect(LabProblem problem, String answer);

    /**
     * Re-derives every step of {@code problem}'s trace from the question, independently of the generator; returns
     * null when all of them check, otherwise a description of the first wrong step.
     */
    String checkTrace(LabProblem problem);

    static LabTask byName(String name) {
        return switch (name) {
            case ChainTask.NAME -> new ChainTask(5);
            case ChainTask.TWO_PATH_NAME -> new ChainTask(5, true);
            default -> throw new IllegalArgumentException("unknown lab task '" + name + "' (known: " + ChainTask.NAME + ", " + ChainTask.TWO_PATH_NAME + ")");
        };
    }
}
