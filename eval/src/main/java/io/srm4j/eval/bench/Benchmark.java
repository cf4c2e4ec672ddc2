package io.srm4j.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.eval.data.DatasetReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A benchmark bound to a dataset file: turns its records into {@link Problem}s. */
public record Benchmark(BenchmarkSpec spec, Path dataset) {
    private static final Pattern LETTERED_OPTION = Pattern.compile("^\\s*\\(?([A-Z])\\s*[).:]\\s*(.*)$", Pattern.DOTALL);

    public Benchmark {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(dataset, "dataset");
    }

    public String name() { return spec.name(); }

    /** All problems of the dataset, in file order. */
    public List<Problem> load() throws IOException {
        List<ObjectNode> records = DatasetReader.read(dataset);
        if (records.isEmpty()) throw new IOException(dataset + ": dataset has no records");
        List<Problem> problems = new ArrayList<>(records.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < records.size(); i++) {
            Problem problem;
            try {
                problem = toProblem(i, records.get(i));
            } catch (IllegalArgumentException e) {
                throw new IOException(dataset + " record " + i + " (benchmark " + name() + "): " + e.getMessage(), e);
            }
            if (!ids.add(problem.id())) {
                throw new IOException(dataset + " record " + i + ": duplicate id '" + problem.id() + "' in field " + spec.idField());
            }
            problems.add(problem);
        }
        return problems;
    }

    Problem toProblem(int index, ObjectNode record) {
        String question = text(record, spec.questionField());
        if (spec.questionSuffix() != null && question.endsWith(spec.questionSuffix())) {
            question = question.substring(0, question.length() - spec.questionSuffix().length()).strip();
        }
        if (question.isBlank()) throw new IllegalArgumentException("question field '" + spec.questionField() + "' is empty");
        String gold = spec.goldFormat().normalize(text(record, spec.answerField()));
        if (gold.isBlank()) throw new IllegalArgumentException("answer field '" + spec.answerField() + "' is empty");
        String id = String.valueOf(index);
        if (spec.idField() != null && record.hasNonNull(spec.idField())) id = record.get(spec.idField()).asText();
        List<String> choices = spec.choicesField() == null ? List.of() : choices(record.get(spec.choicesField()));
        if (!choices.isEmpty() && spec.goldFormat() == GoldFormat.CHOICE && gold.charAt(0) - 'A' >= choices.size()) {
            throw new IllegalArgumentException("gold letter " + gold + " is beyond the " + choices.size() + " options");
        }
        return new Problem(index, id, question, gold, choices, spec.template().render(question, choices));
    }

    private static String text(ObjectNode record, String field) {
        JsonNode node = record.get(field);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("field '" + field + "' is missing (record has " + fieldNames(record) + ")");
        }
        if (!node.isValueNode()) throw new IllegalArgumentException("field '" + field + "' is not a string or number");
        return node.asText();
    }

    /** Options as "A) text" lines: lists of "A)text" strings, plain lists (lettered in order) or {letter: text}. */
    static List<String> choices(JsonNode node) {
        if (node == null || node.isNull()) throw new IllegalArgumentException("choices field is missing");
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String option = node.get(i).asText();
                Matcher m = LETTERED_OPTION.matcher(option);
                char expected = (char) ('A' + i);
                if (m.matches() && m.group(1).charAt(0) == expected) {
                    out.add(expected + ") " + m.group(2).strip());
                } else {
                    out.add(expected + ") " + option.strip());
                }
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(e.getKey().strip() + ") " + e.getValue().asText().strip());
            }
        } else {
            throw new IllegalArgumentException("choices field is neither a list nor an object");
        }
        if (out.isEmpty()) throw new IllegalArgumentException("choices field is empty");
        return out;
    }

    private static String fieldNames(ObjectNode record) {
        List<String> names = new ArrayList<>();
        record.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }
}
