package io.srm4j.train.data;

/**
 * One training row of packed examples: {@code positions} restart at 0 where each example (or the padding) starts,
 * so the model attends within an example only; {@code targets[i]} is the token to predict after token i, or
 * {@link io.srm4j.train.autograd.CrossEntropy#IGNORE} (prompt, padding, an example's last token).
 *
 * @param documents examples packed in the row (padding not counted)
 * @param realTokens tokens that belong to examples (the rest is padding)
 */
public record PackedRow(int[] tokens, int[] targets, int[] positions, int documents, int realTokens) {
    public int length() {
        return tokens.length;
    }

    /** Positions that carry loss. */
    public int targetCount() {
        int n = 0;
        for (int t : targets) if (t != io.srm4j.train.autograd.CrossEntropy.IGNORE) n++;
        return n;
    }
}
