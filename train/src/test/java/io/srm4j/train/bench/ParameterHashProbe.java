package io.srm4j.train.bench;

import io.srm4j.train.autograd.BufferPool;
import io.srm4j.train.model.Parameter;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;

/**
 * Bit-identity check for kernel and scheduling changes: trains the {@link ThroughputProbe} model (seed 1) for N steps
 * and prints each loss's float bits and one hash over every parameter's and gradient's bits. Build it against two
 * trees (or run it at different thread counts) and compare the hashes. Not a test; run by hand:
 * {@code java --add-modules jdk.incubator.vector -Dsrm4j.threads=2 -cp train/target/test-classes:train/target/classes:runtime/target/classes io.srm4j.train.bench.ParameterHashProbe [steps]}
 */
public final class ParameterHashProbe {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        var c = ThroughputProbe.config(256);
        TransformerModel m = TransformerModel.create(c, 1);
        AdamW opt = new AdamW(m.parameters(), AdamW.Settings.defaults());
        TokenBatch b = TokenBatch.nextToken(ThroughputProbe.randomSequences(4, 256, c.vocab()));
        BufferPool buffers = new BufferPool();
        for (int s = 0; s < steps; s++) {
            float loss = ThroughputProbe.trainStep(m, opt, buffers, b);
            System.out.printf("step %d loss bits %08x%n", s, Float.floatToRawIntBits(loss));
        }
        long h = 1125899906842597L;
        for (Parameter p : m.parameters()) {
            for (float v : p.tensor().data()) h = 31 * h + Float.floatToRawIntBits(v);
            for (float v : p.tensor().grad()) h = 31 * h + Float.floatToRawIntBits(v);
        }
        System.out.printf("param+grad hash %016x%n", h);
    }
}
