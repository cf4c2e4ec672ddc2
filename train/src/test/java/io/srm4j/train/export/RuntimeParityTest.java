package io.srm4j.train.export;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.model.Transformer;
import io.srm4j.runtime.tokenizer.Tokenizer;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.model.Parameter;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.optim.LearningRateSchedule;
import io.srm4j.train.optim.Trainer;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model exported here loads in the runtime and gives the same logits at every position. */
class RuntimeParityTest {
    @TempDir
    Path dir;

    static final List<String> PIECES = List.of("1", "2", "+", "=", "▁1", "t", "h", "e", "he", "▁t", "▁the");

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void exportedModelGivesTheSameLogitsInTheRuntime(boolean neox) throws Exception {
        Vocabulary vocab = Vocabulary.withBytes(PIECES);
        TransformerConfig c = new TransformerConfig(32, 2, 4, 2, 48, vocab.size(), 16, 10000f, 1e-5f, neox);
        TransformerModel model = TransformerModel.create(c, 21);
        // move well away from the initialisation so every tensor matters to the logits
        Random rnd = new Random(5);
        for (Parameter p : model.parameters()) {
            float[] v = p.tensor().data();
            for (int i = 0; i < v.length; i++) v[i] = p.tensor().rank() == 2 ? v[i] * 8 : 1f + 0.2f * (float) rnd.nextGaussian();
        }
        // then train it a little, so what is exported is what training produced
        int[][] seqs = new int[2][12];
        for (int[] q : seqs) for (int i = 0; i < q.length; i++) q[i] = rnd.nextInt(c.vocab());
        var trainer = new Trainer<TokenBatch>(model, model::loss, new AdamW(model.parameters(), AdamW.Settings.defaults()),
                LearningRateSchedule.constant(1e-2f), 1.0);
        for (int step = 0; step < 3; step++) trainer.step(List.of(TokenBatch.nextToken(seqs)));
        Path file = dir.resolve("m.gguf");
        GgufExport.write(model, vocab, "parity", file);

        int[] tokens = {1, 259, 262, 260, 263, 72, 105, 2, 45, 200, 3};
        float[] ours = model.forward(Tape.NO_GRAD, tokens, 1, tokens.length).data();
        int V = c.vocab();
        try (GgufFile f = GgufFile.open(file)) {
            Transformer rt = Transformer.fromGguf(f);
            assertEquals(c.toModelConfig().ropeNeox(), rt.config().ropeNeox());
            assertEquals(c.kvHeads(), rt.config().kvHeads());
            try (KvCache cache = new KvCache(rt.config(), c.context(), KvCache.Precision.F32)) {
                Transformer.Scratch s = rt.newScratch();
                double maxErr = 0, maxAbs = 0;
                for (int t = 0; t < tokens.length; t++) {
                    float[] theirs = rt.forward(cache, tokens, t, 1, s);
                    for (int i = 0; i < V; i++) {
                        maxErr = Math.max(maxErr, Math.abs(theirs[i] - ours[t * V + i]));
                        maxAbs = Math.max(maxAbs, Math.abs(theirs[i]));
                    }
                }
                System.out.printf("runtime parity (%s): max |Δlogit| %.3g, largest logit %.3g%n", c.architecture(), maxErr, maxAbs);
                assertTrue(maxAbs > 0.5, "logits too small to compare meaningfully: " + maxAbs);
                // the same float arithmetic up to summation order in the dot products
                assertTrue(maxErr <= 2e-5 * Math.max(1, maxAbs), "max |Δlogit| " + maxErr + " (largest logit " + maxAbs + ")");
            }
        }
        Tokenizer tok = Tokenizer.fromGguf(file);
        assertEquals(vocab.size(), tok.vocabSize());
        int[] ids = tok.encode("1+2= the é", false, false);
        assertEquals("1+2= the é", tok.decode(ids));
        assertTrue(java.util.Arrays.stream(ids).anyMatch(id -> id == tok.tokenId("▁1")), "the piece '▁1' is used");
        assertTrue(java.util.Arrays.stream(ids).anyMatch(id -> id == tok.tokenId("▁the")), "the piece '▁the' is used");
    }
}
