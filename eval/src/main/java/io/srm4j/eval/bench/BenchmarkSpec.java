package io.srm4j.eval.bench;

import io.srm4j.eval.grading.AnswerKind;

import java.util.Objects;

/**
 * What defines a benchmark: where its data is, which fields hold what, how it is asked and how it is graded.
 *
 * @param datasetFile          default file name, looked up by {@link io.srm4j.eval.data.DatasetLocator}
 * @param idField              optional; records without it are numbered
 * @param choicesField         optional; for multiple choice
 * @param questionSuffix       optional text stripped from the end of each question (datasets that ship the
 *                             instruction inside the problem, like AIME 2025), so the template adds it once
 */
public record BenchmarkSpec(String name, String datasetFile, String questionField, String answerField,
                            String idField, String choicesField, PromptTemplate template, AnswerKind kind,
                            GoldFormat goldFormat, String questionSuffix) {
    public BenchmarkSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datasetFile, "datasetFile");
        Objects.requireNonNull(questionField, "questionField");
        Objects.requireNonNull(answerField, "answerField");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(goldFormat, "goldFormat");
        if (!name.matches("[A-Za-z0-9_.-]+")) throw new IllegalArgumentException("benchmark name '" + name + "' must be [A-Za-z0-9_.-]+");
        if (kind == AnswerKind.CHOICE && choicesField == null && template.text().contains("{choices}")) {
            throw new IllegalArgumentException("benchmark " + name + ": template uses {choices} but no choices field is set");
        }
    }
}
