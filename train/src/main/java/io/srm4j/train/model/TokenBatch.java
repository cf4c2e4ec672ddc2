package io.srm4j.train.model;

/**
 * {@code batch} sequences of {@code seqLen} tokens, with the next-token target of each position or
 * {@link io.srm4j.train.autograd.CrossEntropy#IGNORE} where no loss is wanted.
 */
public record TokenBatch(int[] tokens, int[] targets, int batch, int seqLen) {
    public TokenBatch {
        if (batch <= 0 || seqLen <= 0 || tokens.length != batch * seqLen || targets.length != tokens.length) {
            throw new IllegalArgumentException(tokens.length + " tokens and " + targets.length + " targets do not form "
                    + batch + " sequences of " + seqLen);
        }
    }

    /** Language-model batch: every position predicts the next token of its sequence; the last position has no target. */
    public static TokenBatch nextToken(int[][] sequences) {
        int b = sequences.length, t = sequences[0].length;
        int[] tokens = new int[b * t], targets = new int[b * t];
        for (int i = 0; i < b; i++) {
            if (sequences[i].length != t) throw new IllegalArgumentException("sequences differ in length: " + t + " vs " + sequences[i].length);
            System.arraycopy(sequences[i], 0, tokens, i * t, t);
            for (int j = 0; j < t; j++) targets[i * t + j] = j + 1 < t ? sequences[i][j + 1] : io.srm4j.train.autograd.CrossEntropy.IGNORE;
        }
        return new TokenBatch(tokens, targets, b, t);
    }
}
