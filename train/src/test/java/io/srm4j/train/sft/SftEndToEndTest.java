package io.srm4j.train.sft;

import io.srm4j.runtime.engine.GenerationParams;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.engine.Session;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.sampling.SamplingParams;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.data.ChatEncoder;
import io.srm4j.train.data.ChatExample;
import io.srm4j.train.data.SftDataset;
import io.srm4j.train.export.GgufExport;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fine-tunes the real stories260K GGUF on generated chat conversations through its own template (none, so
 * ChatML) and tokenizer: the loss on the training data falls, and the exported GGUF loads in the runtime, computes
 * the trained model's logits and greedy continuation.
 */
class SftEndToEndTest {
    @TempDir
    Path dir;

    static List<ChatExample> conversations() {
        String[] names = {"Lily", "Tom", "Sue", "Ben"}, things = {"ball", "cat", "hat", "cake"}, colors = {"red", "blue", "big", "green"};
        List<ChatExample> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            for (int j = 0; j < things.length; j++) {
                out.add(ChatExample.of(null, "What did " + names[i] + " have?", null,
                        names[i] + " had a " + colors[(i + j) % 4] + " " + things[j] + "."));
            }
        }
        return out;
    }

    @Test
    void fineTunesARealGgufAndTheRuntimeRunsTheExport() throws Exception {
        Path shared = Path.of(System.getProperty("srm4j.shared", "../shared"));
        Path source = shared.resolve("models/tiny/stories260K.gguf");
        Assumptions.assumeTrue(Files.exists(source), "skipped: ../shared/models/tiny/stories260K.gguf not found");
        TransformerModel model;
        SftDataset data;
        ChatEncoder encoder;
        int pad;
        GgufFile file = GgufFile.open(source);
        try (LanguageModel lm = LanguageModel.load(source)) {
            model = TransformerModel.fromGguf(file);
            encoder = new ChatEncoder(lm.chatTemplate(), lm.tokenizer(), Map.of());
            data = SftDataset.fromExamples(conversations(), encoder, 128, SftDataset.Overlong.TRUNCATE);
            pad = lm.tokenizer().eosId();
        }
        assertEquals(16, data.examples().size());
        assertEquals(0, data.stats().truncated());

        SftOptions o = SftOptions.defaults(128, 2, 16).withLearningRate(8e-3f, 8e-4f, 2).withSeed(1).withSaveEvery(16, 0);
        SftTrainer t = new SftTrainer(model, data, null, o, pad);
        double before = t.evalLoss(data);
        SftTrainer.Result r = t.run(dir.resolve("run"), new SftTrainer.Listener() {});
        double after = t.evalLoss(data);
        assertTrue(after < 0.5 * before, "training loss " + before + " → " + after);
        assertTrue(r.finished());

        Path exported = dir.resolve("model.gguf");
        GgufExport.writer(model, file.metadata(), "stories260K-sft").write(exported);
        file.close();
        ChatExample probe = conversations().get(5);
        try (LanguageModel lm = LanguageModel.load(exported)) {
            int[] prompt = lm.tokenizeTemplated(encoder.prompt(probe));
            Session s = lm.newSession(256, io.srm4j.runtime.model.KvCache.Precision.F32);
            float[] runtimeLogits = s.ingest(prompt, null);
            float[] trained = model.forward(Tape.NO_GRAD, prompt, 1, prompt.length).data();
            int v = model.config().vocab();
            for (int i = 0; i < v; i++) assertEquals(trained[(prompt.length - 1) * v + i], runtimeLogits[i], 2e-3, "logit " + i);
            s.reset();
            int n = 12;
            int[] generated = s.generate(prompt, GenerationParams.of(SamplingParams.GREEDY, n), (token, piece) -> true).tokens();
            // the same greedy continuation from the trained model itself
            int[] seq = java.util.Arrays.copyOf(prompt, prompt.length + n);
            for (int k = 0; k < n; k++) {
                int len = prompt.length + k;
                float[] logits = model.forward(Tape.NO_GRAD, java.util.Arrays.copyOf(seq, len), 1, len).data();
                int best = 0;
                for (int i = 1; i < v; i++) if (logits[(len - 1) * v + i] > logits[(len - 1) * v + best]) best = i;
                seq[len] = best;
            }
            assertArrayEquals(java.util.Arrays.copyOfRange(seq, prompt.length, prompt.length + n), generated);
        }
    }
}
