/**
 * Answer verification. {@link io.srm4j.reasoning.verify.Grader} is the entry point:
 * {@code grade(gold, prediction, kind)} gives a {@link io.srm4j.reasoning.verify.GradeResult} (correct, extracted,
 * reason) and {@code equivalent(a, b)} groups answers for voting. {@link io.srm4j.reasoning.verify.LatexParser} turns
 * LaTeX or plain maths into {@link io.srm4j.reasoning.verify.Node} trees; {@link io.srm4j.reasoning.verify.MathVerifier}
 * compares them exactly (rationals) or numerically (complex doubles at sample points), under a
 * {@link io.srm4j.reasoning.verify.Deadline}.
 */
package io.srm4j.reasoning.verify;
