package io.srm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * `srm4j eval` end to end on a tiny real model: a run killed with SIGKILL mid-way and resumed ends with the same
 * samples and metrics as an uninterrupted run, and writes its reports. (The model's answers are nonsense; what counts
 * is that the pipeline runs, journals, resumes without loss or duplication, and reports.)
 */
@Tag("conformance")
class EvalKillResumeTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Path shared() {
        Path p = Path.of(System.getProperty("srm4j.shared", "../shared"));
        Assumptions.assumeTrue(Files.isDirectory(p.resolve("models/tiny")), "skipped: ../shared not found");
        return p.toAbsolutePath();
    }

    private List<String> evalCommand(Path out) {
        Path shared = shared();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "eval",
                "--model", shared.resolve("models/tiny/stories260K.gguf").toString(),
                "--benchmark", "gsm8k", "--dataset", shared.resolve("datasets/gsm8k_test.jsonl").toString(),
                "--limit", "6", "--samples", "3", "--temperature", "0.8", "--max-tokens", "24", "--seed", "5",
                "--out", out.toString(), "--no-progress");
    }

    private Process start(Path out, String log) throws IOException {
        return new ProcessBuilder(evalCommand(out)).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
    }

    private static int lines(Path f) throws IOException {
        return Files.exists(f) ? (int) Files.readString(f).chars().filter(c -> c == '\n').count() : 0;
    }

    /** samples.jsonl without the per-sample wall-clock time, which differs between runs. */
    private static List<JsonNode> samples(Path run) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("samples.jsonl"))) {
            if (line.isBlank()) continue;
            ObjectNode n = (ObjectNode) JSON.readTree(line);
            n.remove("seconds");
            out.add(n);
        }
        return out;
    }

    @Test
    void killedRunResumesToTheSameResults() throws Exception {
        Path reference = dir.resolve("reference"), killed = dir.resolve("killed");
        Process whole = start(reference, "reference.log");
        assertTrue(whole.waitFor(10, TimeUnit.MINUTES), "uninterrupted run did not finish");
        assertEquals(0, whole.exitValue(), Files.readString(dir.resolve("reference.log")));

        Process first = start(killed, "first.log");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (lines(killed.resolve("generations.jsonl")) < 7) {
            assertTrue(first.isAlive() || lines(killed.resolve("generations.jsonl")) >= 7, "run ended before it could be killed:\n" + Files.readString(dir.resolve("first.log")));
            assertTrue(System.nanoTime() < deadline, "no progress");
            Thread.sleep(20);
        }
        first.destroyForcibly(); // SIGKILL
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        int journaled = lines(killed.resolve("generations.jsonl"));
        assertTrue(journaled < 18, "killed before the end (" + journaled + " of 18 samples journaled)");

        Process resumed = start(killed, "resumed.log");
        assertTrue(resumed.waitFor(10, TimeUnit.MINUTES), "resumed run did not finish");
        assertEquals(0, resumed.exitValue(), Files.readString(dir.resolve("resumed.log")));

        assertEquals(18, lines(killed.resolve("generations.jsonl")), "every sample journaled once");
        assertEquals(samples(reference), samples(killed));
        JsonNode a = JSON.readTree(reference.resolve("results.json").toFile()).get("metrics");
        JsonNode b = JSON.readTree(killed.resolve("results.json").toFile()).get("metrics");
        assertNotNull(a);
        assertEquals(a.get("accuracy"), b.get("accuracy"));
        assertEquals(a.get("pass_at_k"), b.get("pass_at_k"));
        assertEquals(a.get("maj_at_k"), b.get("maj_at_k"));
        for (String f : new String[]{"report.html", "accuracy_vs_samples.png", "accuracy_vs_tokens.png"}) {
            assertTrue(Files.size(killed.resolve(f)) > 1000, f + " written");
        }
    }
}
