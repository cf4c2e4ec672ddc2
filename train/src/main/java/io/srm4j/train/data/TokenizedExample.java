package io.srm4j.train.data;

import java.util.Arrays;

/**
 * A conversation as token ids with the loss mask: {@code trained[i]} says whether token i is one the model learns to
 * write (an assistant token). The model is trained to predict token i from tokens 0..i−1 exactly where it is set.
 */
public record TokenizedExample(int[] tokens, boolean[] trained) {
    public TokenizedExample {
        if (tokens.length == 0) throw new IllegalArgumentException("an example needs at least one token");
        if (trained.length != tokens.length) throw new IllegalArgumentException(tokens.length + " tokens but " + trained.length + " mask entries");
    }

    public int length() {
        return tokens.length;
    }

    /** Tokens that carry loss (the first token never does: nothing precedes it). */
    public int trainedCount() {
        int n = 0;
        for (int i = 1; i < trained.length; i++) if (trained[i]) n++;
        return n;
    }

    /** The first {@code n} tokens. */
    public TokenizedExample truncate(int n) {
        return n >= tokens.length ? this : new TokenizedExample(Arrays.copyOf(tokens, n), Arrays.copyOf(trained, n));
    }

    /** An example trained on every token after the first (plain language modelling). */
    public static TokenizedExample allTrained(int[] tokens) {
        boolean[] t = new boolean[tokens.length];
        Arrays.fill(t, true);
        return new TokenizedExample(tokens.clone(), t);
    }

    /** A prompt (not trained) followed by a completion (trained), already tokenized. */
    public static TokenizedExample promptCompletion(int[] prompt, int[] completion) {
        int[] t = Arrays.copyOf(prompt, prompt.length + completion.length);
        System.arraycopy(completion, 0, t, prompt.length, completion.length);
        boolean[] m = new boolean[t.length];
        Arrays.fill(m, prompt.length, t.length, true);
        return new TokenizedExample(t, m);
    }
}
