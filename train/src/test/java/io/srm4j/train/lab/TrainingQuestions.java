package io.srm4j.train.lab;

import io.srm4j.train.model.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The questions a lab's training batches carry, read back from their tokens (for the held-out split's tests). */
final class TrainingQuestions {
    private TrainingQuestions() {}

    /** Every user turn of the first {@code steps} batches of 4 rows × 104 tokens, decoded. */
    static List<String> of(LabData d, LabTokenizer t, int steps, boolean chainOfThought) {
        List<String> questions = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            TokenBatch b = d.batch(step, chainOfThought, 4, 104);
            int start = -1;
            for (int i = 0; i < b.tokens().length; i++) {
                if (b.tokens()[i] == LabTokenizer.USER) start = i + 1;
                if (b.tokens()[i] == LabTokenizer.ASSISTANT && start >= 0) {
                    questions.add(t.decode(Arrays.copyOfRange(b.tokens(), start, i)));
                    start = -1;
                }
            }
        }
        return questions;
    }
}
