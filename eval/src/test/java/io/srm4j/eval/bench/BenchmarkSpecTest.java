package io.srm4j.eval.bench;

import io.srm4j.eval.data.DatasetLocator;
import io.srm4j.eval.generation.Prompt;
import io.srm4j.eval.grading.AnswerKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class BenchmarkSpecTest {

    @Test
    void userSpecReadsParquetWithChoices(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("tiny.parquet");
        Files.copy(BenchmarkSpecTest.class.getResourceAsStream("/datasets/tiny.parquet"), data);
        Path spec = dir.resolve("mine.json");
        Files.writeString(spec, """
                {"name": "tiny-choice", "dataset": "tiny.parquet", "answer_kind": "choice",
                 "fields": {"question": "question", "answer": "correct", "id": "id", "choices": "options"}}
                """);
        Benchmark bench = Benchmarks.resolve(spec.toString(), null, new DatasetLocator(Map.of(), dir));
        assertEquals("tiny-choice", bench.name());
        assertEquals(AnswerKind.CHOICE, bench.spec().kind());
        List<Problem> problems = bench.load();
        assertEquals(3, problems.size());
        Problem first = problems.getFirst();
        assertEquals("7", first.id());
        assertEquals("B", first.gold());
        assertEquals(List.of("A) 4", "B) 5", "C) 6"), first.choices());
        String prompt = ((Prompt.Chat) first.prompt()).messages().getFirst().content();
        assertTrue(prompt.startsWith("What is 2 + 3?\n\nA) 4\nB) 5\nC) 6\n"), prompt);
        assertTrue(prompt.contains("letter"), prompt);
    }

    @Test
    void userSpecWithCustomTemplateAndNumberGold(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d.json");
        Files.writeString(data, "{\"data\": [{\"q\": \"1+1?\", \"a\": \"002\"}, {\"q\": \"2+2?\", \"a\": 4.0}]}");
        Path spec = dir.resolve("s.json");
        Files.writeString(spec, """
                {"name": "adds", "dataset": "d.json", "answer_kind": "number",
                 "fields": {"question": "q", "answer": "a"}, "template": "Q: {question}\\nA:"}
                """);
        List<Problem> problems = Benchmarks.fromSpecFile(spec, null).load();
        assertEquals(List.of("2", "4"), problems.stream().map(Problem::gold).toList());
        assertEquals(List.of("0", "1"), problems.stream().map(Problem::id).toList());
        assertEquals("Q: 1+1?\nA:", ((Prompt.Chat) problems.getFirst().prompt()).messages().getFirst().content());
    }

    @Test
    void badSpecsAndRecordsAreNamed(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"q\": \"x\", \"a\": \"1\"}\n{\"q\": \"y\"}\n");
        Path spec = dir.resolve("s.json");
        Files.writeString(spec, """
                {"name": "n", "dataset": "d.jsonl", "answer_kind": "number", "fields": {"question": "q", "answer": "a"}}
                """);
        IOException missing = assertThrows(IOException.class, () -> Benchmarks.fromSpecFile(spec, null).load());
        assertTrue(missing.getMessage().contains("record 1") && missing.getMessage().contains("'a'"), missing.getMessage());

        Files.writeString(spec, """
                {"name": "n", "dataset": "d.jsonl", "answer_kind": "numbr", "fields": {"question": "q", "answer": "a"}}
                """);
        assertTrue(assertThrows(IOException.class, () -> Benchmarks.fromSpecFile(spec, null)).getMessage().contains("numbr"));

        Files.writeString(spec, """
                {"name": "n", "dataset": "gone.jsonl", "answer_kind": "math", "fields": {"question": "q", "answer": "a"}}
                """);
        assertTrue(assertThrows(IOException.class, () -> Benchmarks.fromSpecFile(spec, null)).getMessage().contains("gone.jsonl"));

        Files.writeString(spec, """
                {"name": "n", "dataset": "d.jsonl", "answer_kind": "math", "fields": {"question": "q", "answr": "a"}}
                """);
        assertTrue(assertThrows(IOException.class, () -> Benchmarks.fromSpecFile(spec, null)).getMessage().contains("answr"));

        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Benchmarks.resolve("gsm9k", null, new DatasetLocator(Map.of(), dir)));
        assertTrue(unknown.getMessage().contains("gsm8k"), unknown.getMessage());
    }

    @Test
    void goldFormats() {
        assertEquals("1234", GoldFormat.GSM8K.normalize("so 1,000 + 234\n#### 1,234"));
        assertEquals("25", GoldFormat.NUMBER.normalize("025"));
        assertEquals("-1", GoldFormat.NUMBER.normalize("-1.0"));
        assertEquals("0.5", GoldFormat.NUMBER.normalize("0.50"));
        assertEquals("C", GoldFormat.CHOICE.normalize("c"));
        assertEquals("B", GoldFormat.CHOICE.normalize("1"));
        assertThrows(IllegalArgumentException.class, () -> GoldFormat.GSM8K.normalize("no marker 12"));
        assertThrows(IllegalArgumentException.class, () -> GoldFormat.NUMBER.normalize("\\frac{1}{2}"));
        assertThrows(IllegalArgumentException.class, () -> GoldFormat.CHOICE.normalize("AB"));
    }
}
