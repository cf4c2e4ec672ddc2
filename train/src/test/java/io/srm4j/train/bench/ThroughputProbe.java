package io.srm4j.train.bench;

import io.srm4j.runtime.tensor.WorkerPool;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.autograd.Tensor;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;

import java.util.Random;

/**
 * Training throughput of a ~10M-parameter model: tokens per second over full steps (forward, backward, AdamW).
 * Not a test; run by hand, e.g. with -Dsrm4j.threads=2:
 * {@code java --add-modules jdk.incubator.vector -Dsrm4j.threads=2 -cp train/target/test-classes:train/target/classes:runtime/target/classes io.srm4j.train.bench.ThroughputProbe [steps] [batch] [seq]}
 */
public final class ThroughputProbe {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int seq = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        var c = new TransformerConfig(384, 6, 6, 2, 1024, 512, Math.max(256, seq), 10000f, 1e-5f, false);
        TransformerModel m = TransformerModel.create(c, 1);
        AdamW opt = new AdamW(m.parameters(), AdamW.Settings.defaults());
        Random rnd = new Random(1);
        int[][] seqs = new int[batch][seq];
        for (int[] s : seqs) for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(c.vocab());
        TokenBatch b = TokenBatch.nextToken(seqs);
        System.out.printf("model: %,d parameters (%s), batch %d × %d tokens, %d threads%n",
                m.parameterCount(), c, batch, seq, WorkerPool.shared().threads());
        long fwd = 0, bwd = 0, upd = 0;
        int tokens = 0;
        for (int s = -2; s < steps; s++) { // two warm-up steps for the JIT
            long t0 = System.nanoTime();
            m.zeroGrad();
            Tape tape = new Tape();
            Tensor loss = m.loss(tape, b);
            long t1 = System.nanoTime();
            tape.backward(loss);
            long t2 = System.nanoTime();
            opt.step(1e-3f);
            long t3 = System.nanoTime();
            System.out.printf("step %d: loss %.4f, forward %d ms, backward %d ms, adamw %d ms%n", s, loss.item(),
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
            if (s >= 0) {
                fwd += t1 - t0;
                bwd += t2 - t1;
                upd += t3 - t2;
                tokens += batch * seq;
            }
        }
        double secs = (fwd + bwd + upd) / 1e9;
        System.out.printf("throughput: %.0f tokens/s (forward %.0f%%, backward %.0f%%, adamw %.0f%%)%n", tokens / secs,
                100.0 * fwd / (fwd + bwd + upd), 100.0 * bwd / (fwd + bwd + upd), 100.0 * upd / (fwd + bwd + upd));
    }
}
