package io.srm4j.train.optim;

import io.srm4j.train.autograd.Tape;
import io.srm4j.train.model.Parameter;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    static final TransformerConfig SMALL = new TransformerConfig(32, 2, 4, 2, 64, 16, 16, 10000f, 1e-5f, false);

    @Test
    void accumulatingTwoMicroBatchesEqualsOneBatchOfBoth() {
        Random rnd = new Random(1);
        int[][] seqs = new int[2][12];
        for (int[] s : seqs) for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(SMALL.vocab());
        TransformerModel a = TransformerModel.create(SMALL, 9), b = TransformerModel.create(SMALL, 9);
        var ta = new Trainer<TokenBatch>(a, a::loss, new AdamW(a.parameters(), AdamW.Settings.defaults()), LearningRateSchedule.constant(1e-3f), 1.0);
        var tb = new Trainer<TokenBatch>(b, b::loss, new AdamW(b.parameters(), AdamW.Settings.defaults()), LearningRateSchedule.constant(1e-3f), 1.0);
        a.zeroGrad();
        b.zeroGrad();
        double la = ta.accumulate(List.of(TokenBatch.nextToken(new int[][]{seqs[0]}), TokenBatch.nextToken(new int[][]{seqs[1]})));
        double lb = tb.accumulate(List.of(TokenBatch.nextToken(seqs)));
        assertEquals(lb, la, 1e-5);
        for (int i = 0; i < a.parameters().size(); i++) {
            float[] ga = a.parameters().get(i).tensor().grad(), gb = b.parameters().get(i).tensor().grad();
            for (int j = 0; j < ga.length; j++) assertEquals(gb[j], ga[j], 1e-6f + 1e-4f * Math.abs(gb[j]), a.parameters().get(i).name());
        }
    }

    @Test
    void tinyModelOverfitsASmallBatch() {
        Random rnd = new Random(2);
        int[][] seqs = new int[4][16];
        for (int[] s : seqs) for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(SMALL.vocab());
        TokenBatch batch = TokenBatch.nextToken(seqs);
        TransformerModel m = TransformerModel.create(SMALL, 3);
        int steps = 120;
        var trainer = new Trainer<TokenBatch>(m, m::loss,
                new AdamW(m.parameters(), new AdamW.Settings(0.9f, 0.95f, 1e-8f, 0.01f)),
                LearningRateSchedule.warmupCosine(1e-2f, 1e-3f, 10, steps), 1.0);
        double first = trainer.step(List.of(batch)).loss();
        assertEquals(Math.log(SMALL.vocab()), first, 0.1, "an untrained model is about uniform");
        List<Double> losses = new ArrayList<>();
        for (int s = 1; s < steps; s++) losses.add(trainer.step(List.of(batch)).loss());
        double last = m.loss(Tape.NO_GRAD, batch).item();
        assertTrue(last < 0.1, "loss after " + steps + " steps: " + last + " (first " + first + ", trace " + losses.subList(0, 10) + ")");
    }

    @Test
    void nonFiniteLossStopsTraining() {
        TransformerModel m = TransformerModel.create(SMALL, 3);
        for (Parameter p : m.parameters()) if (p.name().equals("output_norm.weight")) p.tensor().data()[0] = Float.NaN;
        var trainer = new Trainer<TokenBatch>(m, m::loss, new AdamW(m.parameters(), AdamW.Settings.defaults()), LearningRateSchedule.constant(1e-3f), 1.0);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> trainer.step(List.of(TokenBatch.nextToken(new int[][]{{1, 2, 3}}))));
        assertTrue(e.getMessage().contains("diverged"), e.getMessage());
    }
}
