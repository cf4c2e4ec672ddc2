package io.srm4j.reasoning.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.reasoning.answer.AnswerExtractor;
import io.srm4j.reasoning.answer.AnswerKind;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness sweep over the real benchmark gold answers in ../shared/datasets: every gold graded against itself (and
 * against itself boxed, as a model would write it) is correct, parses, and is decided well within the time budget.
 */
class DatasetGoldSweepTest {
    private static final Grader GRADER = new Grader();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SLOW_MS = 2500; // the 2 s budget plus slack for a loaded machine

    private static Path datasets() {
        String shared = System.getProperty("srm4j.shared");
        Path p = shared == null ? null : Path.of(shared, "datasets");
        Assumptions.assumeTrue(p != null && Files.isDirectory(p), "../shared/datasets not found: set -Dsrm4j.shared (skipping the gold sweep)");
        return p;
    }

    private static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) if (!line.isBlank()) out.add(JSON.readTree(line));
        return out;
    }

    private static void check(List<String> failures, String where, String gold, String prediction, AnswerKind kind, List<String> options) {
        long t0 = System.nanoTime();
        GradeResult r = GRADER.grade(gold, prediction, kind, options);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (!r.correct()) failures.add(where + ": gold " + abbreviate(gold) + " vs " + abbreviate(prediction) + " -> " + r);
        else if (ms > SLOW_MS) failures.add(where + ": took " + ms + " ms");
    }

    private static String abbreviate(String s) {
        String t = s.replace("\n", "\\n");
        return t.length() > 80 ? "…" + t.substring(t.length() - 77) : t;
    }

    @Test
    void gsm8kGoldsGradeThemselves() throws IOException {
        Path d = datasets();
        List<String> failures = new ArrayList<>();
        for (String f : List.of("gsm8k_test.jsonl", "gsm8k_train.jsonl")) {
            int i = 0;
            for (JsonNode j : read(d.resolve(f))) {
                i++;
                String answer = j.get("answer").asText();
                String number = answer.substring(answer.lastIndexOf("####") + 4).strip();
                check(failures, f + ":" + i, answer, answer, AnswerKind.MATH, List.of());
                check(failures, f + ":" + i + " boxed", answer, "So the answer is $\\boxed{" + number + "}$.", AnswerKind.MATH, List.of());
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures.subList(0, Math.min(40, failures.size()))));
    }

    @Test
    void math500GoldsParseAndGradeThemselves() throws IOException {
        Path d = datasets();
        List<String> failures = new ArrayList<>();
        int i = 0;
        for (JsonNode j : read(d.resolve("math500_test.jsonl"))) {
            i++;
            String answer = j.get("answer").asText();
            String where = "math500:" + i + " (" + j.get("unique_id").asText() + ")";
            try {
                LatexParser.parse(answer, Deadline.after(1000));
            } catch (ParseException e) {
                failures.add(where + ": gold does not parse: " + answer + " (" + e.getMessage() + ")");
            }
            check(failures, where, answer, answer, AnswerKind.MATH, List.of());
            check(failures, where + " boxed", answer, "Therefore the final answer is $\\boxed{" + answer + "}$.", AnswerKind.MATH, List.of());
            check(failures, where + " solution", j.get("solution").asText(), "\\boxed{" + answer + "}", AnswerKind.MATH, List.of());
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
    }

    @Test
    void competitionGoldsGradeThemselves() throws IOException {
        Path d = datasets();
        List<String> failures = new ArrayList<>();
        for (String f : List.of("aime2024.jsonl", "aime2025.jsonl", "amc2023.jsonl")) {
            int i = 0;
            for (JsonNode j : read(d.resolve(f))) {
                i++;
                String answer = j.get("answer").asText();
                check(failures, f + ":" + i, answer, answer, AnswerKind.MATH, List.of());
                // A model writes AIME's "025" as 25 and AMC's 27.0 as 27.
                String plain = new java.math.BigDecimal(answer).stripTrailingZeros().toPlainString();
                check(failures, f + ":" + i + " plain", answer, "The answer is $\\boxed{" + plain + "}$", AnswerKind.MATH, List.of());
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
    }

    @Test
    void aquaRatLettersAndOptionTexts() throws IOException {
        Path d = datasets();
        List<String> failures = new ArrayList<>();
        int i = 0, byText = 0, textAmbiguous = 0;
        for (JsonNode j : read(d.resolve("aqua_rat_test.jsonl"))) {
            i++;
            String letter = j.get("correct").asText();
            List<String> options = new ArrayList<>();
            j.get("options").forEach(o -> options.add(o.asText()));
            check(failures, "aqua:" + i, letter, letter, AnswerKind.CHOICE, options);
            check(failures, "aqua:" + i + " phrase", letter, "Let me think. The correct answer is (" + letter + ").", AnswerKind.CHOICE, options);
            check(failures, "aqua:" + i + " boxed", letter, "\\boxed{" + letter + "}", AnswerKind.CHOICE, options);
            // By option text: counted, not asserted (some option lists repeat a value or say "None of these").
            String text = AnswerExtractor.optionText(options.get(letter.charAt(0) - 'A'));
            GradeResult r = GRADER.grade(letter, "The result is \\boxed{" + text + "}", AnswerKind.CHOICE, options);
            if (r.correct()) byText++;
            else textAmbiguous++;
        }
        System.out.printf("AQuA-RAT: %d questions, option-text answers resolved to the right letter: %d, not resolved: %d%n", i, byText, textAmbiguous);
        assertTrue(byText > i / 2, "option-text matching resolved only " + byText + " of " + i);
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
    }
}
