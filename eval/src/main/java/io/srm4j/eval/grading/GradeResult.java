package io.srm4j.eval.grading;

/**
 * The verdict on one response.
 *
 * @param extracted the answer found in the response, or {@code null} when none was found (such a sample is
 *                  wrong and takes no part in majority voting)
 */
public record GradeResult(boolean correct, String extracted) {
    public GradeResult {
        if (correct && extracted == null) throw new IllegalArgumentException("a correct grade needs an extracted answer");
    }

    public boolean hasAnswer() { return extracted != null; }
}
