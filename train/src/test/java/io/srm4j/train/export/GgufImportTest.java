package io.srm4j.train.export;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.model.Transformer;
import io.srm4j.runtime.tokenizer.Tokenizer;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.optim.LearningRateSchedule;
import io.srm4j.train.optim.Trainer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real models from ../shared loaded for training: same logits as the runtime, fine-tuned, exported, reloaded. */
class GgufImportTest {
    @TempDir
    Path dir;

    static Path tiny(String name) {
        String shared = System.getProperty("srm4j.shared");
        Path p = shared == null ? null : Path.of(shared, "models", "tiny", name);
        Assumptions.assumeTrue(p != null && Files.isRegularFile(p), "../shared not found: models/tiny/" + name + " is needed");
        return p;
    }

    /** Max |Δ| between our logits and the runtime's (F32 KV cache) at every position, relative to the largest logit. */
    static double relativeGap(TransformerModel model, Transformer rt, int[] tokens) {
        float[] ours = model.forward(Tape.NO_GRAD, tokens, 1, tokens.length).data();
        int V = model.config().vocab();
        double maxErr = 0, maxAbs = 0;
        try (KvCache cache = new KvCache(rt.config(), tokens.length, KvCache.Precision.F32)) {
            Transformer.Scratch s = rt.newScratch();
            for (int t = 0; t < tokens.length; t++) {
                float[] theirs = rt.forward(cache, tokens, t, 1, s);
                for (int i = 0; i < V; i++) {
                    maxErr = Math.max(maxErr, Math.abs(theirs[i] - ours[t * V + i]));
                    maxAbs = Math.max(maxAbs, Math.abs(theirs[i]));
                }
            }
        }
        return maxErr / Math.max(1, maxAbs);
    }

    @Test
    void stories260KLoadsWithTheRuntimesLogitsAndSurvivesFineTuningAndExport() throws Exception {
        Path src = tiny("stories260K.gguf");
        try (GgufFile f = GgufFile.open(src)) {
            TransformerModel model = TransformerModel.fromGguf(f);
            assertTrue(model.tiedOutput());
            assertEquals(512, model.config().vocab());
            Tokenizer tok = Tokenizer.fromGguf(f.metadata());
            int[] tokens = tok.encode("Once upon a time, there was a little girl", true, false);
            double gap = relativeGap(model, Transformer.fromGguf(f), tokens);
            assertTrue(gap < 2e-5, "loaded model vs runtime: " + gap);
            float before = model.loss(Tape.NO_GRAD, TokenBatch.nextToken(new int[][]{tokens})).item();

            var trainer = new Trainer<TokenBatch>(model, model::loss, new AdamW(model.parameters(), AdamW.Settings.defaults()),
                    LearningRateSchedule.constant(3e-3f), 1.0);
            for (int i = 0; i < 5; i++) trainer.step(List.of(TokenBatch.nextToken(new int[][]{tokens})));
            float after = model.loss(Tape.NO_GRAD, TokenBatch.nextToken(new int[][]{tokens})).item();
            assertTrue(after < before, "fine-tuning on the sentence lowers its loss: " + before + " -> " + after);

            Path out = dir.resolve("tuned.gguf");
            GgufExport.writer(model, f.metadata(), "stories260K-tuned").write(out);
            try (GgufFile g = GgufFile.open(out)) {
                assertTrue(relativeGap(model, Transformer.fromGguf(g), tokens) < 2e-5, "exported fine-tuned model vs runtime");
                Tokenizer again = Tokenizer.fromGguf(g.metadata());
                assertEquals(tok.vocabSize(), again.vocabSize());
                assertEquals(List.of(java.util.Arrays.stream(tokens).boxed().toArray()),
                        List.of(java.util.Arrays.stream(again.encode("Once upon a time, there was a little girl", true, false)).boxed().toArray()));
            }
        }
    }

    @Test
    void untiedOutputRoundTrips() throws Exception {
        Path src = tiny("llama-2-tiny-random.gguf"); // F16 weights, separate output.weight
        try (GgufFile f = GgufFile.open(src)) {
            TransformerModel model = TransformerModel.fromGguf(f);
            assertFalse(model.tiedOutput());
            assertEquals("output.weight", model.parameters().getLast().name());
            Path out = dir.resolve("copy.gguf");
            GgufExport.writer(model, f.metadata(), "copy").write(out);
            try (GgufFile g = GgufFile.open(out)) {
                TransformerModel back = TransformerModel.fromGguf(g);
                for (int i = 0; i < model.parameters().size(); i++) {
                    assertTrue(java.util.Arrays.equals(model.parameters().get(i).tensor().data(), back.parameters().get(i).tensor().data()),
                            model.parameters().get(i).name());
                }
                assertTrue(relativeGap(model, Transformer.fromGguf(g), new int[]{1, 450, 4996, 17354, 1701}) < 2e-5);
            }
        }
    }

    @Test
    void unsupportedFeaturesAreNamed() throws Exception {
        var vocab = Vocabulary.withBytes(List.of());
        var c = new io.srm4j.train.model.TransformerConfig(16, 1, 2, 2, 32, vocab.size(), 8, 10000f, 1e-5f, false);
        var w = GgufExport.writer(TransformerModel.create(c, 1), vocab, "biased");
        float[] bias = new float[16];
        bias[3] = 0.5f; // all-zero biases (what export writes for qwen2) carry nothing and are accepted
        w.addTensor("blk.0.attn_q.bias", new long[]{16}, bias);
        Path p = dir.resolve("biased.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            var e = assertThrows(GgufFormatException.class, () -> TransformerModel.fromGguf(f));
            assertTrue(e.getMessage().contains("attention biases"), e.getMessage());
        }
    }

    @Test
    void aQwen2ExportWithItsZeroBiasesLoadsForTraining() throws Exception {
        var vocab = Vocabulary.withBytes(List.of());
        var c = new io.srm4j.train.model.TransformerConfig(16, 1, 2, 2, 32, vocab.size(), 8, 10000f, 1e-5f, true);
        TransformerModel model = TransformerModel.create(c, 1);
        Path p = dir.resolve("qwen2.gguf");
        GgufExport.write(model, vocab, "q", p);
        try (GgufFile f = GgufFile.open(p)) {
            assertTrue(f.hasTensor("blk.0.attn_q.bias"), "llama.cpp's qwen2 loader needs the biases");
            TransformerModel back = TransformerModel.fromGguf(f);
            assertTrue(java.util.Arrays.equals(model.block(0).wq().data(), back.block(0).wq().data()));
        }
    }
}
