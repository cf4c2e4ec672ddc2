package io.srm4j.train.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufTensorInfo;
import io.srm4j.train.lab.LabTraining.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LabRunTest {
    /** A lab small enough to run in seconds: the pipeline, not the accuracy. */
    static LabConfig tiny() {
        return new LabConfig(ChainTask.NAME, 11, 32, 1, 2, 64, 128, 2, 6, 3e-3f, 1, 6, 3, 0.8, 24, 2);
    }

    @Test
    void tinyLabProducesTheTableAndResults(@TempDir Path out) throws Exception {
        var buffer = new ByteArrayOutputStream();
        Lab.Result r = Lab.run(tiny(), out, "./srm4j lab --test", new PrintStream(buffer, true, StandardCharsets.UTF_8));
        String log = buffer.toString(StandardCharsets.UTF_8);
        assertEquals(6, r.rows().size());
        for (Lab.Row row : r.rows()) {
            var s = row.score();
            assertTrue(s.low() <= s.accuracy() && s.accuracy() <= s.high(), row + " interval holds its mean");
            assertTrue(s.accuracy() >= 0 && s.accuracy() <= 1, row.toString());
        }
        assertTrue(log.contains("self-consistency@3"), log);
        assertTrue(log.contains("cot − direct (greedy)"), log);
        assertEquals(List.of(1, 2, 3), r.cotMajorityAtK().keySet().stream().sorted().toList(), "maj@k for k = 1, 2, 3 samples");
        assertEquals(r.rows().get(4).score().accuracy(), r.cotMajorityAtK().get(1), 1e-9, "maj@1 is the mean accuracy of one sample");
        assertEquals(r.rows().get(5).score().accuracy(), r.cotMajorityAtK().get(3), 1e-9, "maj@3 is the vote over all three samples");
        assertTrue(log.contains("maj@k (cot):"), log);
        assertTrue(log.contains("tok/s") && log.contains("ETA"), "progress is printed: " + log);
        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(6, json.get("rows").size());
        assertEquals(3, json.get("cot_maj_at_k").size());
        assertEquals("./srm4j lab --test", json.get("command").asText());
        assertTrue(Files.size(out.resolve("best-model.gguf")) > 0);
        // The CoT model's greedy outputs are evaluated through the runtime: its token counts are real generations.
        assertEquals(6, Files.readAllLines(out.resolve("cot/eval.jsonl")).size());

        // Running the same lab again resumes: nothing is retrained or re-evaluated, and the table is the same.
        var again = new ByteArrayOutputStream();
        Lab.Result r2 = Lab.run(tiny(), out, "./srm4j lab --test", new PrintStream(again, true, StandardCharsets.UTF_8));
        assertTrue(again.toString(StandardCharsets.UTF_8).contains("already trained"));
        assertEquals(r.rows(), r2.rows());

        // A different configuration in the same folder is refused rather than mixed in.
        var other = tiny().withSteps(8);
        assertThrows(IllegalArgumentException.class, () -> Lab.run(other, out, "x", new PrintStream(new ByteArrayOutputStream())));
    }

    @Test
    void tinySumLabRunsTheDefaultTaskThroughTheRuntime(@TempDir Path out) throws Exception {
        LabConfig c = new LabConfig(SumTask.NAME, 11, 32, 1, 2, 64, 128, 2, 4, 3e-3f, 1, 5, 4, 0.6, 40, 2);
        Lab.Result r = Lab.run(c, out, "./srm4j lab --test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertTrue(Lab.table(r).startsWith("lab: task sum"), Lab.table(r));
        assertEquals(List.of(1, 2, 4), r.cotMajorityAtK().keySet().stream().sorted().toList());
        // Every problem's greedy answer and 4 samples came back from the runtime, for both models.
        for (String mode : List.of("direct", "cot")) {
            var lines = Files.readAllLines(out.resolve(mode + "/eval.jsonl"));
            assertEquals(5, lines.size(), mode);
            for (String line : lines) assertEquals(4, new ObjectMapper().readTree(line).get("sampleAnswers").size(), line);
        }
        // The demo rebuilds the run's held-out problems from the model's metadata: the sum task's, split by multiset.
        LabData heldOut = LabDemo.heldOutOf(r.bestModel());
        assertEquals(SumTask.NAME, heldOut.task().name());
        assertEquals(new LabData(new SumTask(5), new LabTokenizer(), 11, 5).heldOut(), heldOut.heldOut());
    }

    @Test
    void killedTrainingResumesToTheSameModel(@TempDir Path dir) throws Exception {
        LabConfig c = tiny();
        var tokenizer = new LabTokenizer();
        var data = new LabData(LabTask.byName(c.task()), tokenizer, c.seed(), c.heldOut());
        var quiet = new PrintStream(new ByteArrayOutputStream());
        Path whole = LabTraining.train(c, Mode.COT, data, tokenizer, dir.resolve("whole"), "x", quiet);
        // Stop after step 3 (the last checkpoint is at step 2, so step 3 is replayed), then resume.
        assertNull(LabTraining.train(c, Mode.COT, data, tokenizer, dir.resolve("killed"), "x", quiet, 3));
        assertFalse(Files.exists(dir.resolve("killed/model.gguf")));
        var log = new ByteArrayOutputStream();
        Path resumed = LabTraining.train(c, Mode.COT, data, tokenizer, dir.resolve("killed"), "x", new PrintStream(log, true, StandardCharsets.UTF_8));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("resuming from step 2"), log.toString(StandardCharsets.UTF_8));
        // Same steps on the same batches from the same state: the same bits (the training kernels sum vector lanes
        // in a fixed order, so interpreted and JIT-compiled code agree).
        float[] a = tensors(whole), b = tensors(resumed);
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "parameter " + i + ": " + a[i] + " vs " + b[i]);
        }
        // The check has teeth: one extra step moves the parameters visibly.
        LabConfig longer = c.withSteps(c.steps() + 1);
        float[] extra = tensors(LabTraining.train(longer, Mode.COT, data, tokenizer, dir.resolve("longer"), "x", quiet));
        double moved = 0;
        for (int i = 0; i < a.length; i++) moved = Math.max(moved, Math.abs(a[i] - extra[i]));
        assertTrue(moved > 1e-3, "a different schedule moves parameters by " + moved);
    }

    private static float[] tensors(Path gguf) throws Exception {
        try (GgufFile f = GgufFile.open(gguf)) {
            var out = new java.util.ArrayList<Float>();
            for (GgufTensorInfo t : f.tensors()) {
                var seg = f.data(t);
                for (long i = 0; i < t.elementCount(); i++) out.add(seg.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i));
            }
            float[] r = new float[out.size()];
            for (int i = 0; i < r.length; i++) r[i] = out.get(i);
            return r;
        }
    }
}
