package io.srm4j.eval.grading;

/**
 * Answer extraction and verification as evaluation needs it. The reasoning module's grader implements it
 * (wired by the integrator); evaluation never compares answers by string equality itself.
 */
public interface AnswerGrader {

    /**
     * Extracts the final answer from {@code response} (the text after the reasoning) and checks it against
     * {@code gold}.
     */
    GradeResult grade(String gold, String response, AnswerKind kind);

    /** Whether two extracted answers mean the same thing, used to group samples for majority voting. */
    boolean equivalent(String a, String b, AnswerKind kind);

    /** Identifies the grader and its version in results, so rescored runs say what judged them. */
    default String describe() { return getClass().getName(); }
}
