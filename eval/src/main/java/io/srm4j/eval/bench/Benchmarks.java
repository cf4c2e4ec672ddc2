package io.srm4j.eval.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.eval.data.DatasetLocator;
import io.srm4j.eval.grading.AnswerKind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The built-in benchmarks, and benchmarks defined by a user's spec file. */
public final class Benchmarks {
    private static final String AIME25_SUFFIX = PromptTemplate.MATH_INSTRUCTION;

    private static final Map<String, BenchmarkSpec> BUILT_IN = new LinkedHashMap<>();

    static {
        add(new BenchmarkSpec("gsm8k", "gsm8k_test.jsonl", "question", "answer", null, null,
                PromptTemplate.MATH, AnswerKind.NUMBER, GoldFormat.GSM8K, null));
        add(new BenchmarkSpec("math500", "math500_test.jsonl", "problem", "answer", "unique_id", null,
                PromptTemplate.MATH, AnswerKind.MATH, GoldFormat.AS_IS, null));
        add(new BenchmarkSpec("aime2024", "aime2024.jsonl", "problem", "answer", "id", null,
                PromptTemplate.MATH, AnswerKind.NUMBER, GoldFormat.NUMBER, null));
        // QwQ's copy ships the instruction inside "prompt"; strip it so the template adds it exactly once.
        add(new BenchmarkSpec("aime2025", "aime2025.jsonl", "prompt", "answer", null, null,
                PromptTemplate.MATH, AnswerKind.NUMBER, GoldFormat.NUMBER, AIME25_SUFFIX));
        add(new BenchmarkSpec("amc2023", "amc2023.jsonl", "problem", "answer", "id", null,
                PromptTemplate.MATH, AnswerKind.NUMBER, GoldFormat.NUMBER, null));
        add(new BenchmarkSpec("aqua_rat", "aqua_rat_test.jsonl", "question", "correct", null, "options",
                PromptTemplate.CHOICE, AnswerKind.CHOICE, GoldFormat.CHOICE, null));
    }

    private Benchmarks() {}

    private static void add(BenchmarkSpec spec) { BUILT_IN.put(spec.name(), spec); }

    public static Set<String> names() { return BUILT_IN.keySet(); }

    public static BenchmarkSpec builtIn(String name) {
        BenchmarkSpec spec = BUILT_IN.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("unknown benchmark '" + name + "'; built in: " + String.join(", ", names())
                    + " (or give the path of a benchmark spec .json file)");
        }
        return spec;
    }

    /**
     * A benchmark by built-in name or spec-file path, its dataset from {@code dataset} when given, else the
     * spec file's own dataset path, else the locator's default places.
     */
    public static Benchmark resolve(String nameOrSpec, Path dataset, DatasetLocator locator) throws IOException {
        if (BUILT_IN.containsKey(nameOrSpec)) {
            BenchmarkSpec spec = BUILT_IN.get(nameOrSpec);
            return new Benchmark(spec, locator.resolve(dataset, spec.datasetFile()));
        }
        Path specFile = Path.of(nameOrSpec);
        if (nameOrSpec.endsWith(".json") || Files.isRegularFile(specFile)) {
            return fromSpecFile(specFile, dataset);
        }
        throw new IllegalArgumentException(builtInMessage(nameOrSpec));
    }

    private static String builtInMessage(String name) {
        return "unknown benchmark '" + name + "'; built in: " + String.join(", ", names())
                + " (or give the path of a benchmark spec .json file)";
    }

    /**
     * Reads a user's benchmark spec:
     * <pre>{@code
     * {
     *   "name": "mybench",
     *   "dataset": "my.jsonl",                  // relative to the spec file; .jsonl, .json or .parquet
     *   "fields": {"question": "q", "answer": "a", "id": "uid", "choices": "options"},
     *   "answer_kind": "math" | "number" | "choice",
     *   "template": "{question}\n...",           // optional: default by kind
     *   "gold_format": "as_is" | "gsm8k" | "number" | "choice",   // optional: default by kind
     *   "strip_question_suffix": "..."           // optional
     * }
     * }</pre>
     */
    public static Benchmark fromSpecFile(Path specFile, Path datasetOverride) throws IOException {
        if (!Files.isRegularFile(specFile)) throw new IOException("benchmark spec file not found: " + specFile);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(specFile.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(specFile + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        try {
            if (!root.isObject()) throw new IllegalArgumentException("expected a JSON object");
            Set<String> known = Set.of("name", "dataset", "fields", "answer_kind", "template", "gold_format",
                    "strip_question_suffix", "description");
            root.fieldNames().forEachRemaining(f -> {
                if (!known.contains(f)) throw new IllegalArgumentException("unknown key '" + f + "' (known: " + known + ")");
            });
            String name = required(root, "name");
            AnswerKind kind = AnswerKind.parse(required(root, "answer_kind"));
            JsonNode fields = root.get("fields");
            if (fields == null || !fields.isObject()) throw new IllegalArgumentException("missing \"fields\" object");
            fields.fieldNames().forEachRemaining(f -> {
                if (!List.of("question", "answer", "id", "choices").contains(f)) {
                    throw new IllegalArgumentException("unknown field role '" + f + "' (known: question, answer, id, choices)");
                }
            });
            String choices = optional(fields, "choices");
            PromptTemplate template = root.hasNonNull("template") ? new PromptTemplate(root.get("template").asText())
                    : kind == AnswerKind.CHOICE && choices != null ? PromptTemplate.CHOICE : PromptTemplate.MATH;
            GoldFormat gold = root.hasNonNull("gold_format") ? GoldFormat.parse(root.get("gold_format").asText())
                    : switch (kind) {
                        case MATH -> GoldFormat.AS_IS;
                        case NUMBER -> GoldFormat.NUMBER;
                        case CHOICE -> GoldFormat.CHOICE;
                    };
            String datasetText = required(root, "dataset");
            Path dataset = datasetOverride;
            if (dataset == null) {
                Path base = specFile.toAbsolutePath().getParent();
                dataset = base.resolve(datasetText);
            }
            if (!Files.isRegularFile(dataset)) throw new IOException(specFile + ": dataset file not found: " + dataset);
            BenchmarkSpec spec = new BenchmarkSpec(name, Path.of(datasetText).getFileName().toString(),
                    required(fields, "question"), required(fields, "answer"), optional(fields, "id"), choices,
                    template, kind, gold, optional(root, "strip_question_suffix"));
            return new Benchmark(spec, dataset);
        } catch (IllegalArgumentException e) {
            throw new IOException(specFile + ": bad benchmark spec: " + e.getMessage(), e);
        }
    }

    private static String required(JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull() || !value.isTextual() || value.asText().isBlank()) {
            throw new IllegalArgumentException("missing or empty string \"" + key + "\"");
        }
        return value.asText();
    }

    private static String optional(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value.asText();
    }
}
