package io.srm4j.train.export;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.train.autograd.Tensor;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.optim.LearningRateSchedule;
import io.srm4j.train.optim.Trainer;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Models with decisive logits (well-separated greedy choices) for export tests, and the shared vocabularies. */
final class ExportFixtures {
    private ExportFixtures() {}

    static Path shared(String relative) {
        String root = System.getProperty("srm4j.shared");
        Path p = root == null ? null : Path.of(root).resolve(relative);
        Assumptions.assumeTrue(p != null && Files.exists(p), "../shared not found: " + relative + " is needed");
        return p;
    }

    /** The {@code tokenizer.*} metadata of ../shared/models/vocab/ggml-vocab-NAME.gguf. */
    static GgufMetadata vocab(String name) throws IOException {
        try (GgufFile f = GgufFile.open(shared("models/vocab/ggml-vocab-" + name + ".gguf"))) {
            return f.metadata();
        }
    }

    static int vocabSize(GgufMetadata md) {
        return md.getStringArray("tokenizer.ggml.tokens").orElseThrow().length;
    }

    /**
     * A created model whose weights are rescaled so that attention is neither uniform nor one-hot and the logits spread
     * over several units (random 0.02-std weights give near-ties everywhere, which rounding order would decide), then
     * trained for a few steps so what is exported is what training produced.
     */
    static TransformerModel decisiveModel(TransformerConfig c, long seed) {
        TransformerModel m = TransformerModel.create(c, seed);
        Random rnd = new Random(seed + 1);
        int d = c.dim();
        scale(m.tokenEmbedding(), 0.1 / 0.02);
        for (int l = 0; l < c.layers(); l++) {
            var b = m.block(l);
            jitterNorm(b.attnNorm(), rnd);
            jitterNorm(b.ffnNorm(), rnd);
            scale(b.wq(), 1.5 / Math.sqrt(d) / 0.02);
            scale(b.wk(), 1.5 / Math.sqrt(d) / 0.02);
            scale(b.wv(), 1 / Math.sqrt(d) / 0.02);
            setStd(b.wo(), 1 / Math.sqrt(c.heads() * c.headDim()), rnd);
            scale(b.wGate(), 1.5 / Math.sqrt(d) / 0.02);
            scale(b.wUp(), 1 / Math.sqrt(d) / 0.02);
            setStd(b.wDown(), 1 / Math.sqrt(c.ffn()), rnd);
        }
        // the final norm's gain sets the spread of the tied classifier's logits: about 4 units of standard deviation
        float gain = (float) (4 / (0.1 * Math.sqrt(d)));
        float[] on = m.outputNorm().data();
        for (int i = 0; i < on.length; i++) on[i] = gain * (1 + 0.1f * (float) rnd.nextGaussian());
        int[][] seqs = new int[2][16];
        for (int[] q : seqs) for (int i = 0; i < q.length; i++) q[i] = rnd.nextInt(c.vocab());
        var trainer = new Trainer<TokenBatch>(m, m::loss, new AdamW(m.parameters(), AdamW.Settings.defaults()),
                LearningRateSchedule.constant(1e-3f), 1.0);
        for (int step = 0; step < 2; step++) trainer.step(List.of(TokenBatch.nextToken(seqs)));
        return m;
    }

    private static void scale(Tensor t, double f) {
        float[] v = t.data();
        for (int i = 0; i < v.length; i++) v[i] *= (float) f;
    }

    private static void setStd(Tensor t, double std, Random rnd) {
        float[] v = t.data();
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * std);
    }

    private static void jitterNorm(Tensor t, Random rnd) {
        float[] v = t.data();
        for (int i = 0; i < v.length; i++) v[i] = 1 + 0.2f * (float) rnd.nextGaussian();
    }
}
