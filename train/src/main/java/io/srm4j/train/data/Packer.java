package io.srm4j.train.data;

import io.srm4j.train.autograd.CrossEntropy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs examples, in the given order, into rows of {@code seqLen} tokens: each example goes whole into the current row
 * when it fits, otherwise the row is padded and a new one begins (never split; examples longer than a row are
 * refused — truncate or drop them first, see {@link SftDataset}). Greedy in order rather than best-fit so the data
 * order stays the shuffled order.
 */
public final class Packer {
    private Packer() {}

    public static List<PackedRow> pack(List<TokenizedExample> examples, int seqLen, int padId) {
        if (seqLen < 2) throw new IllegalArgumentException("rows need at least 2 tokens, got " + seqLen);
        List<PackedRow> rows = new ArrayList<>();
        int[] tokens = null, targets = null, positions = null;
        int used = 0, docs = 0;
        for (TokenizedExample e : examples) {
            int n = e.length();
            if (n > seqLen) throw new IllegalArgumentException("an example of " + n + " tokens does not fit a row of " + seqLen);
            if (tokens != null && used + n > seqLen) {
                rows.add(finish(tokens, targets, positions, used, docs, padId));
                tokens = null;
            }
            if (tokens == null) {
                tokens = new int[seqLen];
                targets = new int[seqLen];
                positions = new int[seqLen];
                used = docs = 0;
            }
            for (int i = 0; i < n; i++) {
                tokens[used + i] = e.tokens()[i];
                positions[used + i] = i;
                targets[used + i] = i + 1 < n && e.trained()[i + 1] ? e.tokens()[i + 1] : CrossEntropy.IGNORE;
            }
            used += n;
            docs++;
        }
        if (tokens != null) rows.add(finish(tokens, targets, positions, used, docs, padId));
        return rows;
    }

    private static PackedRow finish(int[] tokens, int[] targets, int[] positions, int used, int docs, int padId) {
        // padding is one more document, attending to itself only, with no loss
        Arrays.fill(tokens, used, tokens.length, padId);
        Arrays.fill(targets, used, tokens.length, CrossEntropy.IGNORE);
        for (int i = used; i < tokens.length; i++) positions[i] = i - used;
        return new PackedRow(tokens, targets, positions, docs, used);
    }
}
