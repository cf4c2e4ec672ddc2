package io.srm4j.eval.generation;

import java.util.Objects;

/**
 * One generated sample.
 *
 * @param text            everything the model generated (reasoning included)
 * @param reasoning       the part inside {@code <think>…</think>} (empty for non-reasoning output)
 * @param answer          the part after {@code </think>}, which is what gets graded
 * @param promptTokens    tokens in the rendered prompt
 * @param reasoningTokens generated tokens up to and including {@code </think>}
 * @param answerTokens    generated tokens after {@code </think>}
 * @param seconds         wall time spent generating this sample (its share, when batched)
 */
public record Completion(String text, String reasoning, String answer, int promptTokens, int reasoningTokens,
                         int answerTokens, FinishReason finishReason, double seconds) {
    public Completion {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(reasoning, "reasoning");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(finishReason, "finishReason");
        if (promptTokens < 0 || reasoningTokens < 0 || answerTokens < 0) {
            throw new IllegalArgumentException("negative token count in completion");
        }
        if (!(seconds >= 0)) throw new IllegalArgumentException("seconds must be >= 0, got " + seconds);
    }

    /**
     * Builds a completion from generated text, splitting reasoning from answer with {@link ThinkSplit}.
     * Token counts for the two parts are passed by the generator, which knows where {@code </think>} fell.
     */
    public static Completion of(String text, int promptTokens, int reasoningTokens, int answerTokens,
                                FinishReason finishReason, double seconds) {
        ThinkSplit split = ThinkSplit.of(text);
        return new Completion(text, split.reasoning(), split.answer(), promptTokens, reasoningTokens, answerTokens,
                finishReason, seconds);
    }

    public int generatedTokens() { return reasoningTokens + answerTokens; }
}
