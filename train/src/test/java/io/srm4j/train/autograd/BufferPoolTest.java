package io.srm4j.train.autograd;

import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reused arrays change nothing: steps on a pooled tape give the same losses and gradients, bit for bit. */
class BufferPoolTest {
    private static final TransformerConfig C = new TransformerConfig(32, 2, 4, 2, 48, 40, 16, 10000f, 1e-5f, false);

    @Test
    void pooledStepsMatchFreshAllocationExactly() {
        TransformerModel plain = TransformerModel.create(C, 3), pooled = TransformerModel.create(C, 3);
        BufferPool pool = new BufferPool();
        Random rnd = new Random(2);
        long heldAfterFirst = -1;
        for (int step = 0; step < 3; step++) {
            int[][] seqs = new int[2][16];
            for (int[] s : seqs) for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(C.vocab());
            TokenBatch b = TokenBatch.nextToken(seqs);
            plain.zeroGrad();
            pooled.zeroGrad();
            Tape t1 = new Tape();
            Tensor l1 = plain.loss(t1, b);
            t1.backward(l1);
            Tape t2 = new Tape(pool);
            Tensor l2 = pooled.loss(t2, b);
            t2.backward(l2);
            assertEquals(l1.item(), l2.item(), 0f, "loss at step " + step);
            for (int p = 0; p < plain.parameters().size(); p++) {
                assertArrayEquals(plain.parameters().get(p).tensor().grad(), pooled.parameters().get(p).tensor().grad(),
                        plain.parameters().get(p).name() + " at step " + step);
            }
            assertEquals(0, pool.pooledFloats(), "arrays in use are not in the pool");
            t2.release();
            if (step == 0) heldAfterFirst = pool.pooledFloats();
            else assertEquals(heldAfterFirst, pool.pooledFloats(), "later steps reuse the first step's arrays, no more");
            assertTrue(heldAfterFirst > 0);
        }
        long before = pool.pooledFloats();
        float[] reused = pool.take(2 * 16 * C.dim()); // one activation's size
        assertEquals(before - reused.length, pool.pooledFloats(), "taken from the pool, not newly allocated");
        for (float v : reused) assertEquals(0f, v);
    }

    @Test
    void aFullPoolLeavesFurtherArraysToTheCollector() {
        BufferPool pool = new BufferPool(100);
        pool.give(new float[60]);
        pool.give(new float[60]); // would exceed 100: dropped
        assertEquals(60, pool.pooledFloats());
        pool.take(60);
        assertEquals(0, pool.pooledFloats());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new BufferPool(-1));
    }
}
