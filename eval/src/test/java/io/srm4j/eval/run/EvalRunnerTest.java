package io.srm4j.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.eval.generation.GenerationRequest;
import io.srm4j.eval.generation.Generator;
import io.srm4j.eval.grading.AnswerKind;
import io.srm4j.eval.grading.ExactMatchTestGrader;
import io.srm4j.eval.grading.GradeResult;
import io.srm4j.eval.metrics.ProblemOutcome;
import io.srm4j.eval.metrics.ScoredSample;
import io.srm4j.eval.report.ReportWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class EvalRunnerTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static EvalRunner.RunResult run(Path spec, Path out, Generator generator, int samples) throws IOException {
        return new EvalRunner(generator, new ExactMatchTestGrader(), new PrintStream(OutputStream.nullOutputStream()))
                .run(RunFixtures.benchmark(spec), new EvalRunner.Options(samples, RunFixtures.params(), 0, out, false));
    }

    /** What must be equal between an interrupted-and-resumed run and an uninterrupted one. */
    static void assertSameResults(Path expected, Path actual) throws IOException {
        assertEquals(Files.readAllLines(expected.resolve(ReportWriter.SAMPLES)), Files.readAllLines(actual.resolve(ReportWriter.SAMPLES)));
        JsonNode a = JSON.readTree(expected.resolve(ReportWriter.RESULTS).toFile());
        JsonNode b = JSON.readTree(actual.resolve(ReportWriter.RESULTS).toFile());
        assertEquals(a.get("metrics"), b.get("metrics"));
        assertEquals(a.get("config"), b.get("config"));
        assertEquals(journalRecords(expected), journalRecords(actual), "journal holds each sample exactly once");
    }

    static java.util.Set<String> journalRecords(Path run) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve(EvalRunner.JOURNAL));
        java.util.Set<String> set = new java.util.TreeSet<>(lines);
        assertEquals(lines.size(), set.size(), "no duplicated journal line");
        return set;
    }

    @Test
    void runWritesConsistentResultsAndReports(@TempDir Path dir) throws Exception {
        Path spec = RunFixtures.writeBenchmark(dir.resolve("bench"), 8);
        Path out = dir.resolve("run");
        ArithmeticTestGenerator generator = new ArithmeticTestGenerator(0);
        EvalRunner.RunResult result = run(spec, out, generator, 6);
        assertEquals(48, generator.samplesGenerated);
        assertEquals(48, result.generatedNow());

        // accuracy recomputed from the verdicts by hand
        int correct = 0;
        for (ProblemOutcome o : result.outcomes()) correct += o.correct();
        assertEquals(correct / 48.0, result.metrics().accuracy().mean(), 1e-12);
        assertTrue(correct > 0 && correct < 48, "fixture mixes right and wrong samples: " + correct);
        for (ProblemOutcome o : result.outcomes()) {
            for (ScoredSample s : o.samples()) {
                long expected = RunConfig.sampleSeed(1234, o.problem().index(), s.sample());
                assertEquals(expected, s.seed(), "sample seed derived from (base, problem, sample)");
            }
        }

        JsonNode results = JSON.readTree(out.resolve(ReportWriter.RESULTS).toFile());
        assertEquals("adds", results.get("benchmark").asText());
        assertEquals(6, results.at("/config/samples").asInt());
        assertEquals("test:arithmetic", results.at("/versions/generator").asText());
        assertTrue(results.at("/versions/grader").asText().contains("ExactMatchTestGrader"));
        assertEquals(1234, results.at("/seeds/sampling_base_seed").asLong());
        JsonNode acc = results.at("/metrics/accuracy");
        assertTrue(acc.get("ci_low").asDouble() <= acc.get("mean").asDouble() && acc.get("mean").asDouble() <= acc.get("ci_high").asDouble());
        assertEquals(List.of("1", "2", "4", "6"), iterate(results.at("/metrics/pass_at_k")));
        assertEquals(result.metrics().passAtK().get(1).mean(), acc.get("mean").asDouble(), 1e-12, "pass@1 = avg@n");

        JsonNode perProblem = results.get("per_problem");
        assertEquals(8, perProblem.size());
        int correctListed = 0;
        for (JsonNode p : perProblem) correctListed += p.get("correct").asInt();
        assertEquals(correct, correctListed);
        assertEquals("add-0", perProblem.get(0).get("id").asText());

        List<String> samples = Files.readAllLines(out.resolve(ReportWriter.SAMPLES));
        assertEquals(48, samples.size());
        JsonNode first = JSON.readTree(samples.getFirst());
        assertEquals("add-0", first.get("id").asText());
        assertEquals("14", first.get("gold").asText());
        assertTrue(first.get("prompt").asText().contains("What is 3 + 11?"));
        for (String line : samples) {
            JsonNode s = JSON.readTree(line);
            boolean truncated = s.get("finish_reason").asText().equals("length");
            assertEquals(truncated, s.get("answer").asText().isEmpty(), "a cut-off thought has no answer");
            if (!truncated) assertEquals(s.get("gold").asText().equals(s.get("extracted").asText()), s.get("correct").asBoolean());
        }

        String html = Files.readString(out.resolve(ReportWriter.HTML));
        for (int i = 0; i < 8; i++) assertTrue(html.contains("<b>add-" + i + "</b>"), "drill-down row for add-" + i);
        assertTrue(html.contains("data:image/png;base64,"));
        assertTrue(html.contains("<pre class=\"reasoning\">I add 3 and 11."));
        for (String png : List.of("accuracy_vs_samples.png", "accuracy_vs_tokens.png")) {
            BufferedImage image = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(image, png);
            assertEquals(960, image.getWidth());
        }
    }

    static List<String> iterate(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void tornLastLineIsDroppedAndThatSampleRegenerated(@TempDir Path dir) throws Exception {
        Path spec = RunFixtures.writeBenchmark(dir.resolve("bench"), 5);
        Path reference = dir.resolve("reference");
        run(spec, reference, new ArithmeticTestGenerator(0), 3);

        Path out = dir.resolve("run");
        run(spec, out, new ArithmeticTestGenerator(0), 3);
        // simulate a kill mid-write: remove the last 4 records, then leave half of the next one without its newline
        Path journal = out.resolve(EvalRunner.JOURNAL);
        List<String> lines = Files.readAllLines(journal);
        String torn = lines.get(lines.size() - 4);
        Files.writeString(journal, String.join("\n", lines.subList(0, lines.size() - 4)) + "\n" + torn.substring(0, torn.length() / 2));
        Files.delete(out.resolve(ReportWriter.RESULTS));

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ArithmeticTestGenerator generator = new ArithmeticTestGenerator(0);
        EvalRunner.RunResult resumed = new EvalRunner(generator, new ExactMatchTestGrader(), new PrintStream(log, true))
                .run(RunFixtures.benchmark(spec), new EvalRunner.Options(3, RunFixtures.params(), 0, out, false));
        assertEquals(4, generator.samplesGenerated, "exactly the torn sample and the three after it");
        assertEquals(11, resumed.foundInJournal());
        assertTrue(log.toString().contains("torn"), log.toString());
        assertSameResults(reference, out);
    }

    @Test
    void corruptJournalLineInTheMiddleIsAnError(@TempDir Path dir) throws Exception {
        Path spec = RunFixtures.writeBenchmark(dir.resolve("bench"), 3);
        Path out = dir.resolve("run");
        run(spec, out, new ArithmeticTestGenerator(0), 2);
        Path journal = out.resolve(EvalRunner.JOURNAL);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(journal));
        lines.set(2, lines.get(2).substring(0, 10));
        Files.write(journal, lines);
        IOException e = assertThrows(IOException.class, () -> run(spec, out, new ArithmeticTestGenerator(0), 2));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("corrupt"), e.getMessage());

        lines.set(2, lines.get(1));
        Files.write(journal, lines);
        IOException dup = assertThrows(IOException.class, () -> run(spec, out, new ArithmeticTestGenerator(0), 2));
        assertTrue(dup.getMessage().contains("twice"), dup.getMessage());
    }

    @Test
    void generatorFailureKeepsFinishedSamplesForTheResume(@TempDir Path dir) throws Exception {
        Path spec = RunFixtures.writeBenchmark(dir.resolve("bench"), 4);
        Path reference = dir.resolve("reference");
        run(spec, reference, new ArithmeticTestGenerator(0), 4);

        Path out = dir.resolve("run");
        Generator failing = new Generator() {
            final ArithmeticTestGenerator inner = new ArithmeticTestGenerator(0);
            int delivered;

            @Override
            public void generate(GenerationRequest request, SampleSink sink) throws IOException {
                inner.generate(request, (i, c) -> {
                    if (delivered == 6) throw new IOException("backend went away");
                    delivered++;
                    sink.accept(i, c);
                });
            }

            @Override
            public String describe() { return inner.describe(); }
        };
        IOException e = assertThrows(IOException.class, () -> run(spec, out, failing, 4));
        assertEquals("backend went away", e.getMessage());
        assertEquals(6, Files.readAllLines(out.resolve(EvalRunner.JOURNAL)).size());
        ArithmeticTestGenerator rest = new ArithmeticTestGenerator(0);
        run(spec, out, rest, 4);
        assertEquals(10, rest.samplesGenerated);
        assertSameResults(reference, out);
    }

    @Test
    void differentConfigurationIsRefused(@TempDir Path dir) throws Exception {
        Path spec = RunFixtures.writeBenchmark(dir.resolve("bench"), 3);
        Path out = dir.resolve("run");
        run(spec, out, new ArithmeticTestGenerator(0), 2);
        IllegalStateException samples = assertThrows(IllegalStateException.class,
                () -> run(spec, out, new ArithmeticTestGenerator(0), 3));
        assertTrue(samples.getMessage().contains("samples: 2 -> 3"), samples.getMessage());

        Generator other = new ArithmeticTestGenerator(0) {
            @Override
            public String describe() { return "test:other-model"; }
        };
        IllegalStateException model = assertThrows(IllegalStateException.class, () -> run(spec, out, other, 2));
        assertTrue(model.getMessage().contains("generator: \"test:arithmetic\" -> \"test:other-model\""), model.getMessage());

        EvalRunner runner = new EvalRunner(new ArithmeticTestGenerator(0), new ExactMatchTestGrader(), new PrintStream(OutputStream.nullOutputStream()));
        IllegalStateException temp = assertThrows(IllegalStateException.class, () -> runner.run(RunFixtures.benchmark(spec),
                new EvalRunner.Options(2, RunFixtures.params().withTemperature(1.0), 0, out, false)));
        assertTrue(temp.getMessage().contains("sampling.temperature: 0.6 -> 1.0"), temp.getMessage());

        // a changed dataset is a different configuration too
        Path data = dir.resolve("bench/adds.jsonl");
        Files.writeString(data, Files.readString(data).replace("What is 3 + 11?", "What is 3 + 12?"));
        IllegalStateException dataset = assertThrows(IllegalStateException.class, () -> run(spec, out, new ArithmeticTestGenerator(0), 2));
        assertTrue(dataset.getMessage().contains("dataset.sha256"), dataset.getMessage());
    }

    @Test
    void rescoreGradesSavedGenerationsWithoutAGenerator(@TempDir Path dir) throws Exception {
        Path spec = RunFixtures.writeBenchmark(dir.resolve("bench"), 4);
        Path out = dir.resolve("run");
        EvalRunner.RunResult original = run(spec, out, new ArithmeticTestGenerator(0), 4);
        String samplesBefore = Files.readString(out.resolve(ReportWriter.SAMPLES));

        EvalRunner.RunResult same = EvalRunner.rescore(out, new ExactMatchTestGrader(), null);
        assertEquals(0, same.generatedNow());
        assertEquals(original.metrics().accuracy(), same.metrics().accuracy());
        assertEquals(samplesBefore, Files.readString(out.resolve(ReportWriter.SAMPLES)));

        // a grader that accepts sums off by up to three (every wrong sum of the fixture) changes the verdicts, from the same generations
        ExactMatchTestGrader lenient = new ExactMatchTestGrader() {
            @Override
            public GradeResult grade(String gold, String response, AnswerKind kind) {
                GradeResult r = super.grade(gold, response, kind);
                if (r.extracted() == null) return r;
                return new GradeResult(Math.abs(Long.parseLong(r.extracted()) - Long.parseLong(gold)) <= 3, r.extracted());
            }
        };
        EvalRunner.RunResult rescored = EvalRunner.rescore(out, lenient, null);
        assertTrue(rescored.metrics().accuracy().mean() > original.metrics().accuracy().mean());
        assertTrue(Files.readString(out.resolve(ReportWriter.RESULTS)).contains("EvalRunnerTest"));

        Files.writeString(out.resolve(EvalRunner.JOURNAL), Files.readAllLines(out.resolve(EvalRunner.JOURNAL)).getFirst() + "\n");
        IOException incomplete = assertThrows(IOException.class, () -> EvalRunner.rescore(out, lenient, null));
        assertTrue(incomplete.getMessage().contains("incomplete: 1 of 16"), incomplete.getMessage());
        assertThrows(IOException.class, () -> EvalRunner.rescore(dir.resolve("nothing-here"), lenient, null));
    }

    @Test
    void limitTakesTheFirstProblems(@TempDir Path dir) throws Exception {
        Path spec = RunFixtures.writeBenchmark(dir.resolve("bench"), 6);
        EvalRunner.RunResult result = new EvalRunner(new ArithmeticTestGenerator(0), new ExactMatchTestGrader(),
                new PrintStream(OutputStream.nullOutputStream()))
                .run(RunFixtures.benchmark(spec), new EvalRunner.Options(2, RunFixtures.params(), 2, dir.resolve("run"), false));
        assertEquals(List.of("add-0", "add-1"), result.outcomes().stream().map(o -> o.problem().id()).toList());
        assertEquals(4, Files.readAllLines(dir.resolve("run").resolve(EvalRunner.JOURNAL), StandardCharsets.UTF_8).size());
    }

    @Test
    void progressPrintsPlainLinesWithoutATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(bytes, true), false, "adds", 10, 4);
        progress.start();
        for (int i = 0; i < 6; i++) progress.advance(100);
        progress.finish();
        String[] lines = bytes.toString().split("\n");
        assertTrue(lines[0].contains("4/10") && lines[0].contains("resumed"), lines[0]);
        String last = lines[lines.length - 1];
        assertTrue(last.contains("10/10") && last.contains("100%") && last.contains("samples/s"), last);
        assertFalse(bytes.toString().contains("\r"), "no carriage returns in a log file");
        assertTrue(new Progress(new PrintStream(bytes), false, "x", 10, 0).line(System.nanoTime()).contains("0/10"));
        assertEquals("1m05s", Progress.duration(65));
        assertEquals("2h01m", Progress.duration(7260));
    }
}
