package io.srm4j.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.srm4j.runtime.SharedAssets;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.runtime.tensor.RepackedQ4;
import io.srm4j.runtime.testing.SyntheticModels;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Q4_K sums differently in llama.cpp's repacked gemm (rows in groups of four) than in its gemv: the Transformer
 * gives each row the order it would have if its sequence were evaluated alone, so a sequence's logits are the same
 * bits alone ({@link Transformer#forward}) and batched with other sequences' prompt chunks and decode rows
 * ({@link Transformer#forwardBatch} with the gemm flags BatchEngine passes).
 */
class RepackedOrderBatchTest {
    @TempDir
    static Path dir;

    @Test
    void q4_KSequenceLogitsAreTheSameAloneAndBatched() throws Exception {
        var spec = SyntheticModels.Spec.kQuantFriendly(SyntheticModels.Arch.LLAMA, SyntheticModels.vocab(SharedAssets.root(), "llama-spm"))
                .withType(GgmlType.Q4_K).withSeed(5);
        Path file = SyntheticModels.write(spec, dir.resolve("q4k.gguf"));
        try (LanguageModel lm = LanguageModel.load(file)) {
            Transformer tf = lm.transformer();
            ModelConfig c = tf.config();
            int vocab = c.vocabSize();
            int[] a = {1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975}, b = {1, 9038, 2501, 263, 931, 727, 471};
            // F32 caches: an F16 cache would round most last-bit differences of earlier rows away
            // alone: prompt a (9 rows: 8 in the gemm order, 1 not), then one decode token; prompt b likewise
            Transformer.Scratch s = tf.newScratch();
            KvCache ca = new KvCache(c, 64, KvCache.Precision.F32), cb = new KvCache(c, 64, KvCache.Precision.F32);
            float[] aPrompt = tf.forward(ca, a, 0, a.length, s).clone();
            float[] aNext = tf.forward(ca, new int[] {42}, 0, 1, s).clone();
            float[] bPrompt = tf.forward(cb, b, 0, b.length, s).clone();

            // batched: a's prompt in two chunks (5 rows, then 4 alongside b's whole prompt), then a's decode row with
            // nothing else; gemm flags as BatchEngine computes them
            KvCache ba = new KvCache(c, 64, KvCache.Precision.F32), bb = new KvCache(c, 64, KvCache.Precision.F32);
            boolean[] gemmA = RepackedQ4.gemmRows(a.length), gemmB = RepackedQ4.gemmRows(b.length);
            KvCache[] caches = new KvCache[16];
            int[] tokens = new int[16];
            boolean[] want = new boolean[16], gemm = new boolean[16];
            for (int i = 0; i < 5; i++) {
                caches[i] = ba;
                tokens[i] = a[i];
                gemm[i] = gemmA[i];
            }
            tf.forwardBatch(caches, tokens, 5, want, gemm, s);
            int n = 0;
            for (int i = 0; i < b.length; i++, n++) {
                caches[n] = bb;
                tokens[n] = b[i];
                gemm[n] = gemmB[i];
                want[n] = i == b.length - 1;
            }
            for (int i = 5; i < a.length; i++, n++) {
                caches[n] = ba;
                tokens[n] = a[i];
                gemm[n] = gemmA[i];
                want[n] = i == a.length - 1;
            }
            float[] logits = tf.forwardBatch(caches, tokens, n, want, gemm, s);
            assertArrayEquals(bPrompt, Arrays.copyOfRange(logits, 0, vocab), "b's prompt logits batched");
            assertArrayEquals(aPrompt, Arrays.copyOfRange(logits, vocab, 2 * vocab), "a's prompt logits batched");
            float[] next = tf.forwardBatch(new KvCache[] {ba}, new int[] {42}, 1, null, null, s);
            assertArrayEquals(aNext, Arrays.copyOf(next, vocab), "a's decode logits batched");
            assertEquals(a.length + 1, ba.length());
        }
    }
}
