package io.srm4j.train.optim;

import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CheckpointTest {
    @TempDir
    Path dir;

    static final TransformerConfig C = new TransformerConfig(16, 2, 2, 1, 24, 20, 8, 10000f, 1e-5f, true);

    static List<TokenBatch> data(int steps) {
        Random rnd = new Random(4);
        TokenBatch[] out = new TokenBatch[steps];
        for (int s = 0; s < steps; s++) {
            int[][] seqs = new int[2][8];
            for (int[] q : seqs) for (int i = 0; i < q.length; i++) q[i] = rnd.nextInt(C.vocab());
            out[s] = TokenBatch.nextToken(seqs);
        }
        return List.of(out);
    }

    static Trainer<TokenBatch> trainer(TransformerModel m) {
        return new Trainer<>(m, m::loss, new AdamW(m.parameters(), AdamW.Settings.defaults()),
                LearningRateSchedule.warmupCosine(5e-3f, 5e-4f, 2, 6), 1.0);
    }

    @Test
    void resumingContinuesBitIdentically() throws Exception {
        List<TokenBatch> batches = data(6);
        TransformerModel straight = TransformerModel.create(C, 8);
        var t1 = trainer(straight);
        for (TokenBatch b : batches) t1.step(List.of(b));

        TransformerModel first = TransformerModel.create(C, 8);
        var t2 = trainer(first);
        for (int s = 0; s < 3; s++) t2.step(List.of(batches.get(s)));
        Path ckpt = dir.resolve("ckpt.gguf");
        Checkpoint.save(first, t2.optimizer(), ckpt);

        TransformerModel resumed = TransformerModel.create(C, 99); // different weights, overwritten by the restore
        var t3 = trainer(resumed);
        int from = Checkpoint.restore(resumed, t3.optimizer(), ckpt);
        assertEquals(3, from);
        for (int s = from; s < 6; s++) t3.step(List.of(batches.get(s)));

        for (int i = 0; i < straight.parameters().size(); i++) {
            assertArrayEquals(straight.parameters().get(i).tensor().data(), resumed.parameters().get(i).tensor().data(),
                    straight.parameters().get(i).name());
        }
    }

    @Test
    void aCheckpointOfAnotherShapeIsRejected() throws Exception {
        TransformerModel m = TransformerModel.create(C, 1);
        Path ckpt = dir.resolve("c.gguf");
        Checkpoint.save(m, new AdamW(m.parameters(), AdamW.Settings.defaults()), ckpt);
        TransformerModel other = TransformerModel.create(new TransformerConfig(16, 2, 2, 1, 24, 21, 8, 10000f, 1e-5f, true), 1);
        var e = assertThrows(GgufFormatException.class,
                () -> Checkpoint.restore(other, new AdamW(other.parameters(), AdamW.Settings.defaults()), ckpt));
        assertEquals(true, e.getMessage().contains("token_embd.weight"), e.getMessage());
        float[] before = other.parameters().getFirst().tensor().data().clone();
        assertArrayEquals(before, other.parameters().getFirst().tensor().data(), "a rejected checkpoint changes nothing");
    }
}
