package io.srm4j.eval.bench;

import io.srm4j.eval.data.DatasetLocator;
import io.srm4j.eval.generation.Prompt;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Every dataset in ../shared/datasets read by its benchmark (counts from SOURCES.md). */
class BuiltInBenchmarksTest {

    static Path datasets() {
        String shared = System.getProperty("srm4j.shared");
        Path dir = shared == null ? null : Path.of(shared, "datasets");
        Assumptions.assumeTrue(dir != null && Files.isDirectory(dir), "../shared not found: " + dir);
        return dir;
    }

    static List<Problem> load(String name) throws Exception {
        DatasetLocator locator = new DatasetLocator(Map.of(DatasetLocator.ENV, datasets().toString()), Path.of("/"));
        return Benchmarks.resolve(name, null, locator).load();
    }

    @Test
    void everyBuiltInReadsItsDatasetCompletely() throws Exception {
        Map<String, Integer> expected = Map.of("gsm8k", 1319, "math500", 500, "aime2024", 30, "aime2025", 30,
                "amc2023", 40, "aqua_rat", 254);
        assertEquals(expected.keySet(), Benchmarks.names());
        for (String name : Benchmarks.names()) {
            List<Problem> problems = load(name);
            assertEquals(expected.get(name), problems.size(), name);
            for (Problem p : problems) {
                assertFalse(p.question().isBlank(), name + " " + p.id());
                assertFalse(p.gold().isBlank(), name + " " + p.id());
                String text = ((Prompt.Chat) p.prompt()).messages().getFirst().content();
                assertTrue(text.contains(p.question()), name + " prompt holds the question");
                assertTrue(text.contains("\\boxed{}"), name + " prompt asks for a boxed answer");
            }
            assertEquals(problems.size(), problems.stream().map(Problem::id).distinct().count(), name + " ids unique");
        }
        // the one file no built-in names by default: GSM8K's training split, read through --dataset
        DatasetLocator locator = new DatasetLocator(Map.of(), Path.of("/"));
        List<Problem> train = Benchmarks.resolve("gsm8k", datasets().resolve("gsm8k_train.jsonl"), locator).load();
        assertEquals(7473, train.size());
        assertEquals("72", train.getFirst().gold());
        for (Problem p : train) assertFalse(p.question().isBlank() || p.gold().isBlank(), p.id());
    }

    @Test
    void defaultLocationFindsTheSharedDatasetsNextToTheCheckout() throws Exception {
        Path expected = datasets().resolve("aime2024.jsonl").toRealPath();
        Assumptions.assumeTrue(System.getenv(DatasetLocator.ENV) == null, "SRM4J_DATA is set; it would take precedence");
        assertEquals(expected, DatasetLocator.fromEnvironment().resolve(null, "aime2024.jsonl").toRealPath());
        assertEquals(30, Benchmarks.resolve("aime2024", null, DatasetLocator.fromEnvironment()).load().size());
    }

    @Test
    void goldAnswersAreNormalisedPerBenchmark() throws Exception {
        assertEquals("18", load("gsm8k").getFirst().gold());
        for (Problem p : load("gsm8k")) assertTrue(p.gold().matches("-?\\d+(\\.\\d+)?"), "gsm8k gold " + p.gold());

        List<Problem> aime25 = load("aime2025");
        assertEquals("70", aime25.getFirst().gold());
        for (Problem p : aime25) {
            assertFalse(p.question().contains("Please reason step by step"), "instruction stripped from the problem");
            String prompt = ((Prompt.Chat) p.prompt()).messages().getFirst().content();
            assertEquals(prompt.indexOf("Please reason"), prompt.lastIndexOf("Please reason"), "instruction once");
        }
        List<Problem> aime24 = load("aime2024");
        for (Problem p : aime24) assertTrue(p.gold().matches("[1-9]\\d{0,2}|0"), "AIME answer without zero padding: " + p.gold());
        assertEquals("60", aime24.getFirst().id());

        List<Problem> amc = load("amc2023");
        assertEquals("27", amc.getFirst().gold());
        for (Problem p : amc) assertFalse(p.gold().endsWith(".0"), p.gold());

        List<Problem> aqua = load("aqua_rat");
        for (Problem p : aqua) {
            assertEquals(5, p.choices().size(), p.id());
            assertTrue(p.gold().matches("[A-E]"), p.gold());
            assertTrue(p.choices().getFirst().startsWith("A) "), p.choices().getFirst());
        }
        assertEquals("A) 5(\u221a3 + 1)", aqua.getFirst().choices().getFirst());

        Problem math = load("math500").getFirst();
        assertEquals("test/precalculus/807.json", math.id());
        assertEquals("\\left( 3, \\frac{\\pi}{2} \\right)", math.gold());
    }
}
