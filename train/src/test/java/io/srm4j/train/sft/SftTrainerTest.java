package io.srm4j.train.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.train.data.DataException;
import io.srm4j.train.data.SftDataset;
import io.srm4j.train.data.TokenizedExample;
import io.srm4j.train.model.Parameter;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** SFT on a tiny model: a stopped and resumed run equals an uninterrupted one bit for bit; settings are guarded. */
class SftTrainerTest {
    static final TransformerConfig TINY = new TransformerConfig(32, 2, 4, 2, 64, 40, 32, 10000f, 1e-5f, false);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** "question → answer" examples where the answer is a function of the question, so it can be learned. */
    static SftDataset data(int count, long seed) {
        Random rnd = new Random(seed);
        List<TokenizedExample> ex = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int a = 3 + rnd.nextInt(17), b = 3 + rnd.nextInt(17), n = 2 + rnd.nextInt(4);
            int[] prompt = {1, a, b, 2};
            int[] answer = new int[n + 1];
            for (int j = 0; j < n; j++) answer[j] = 20 + (a + b + j) % 19;
            answer[n] = 39;
            ex.add(TokenizedExample.promptCompletion(prompt, answer));
        }
        return SftDataset.fromTokenized(ex, 32, SftDataset.Overlong.DROP);
    }

    static SftOptions options(int steps) {
        return SftOptions.defaults(24, 2, steps).withLearningRate(3e-3f, 3e-4f, 2).withSeed(5).withSaveEvery(3, 4);
    }

    SftTrainer trainer(SftOptions o) {
        return new SftTrainer(TransformerModel.create(TINY, 11), data(30, 1), data(8, 2), o, 0);
    }

    static List<ObjectNode> log(Path run) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve(SftTrainer.LOSS_LOG))) {
            ObjectNode n = (ObjectNode) JSON.readTree(l);
            n.remove("tokens_per_s"); // wall-clock
            out.add(n);
        }
        return out;
    }

    @Test
    void stoppedAndResumedRunEqualsAnUninterruptedOne() throws IOException {
        Path whole = dir.resolve("whole"), parts = dir.resolve("parts");
        SftTrainer a = trainer(options(10));
        SftTrainer.Result ra = a.run(whole, new SftTrainer.Listener() {});
        assertTrue(ra.finished());
        assertTrue(ra.evalLoss() < Math.log(TINY.vocab()), "eval loss " + ra.evalLoss());

        SftTrainer.Result first = trainer(options(10)).run(parts, new SftTrainer.Listener() {}, 5);
        assertEquals(5, first.steps());
        assertFalse(first.finished());
        // as if killed after logging two steps past the checkpoint, the second line cut short
        Files.writeString(parts.resolve(SftTrainer.LOSS_LOG), "{\"step\":6,\"loss\":1.0}\n{\"step\":7,\"lo", java.nio.file.StandardOpenOption.APPEND);
        int[] resumedAt = {-1};
        SftTrainer b = trainer(options(10));
        SftTrainer.Result rb = b.run(parts, new SftTrainer.Listener() {
            @Override
            public void onResume(int step, int totalSteps) {
                resumedAt[0] = step;
            }
        });
        assertEquals(5, resumedAt[0]);
        assertEquals(5, rb.resumedFrom());
        assertTrue(rb.finished());
        assertEquals(ra.lastLoss(), rb.lastLoss());
        assertEquals(ra.evalLoss(), rb.evalLoss());
        for (int i = 0; i < a.model().parameters().size(); i++) {
            Parameter pa = a.model().parameters().get(i), pb = b.model().parameters().get(i);
            assertArrayEquals(pa.tensor().data(), pb.tensor().data(), pa.name() + " differs bit for bit");
            assertArrayEquals(a.optimizer().firstMoment(i), b.optimizer().firstMoment(i));
        }
        assertEquals(log(whole), log(parts), "same loss log, every step once");
        assertEquals(10 + 3, log(parts).size(), "10 steps and evals at 4, 8, 10");
    }

    @Test
    void epochsModeCoversEachEpochOnceAndLossFalls() throws IOException {
        SftTrainer t = trainer(options(1).withEpochs(4));
        int rowsPerEpoch = new io.srm4j.train.data.PackedStream(data(30, 1), 24, 5, 0).epochRows(0).size();
        assertTrue(Math.abs(t.totalSteps() - 4 * rowsPerEpoch / 2.0) <= 4, t.totalSteps() + " steps for 4 epochs of about " + rowsPerEpoch + " rows");
        double before = t.evalLoss(data(30, 1));
        SftTrainer.Result r = t.run(dir.resolve("e"), new SftTrainer.Listener() {});
        double after = t.evalLoss(data(30, 1));
        assertTrue(after < before - 0.5, "training loss " + before + " → " + after);
        assertEquals(t.totalSteps(), r.steps());
    }

    @Test
    void resumingWithOtherSettingsOrDataIsRefused() throws IOException {
        Path run = dir.resolve("r");
        trainer(options(6)).run(run, new SftTrainer.Listener() {}, 2);
        var e = assertThrows(DataException.class, () -> trainer(options(6).withSeed(6)).run(run, new SftTrainer.Listener() {}));
        assertTrue(e.getMessage().contains("other settings"), e.getMessage());
        var other = new SftTrainer(TransformerModel.create(TINY, 11), data(30, 9), null, options(6), 0);
        e = assertThrows(DataException.class, () -> other.run(run, new SftTrainer.Listener() {}));
        assertTrue(e.getMessage().contains("other training data"), e.getMessage());
        try (GgufFile f = GgufFile.open(run.resolve(SftTrainer.CHECKPOINT))) {
            assertEquals(2, f.metadata().requireInt(io.srm4j.train.optim.Checkpoint.STEP_KEY));
        }
        assertFalse(Files.exists(run.resolve(SftTrainer.CHECKPOINT + ".tmp")));
    }
}
