package io.srm4j.eval.bench;

import io.srm4j.eval.generation.Prompt;

import java.util.List;
import java.util.Objects;

/**
 * One benchmark item, ready to ask.
 *
 * @param index    position in the dataset (0-based), the stable key of journal records
 * @param id       the dataset's own id when it has one, else the index as text
 * @param question the bare problem statement
 * @param gold     the reference answer, normalised for its answer kind
 * @param choices  for multiple choice, the options in order ("A) …"); empty otherwise
 * @param prompt   what the model is asked
 */
public record Problem(int index, String id, String question, String gold, List<String> choices, Prompt prompt) {
    public Problem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(gold, "gold");
        Objects.requireNonNull(prompt, "prompt");
        choices = List.copyOf(choices);
    }
}
