package io.srm4j.reasoning.verify;

/**
 * One verdict.
 *
 * @param correct   whether the prediction's answer is equivalent to the gold answer
 * @param extracted what was taken from the prediction as its answer (null when none was found)
 * @param reason    a short human-readable explanation ("equivalent", "not equivalent", "no answer found", "timed out"...)
 */
public record GradeResult(boolean correct, String extracted, String reason) {}
