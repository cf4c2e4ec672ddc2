package io.srm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.runtime.engine.LanguageModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code srm4j train sft} in-process on the tiny stories260K model: trains, logs, exports, resumes, reports bad data. */
class TrainSftCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static Path shared() {
        Path p = Path.of(System.getProperty("srm4j.shared", "../shared"));
        Assumptions.assumeTrue(Files.exists(p.resolve("models/tiny/stories260K.gguf")), "skipped: ../shared/models/tiny not found");
        return p.toAbsolutePath();
    }

    /** Small reasoning conversations: who had what, with a one-line reasoning. */
    static Path writeData(Path file, int count) throws IOException {
        String[] names = {"Lily", "Tom", "Sue", "Ben", "Max", "Mia"}, things = {"ball", "cat", "hat", "cake"}, colors = {"red", "blue", "big", "green"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; lines.size() < count; i++) {
            String n = names[i % names.length], t = things[i / names.length % things.length];
            var msgs = JSON.createArrayNode();
            msgs.addObject().put("role", "user").put("content", "What did " + n + " have?");
            msgs.addObject().put("role", "assistant").put("reasoning", n + " is in the story.").put("content", n + " had a " + colors[i % 4] + " " + t + ".");
            var root = JSON.createObjectNode();
            root.set("messages", msgs);
            lines.add(JSON.writeValueAsString(root));
        }
        Files.write(file, lines);
        return file;
    }

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainsExportsAndResumesAFinishedRun() throws Exception {
        Path data = writeData(dir.resolve("train.jsonl"), 12), run = dir.resolve("run");
        String[] cmd = {"train", "sft", "--model", shared().resolve("models/tiny/stories260K.gguf").toString(), "--data", data.toString(),
                "--eval-data", data.toString(), "--out", run.toString(), "--steps", "4", "--seq-len", "128", "--batch-tokens", "256",
                "--lr", "5e-3", "--save-every", "2"};
        Result r = run(cmd);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("12 conversations → 12 examples"), r.out());
        assertTrue(r.out().contains("step 4/4  loss"), r.out());
        assertTrue(r.out().contains("eval loss"), r.out());
        List<String> log = Files.readAllLines(run.resolve("loss.jsonl"));
        assertEquals(5, log.size(), "4 steps and the final eval: " + log);
        assertTrue(JSON.readTree(log.get(3)).get("loss").asDouble() < JSON.readTree(log.get(0)).get("loss").asDouble(), log.toString());
        try (LanguageModel lm = LanguageModel.load(run.resolve("model.gguf"))) {
            assertEquals(64, lm.config().embeddingLength());
            assertEquals(512, lm.tokenizer().vocabSize());
        }
        // the same command again finds the finished checkpoint and only re-exports
        Result again = run(cmd);
        assertEquals(0, again.exit(), again.out() + again.err());
        assertTrue(again.out().contains("resuming from") && again.out().contains("at step 4/4"), again.out());
        assertEquals(log, Files.readAllLines(run.resolve("loss.jsonl")));
        // other settings on the same folder are refused
        String[] other = cmd.clone();
        other[other.length - 3] = "6e-3"; // --lr
        Result refused = run(other);
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("other settings"), refused.err());
    }

    @Test
    void aBadLineIsReportedWithItsNumber() throws Exception {
        Path data = writeData(dir.resolve("bad.jsonl"), 3);
        List<String> lines = new ArrayList<>(Files.readAllLines(data));
        lines.add("{\"messages\": [{\"role\": \"user\"}]}");
        Files.write(data, lines);
        Result r = run("train", "sft", "--model", shared().resolve("models/tiny/stories260K.gguf").toString(), "--data", data.toString(),
                "--out", dir.resolve("run").toString(), "--steps", "2");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("line 4") && r.err().contains("no \"content\""), r.err());
    }
}
