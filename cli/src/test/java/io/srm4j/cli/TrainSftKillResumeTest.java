package io.srm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * `srm4j train sft` killed with SIGKILL after its first checkpoint (and after logging steps past it), then rerun:
 * it resumes and ends with the same loss log and a byte-identical exported model as an uninterrupted run.
 *
 * <p>Runs with the default Vector API kernel: its lane sums have a fixed order (the same bits interpreted and
 * JIT-compiled), which is what makes two processes agree bit for bit; {@code -Dsft.kernel=scalar} runs the
 * reference kernel instead.
 */
@Tag("conformance")
class TrainSftKillResumeTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private List<String> command(Path data, Path out) {
        Path shared = TrainSftCommandTest.shared();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", "sft",
                "--model", shared.resolve("models/tiny/stories260K.gguf").toString(), "--data", data.toString(),
                "--eval-data", data.toString(), "--eval-every", "4",
                "--out", out.toString(), "--steps", "16", "--seq-len", "128", "--batch-tokens", "256", "--lr", "5e-3",
                "--seed", "3", "--save-every", "5", "--kernel", System.getProperty("sft.kernel", "vector"));
    }

    private Process start(Path data, Path out, String log) throws IOException {
        return new ProcessBuilder(command(data, out)).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
    }

    private static int steps(Path log) throws IOException {
        if (!Files.exists(log)) return 0;
        return (int) Files.readAllLines(log).stream().filter(l -> l.contains("\"loss\"")).count();
    }

    private static List<ObjectNode> log(Path run) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("loss.jsonl"))) {
            ObjectNode n = (ObjectNode) JSON.readTree(l);
            n.remove("tokens_per_s");
            out.add(n);
        }
        return out;
    }

    @Test
    void killedRunResumesToTheSameModel() throws Exception {
        Path data = TrainSftCommandTest.writeData(dir.resolve("train.jsonl"), 24);
        Path reference = dir.resolve("reference"), killed = dir.resolve("killed");
        Process whole = start(data, reference, "reference.log");
        assertTrue(whole.waitFor(10, TimeUnit.MINUTES), "uninterrupted run did not finish");
        assertEquals(0, whole.exitValue(), Files.readString(dir.resolve("reference.log")));

        Process first = start(data, killed, "first.log");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (steps(killed.resolve("loss.jsonl")) < 7) { // checkpoint at 5, two steps logged past it
            assertTrue(first.isAlive(), "run ended before it could be killed:\n" + Files.readString(dir.resolve("first.log")));
            assertTrue(System.nanoTime() < deadline, "no progress");
            Thread.sleep(10);
        }
        first.destroyForcibly(); // SIGKILL
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertTrue(steps(killed.resolve("loss.jsonl")) < 16, "killed before the end");
        assertFalse(Files.exists(killed.resolve("model.gguf")));

        Process resumed = start(data, killed, "resumed.log");
        assertTrue(resumed.waitFor(10, TimeUnit.MINUTES), "resumed run did not finish");
        String resumedLog = Files.readString(dir.resolve("resumed.log"));
        assertEquals(0, resumed.exitValue(), resumedLog);
        assertTrue(resumedLog.contains("resuming from"), resumedLog);

        assertEquals(log(reference), log(killed), "same losses, every step logged once");
        assertArrayEquals(Files.readAllBytes(reference.resolve("model.gguf")), Files.readAllBytes(killed.resolve("model.gguf")),
                "exported weights identical bit for bit");
    }
}
