package io.srm4j.eval.grading;

import io.srm4j.reasoning.verify.Grader;

/**
 * The evaluation grader: the reasoning module's answer extraction and mathematical verification
 * ({@link Grader}) behind evaluation's {@link AnswerGrader} seam. Numbers and maths are verified alike.
 */
public final class VerifyingGrader implements AnswerGrader {
    private final Grader grader;

    public VerifyingGrader() {
        this(new Grader());
    }

    public VerifyingGrader(Grader grader) {
        this.grader = grader;
    }

    private static io.srm4j.reasoning.answer.AnswerKind kind(AnswerKind k) {
        return k == AnswerKind.CHOICE ? io.srm4j.reasoning.answer.AnswerKind.CHOICE : io.srm4j.reasoning.answer.AnswerKind.MATH;
    }

    @Override
    public GradeResult grade(String gold, String response, AnswerKind kind) {
        var r = grader.grade(gold, response, kind(kind));
        return new GradeResult(r.correct() && r.extracted() != null, r.extracted());
    }

    @Override
    public boolean equivalent(String a, String b, AnswerKind kind) {
        if (kind == AnswerKind.CHOICE) return a != null && a.strip().equalsIgnoreCase(b == null ? "" : b.strip());
        return grader.equivalent(a, b);
    }

    @Override
    public String describe() {
        return "srm4j verifying grader (extraction + exact/numeric verification, " + Grader.Options.DEFAULT.timeoutMillis() + " ms budget)";
    }
}
