package io.srm4j.eval.generation;

/**
 * Splits generated text into reasoning and answer at {@code <think>…</think>}.
 *
 * <p>Many reasoning-model chat templates put the opening {@code <think>} into the prompt, so the generated text
 * often starts inside the thought: everything before the first {@code </think>} is reasoning. Text with no
 * {@code </think>} at all is either a non-reasoning answer (no {@code <think>} either) or a thought cut off by
 * max_tokens (opens with {@code <think>}); the latter has no answer.
 */
public record ThinkSplit(String reasoning, String answer) {
    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";

    public static ThinkSplit of(String text) {
        int close = text.indexOf(CLOSE);
        if (close < 0) {
            String trimmed = text.stripLeading();
            if (trimmed.startsWith(OPEN)) return new ThinkSplit(trimmed.substring(OPEN.length()).strip(), "");
            return new ThinkSplit("", text.strip());
        }
        String before = text.substring(0, close);
        int open = before.indexOf(OPEN);
        String reasoning = open >= 0 ? before.substring(open + OPEN.length()) : before;
        return new ThinkSplit(reasoning.strip(), text.substring(close + CLOSE.length()).strip());
    }
}
