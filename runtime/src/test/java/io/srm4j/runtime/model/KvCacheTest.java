package io.srm4j.runtime.model;

import io.srm4j.runtime.SharedAssets;
import io.srm4j.runtime.gguf.GgufFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class KvCacheTest {
    static GgufFile file;
    static Transformer tf;

    @BeforeAll
    static void load() throws Exception {
        file = GgufFile.open(SharedAssets.require("models/tiny/stories260K.gguf"));
        tf = Transformer.fromGguf(file);
    }

    @AfterAll
    static void close() {
        if (file != null) file.close();
    }

    private static float[] run(KvCache cache, int... tokens) {
        return tf.forward(cache, tokens, 0, tokens.length, tf.newScratch()).clone();
    }

    @Test
    void forkedSequencesContinueExactlyAsFreshOnes() {
        int[] prompt = {1, 403, 407, 261, 378, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312}; // crosses a block
        KvBlockPool pool = new KvBlockPool(tf.config(), KvCache.Precision.F32, 64, 4);
        KvCache a = new KvCache(pool, 64);
        run(a, prompt);
        int used = pool.maxBlocks() - pool.freeBlocks();
        KvCache b = a.fork();
        assertEquals(used, pool.maxBlocks() - pool.freeBlocks(), "a fork takes no new blocks");
        float[] la = run(a, 473, 474);
        float[] lb = run(b, 466);
        float[] lb2 = run(b, 467, 468, 469, 470); // b writes on: only its own copies change

        KvCache fresh = new KvCache(tf.config(), 64, KvCache.Precision.F32);
        run(fresh, prompt);
        assertArrayEquals(run(fresh, 473, 474), la);
        fresh.truncate(prompt.length);
        assertArrayEquals(run(fresh, 466), lb);
        assertArrayEquals(run(fresh, 467, 468, 469, 470), lb2);
        // a's cache was not disturbed by b's writes
        KvCache a2 = a.fork();
        a2.truncate(prompt.length + 1);
        fresh.truncate(prompt.length);
        run(fresh, 473, 474); // the same batch shape as a's, so position 473 holds the same bits
        fresh.truncate(prompt.length + 1);
        assertArrayEquals(run(fresh, 474), run(a2, 474));

        a.close();
        b.close();
        a2.close();
        fresh.close();
        assertEquals(pool.maxBlocks(), pool.freeBlocks(), "closing returns every block");
    }

    /**
     * Samples forked from one prompt, decoded together in one pass (attention reuses the F16 cache rows converted for
     * the blocks they share, and reconverts where they part), give the same logits bit for bit as the same batch over
     * caches that share nothing (each sample's history written again into a pool of its own, in the same steps).
     */
    @Test
    void forksDecodedInOneBatchMatchUnsharedCaches() {
        int[] prompt = {1, 403, 407, 261, 378, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314};
        int samples = 6;
        KvBlockPool pool = new KvBlockPool(tf.config(), KvCache.Precision.F16, 64, 8);
        KvCache root = new KvCache(pool, 64);
        run(root, prompt);
        KvCache[] forks = new KvCache[samples], unshared = new KvCache[samples];
        for (int i = 0; i < samples; i++) {
            forks[i] = root.fork();
            unshared[i] = new KvCache(tf.config(), 64, KvCache.Precision.F16);
            run(unshared[i], prompt);
        }
        // samples 3..5 part from the others inside the prompt's last block and after it
        for (KvCache[] set : new KvCache[][] {forks, unshared}) {
            run(set[3], 330);
            run(set[4], 331, 332, 333, 334, 335, 336);
            set[5].truncate(9);
            run(set[5], 340, 341);
        }
        int[] next = {400, 401, 402, 403, 404, 405};
        int vocab = tf.config().vocabSize();
        for (int step = 0; step < 3; step++) {
            float[] shared = tf.forwardBatch(forks, next, samples, null, tf.newScratch()).clone();
            float[] apart = tf.forwardBatch(unshared, next, samples, null, tf.newScratch());
            assertArrayEquals(java.util.Arrays.copyOf(apart, samples * vocab), java.util.Arrays.copyOf(shared, samples * vocab), "step " + step);
            for (int i = 0; i < samples; i++) next[i] += 7;
        }
        for (int i = 0; i < samples; i++) {
            forks[i].close();
            unshared[i].close();
        }
        root.close();
        assertEquals(pool.maxBlocks(), pool.freeBlocks(), "closing returns every block");
    }

    @Test
    void limitsAreClearErrors() {
        KvCache small = new KvCache(tf.config(), 4);
        var overflow = assertThrows(KvCache.ContextOverflowException.class, () -> run(small, 1, 2, 3, 4, 5));
        assertTrue(overflow.getMessage().contains("context is full"), overflow.getMessage());

        KvBlockPool pool = new KvBlockPool(tf.config(), KvCache.Precision.F16, 2, 4);
        KvCache a = new KvCache(pool, 100);
        run(a, 1, 2, 3, 4, 5, 6);
        KvCache b = a.fork();
        var full = assertThrows(KvCache.OutOfBlocksException.class, () -> run(b, 7)); // needs a copy of the shared block
        assertTrue(full.getMessage().contains("KV cache memory is full"), full.getMessage());
        assertEquals(1, b.blocksNeeded(1));
    }

    /** A heap too small for the next block is the pool's clear error, not the JVM's, and leaves the pool as it was. */
    @Test
    void aHeapWithoutRoomForAnotherBlockIsAClearError() {
        // one F32 block of a single layer with 2^27 - 1 key dimensions: 8 GiB of keys, more than the test heap holds
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < (7L << 30), "the heap could hold an 8 GiB block");
        int dim = (1 << 27) - 1;
        ModelConfig c = new ModelConfig("llama", 64, 1, 1, 1, dim, dim, 64, 64, 32, 1e-5f, 1e4f, 2, false, RopeScaling.NONE);
        KvBlockPool pool = new KvBlockPool(c, KvCache.Precision.F32, 3, 16);
        var full = assertThrows(KvCache.OutOfBlocksException.class, pool::allocate);
        assertTrue(full.getMessage().contains("Java heap") && full.getMessage().contains("-Xmx"), full.getMessage());
        assertEquals(3, pool.freeBlocks(), "no block was counted");
        assertEquals(0, pool.allocatedBytes());
    }

    @Test
    void bytesAreHalvedInF16() {
        ModelConfig c = tf.config();
        assertEquals(2 * KvBlockPool.bytesPerBlock(c, KvCache.Precision.F16, 16), KvBlockPool.bytesPerBlock(c, KvCache.Precision.F32, 16));
    }
}
