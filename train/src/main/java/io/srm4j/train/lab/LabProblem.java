package io.srm4j.train.lab;

/**
 * One synthetic problem with the teacher's step-by-step solution.
 *
 * @param question what the model is asked
 * @param trace    the teacher's reasoning, every step checkable
 * @param answer   the gold answer
 */
public record LabProblem(String question, String trace, String answer) {}
