package io.srm4j.train.bench;

import io.srm4j.train.autograd.BufferPool;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.autograd.Tensor;
import io.srm4j.train.model.Parameter;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.optim.GradientClipping;
import java.util.Random;

/**
 * Bit-identity check for kernel and scheduling changes: trains the {@link ThroughputProbe} model (seed 1) for N steps
 * and prints each loss's float bits and one hash over every parameter's and gradient's bits. Build it against two
 * trees (or run it at different thread counts) and compare the hashes. Not a test; run by hand:
 * {@code java --add-modules jdk.incubator.vector -Dsrm4j.threads=2 -cp train/target/test-classes:train/target/classes:runtime/target/classes io.srm4j.train.bench.ParameterHashProbe [steps]}
 */
public final class ParameterHashProbe {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        var c = new TransformerConfig(384, 6, 6, 2, 1024, 512, 256, 10000f, 1e-5f, false);
        TransformerModel m = TransformerModel.create(c, 1);
        AdamW opt = new AdamW(m.parameters(), AdamW.Settings.defaults());
        Random rnd = new Random(1);
        int[][] seqs = new int[4][256];
        for (int[] s : seqs) for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(c.vocab());
        TokenBatch b = TokenBatch.nextToken(seqs);
        BufferPool buffers = new BufferPool();
        for (int s = 0; s < steps; s++) {
            m.zeroGrad();
            Tape tape = new Tape(buffers);
            Tensor loss = m.loss(tape, b);
            tape.backward(loss);
            GradientClipping.clip(m.parameters(), 1.0);
            opt.step(1e-3f);
            System.out.printf("step %d loss bits %08x%n", s, Float.floatToRawIntBits(loss.item()));
            tape.release();
        }
        long h = 1125899906842597L;
        for (Parameter p : m.parameters()) {
            for (float v : p.tensor().data()) h = 31 * h + Float.floatToRawIntBits(v);
            for (float v : p.tensor().grad()) h = 31 * h + Float.floatToRawIntBits(v);
        }
        System.out.printf("param+grad hash %016x%n", h);
    }
}
