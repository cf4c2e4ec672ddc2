package io.srm4j.runtime.model;

import java.util.Arrays;

/**
 * Memory for cached keys and values, handed out in fixed-size blocks of positions (all layers of those positions in
 * one block) that sequences share by reference counting, as in vLLM's paged attention: N samples of one prompt
 * hold the prompt's blocks once, and forking a sequence copies a block table, not the cache.
 * The pool is bounded; blocks are allocated on first use and recycled.
 */
public final class KvBlockPool {
    public static final int DEFAULT_BLOCK_SIZE = 16;

    final int blockSize;
    final int layers;
    final int kvDim;
    final int kvValueDim;
    final KvCache.Precision precision;
    private final int maxBlocks;
    // per block: keys and values of every layer, [layer][position in block][dim]
    final short[][] keys16, values16;
    final float[][] keys32, values32;
    private final int[] refCounts;
    private int[] free;
    private int freeCount;
    private int created;

    public KvBlockPool(ModelConfig c, KvCache.Precision precision, int maxBlocks, int blockSize) {
        if (maxBlocks <= 0 || blockSize <= 0) throw new IllegalArgumentException("a KV pool needs a positive size: " + maxBlocks + " blocks of " + blockSize);
        this.blockSize = blockSize;
        this.layers = c.layers();
        this.kvDim = c.kvDim();
        this.kvValueDim = c.kvValueDim();
        this.precision = precision;
        this.maxBlocks = maxBlocks;
        this.refCounts = new int[maxBlocks];
        this.free = new int[16];
        if (precision == KvCache.Precision.F16) {
            keys16 = new short[maxBlocks][];
            values16 = new short[maxBlocks][];
            keys32 = values32 = null;
        } else {
            keys32 = new float[maxBlocks][];
            values32 = new float[maxBlocks][];
            keys16 = values16 = null;
        }
    }

    /** A pool that holds at most {@code bytes} of keys and values. */
    public static KvBlockPool ofBytes(ModelConfig c, KvCache.Precision precision, long bytes, int blockSize) {
        long perBlock = bytesPerBlock(c, precision, blockSize);
        long blocks = bytes / perBlock;
        if (blocks < 1) throw new IllegalArgumentException("KV memory of " + bytes + " bytes holds not even one block of " + perBlock);
        return new KvBlockPool(c, precision, (int) Math.min(blocks, Integer.MAX_VALUE - 8), blockSize);
    }

    public static long bytesPerBlock(ModelConfig c, KvCache.Precision precision, int blockSize) {
        return (precision == KvCache.Precision.F16 ? 2L : 4L) * c.layers() * blockSize * (c.kvDim() + c.kvValueDim());
    }

    public int blockSize() {
        return blockSize;
    }

    public int maxBlocks() {
        return maxBlocks;
    }

    /** Blocks that can still be handed out. */
    public synchronized int freeBlocks() {
        return maxBlocks - created + freeCount;
    }

    public long bytesPerBlock() {
        return (precision == KvCache.Precision.F16 ? 2L : 4L) * layers * blockSize * (kvDim + kvValueDim);
    }

    /** Bytes currently allocated (blocks ever created; freed ones are kept for reuse). */
    public synchronized long allocatedBytes() {
        return created * bytesPerBlock();
    }

    /** A fresh block with reference count 1, or -1 when the pool is exhausted. */
    synchronized int allocate() {
        int id;
        if (freeCount > 0) {
            id = free[--freeCount];
        } else if (created < maxBlocks) {
            id = created++;
            int k = layers * blockSize * kvDim, v = layers * blockSize * kvValueDim;
            if (precision == KvCache.Precision.F16) {
                keys16[id] = new short[k];
                values16[id] = new short[v];
            } else {
                keys32[id] = new float[k];
                values32[id] = new float[v];
            }
        } else {
            return -1;
        }
        refCounts[id] = 1;
        return id;
    }

    synchronized void retain(int id) {
        if (refCounts[id] <= 0) throw new IllegalStateException("block " + id + " is not in use");
        refCounts[id]++;
    }

    synchronized void release(int id) {
        if (refCounts[id] <= 0) throw new IllegalStateException("block " + id + " released twice");
        if (--refCounts[id] == 0) {
            if (freeCount == free.length) free = Arrays.copyOf(free, free.length * 2);
            free[freeCount++] = id;
        }
    }

    synchronized boolean isShared(int id) {
        return refCounts[id] > 1;
    }

    /** Copies the contents of block {@code from} into block {@code to}. */
    void copy(int from, int to) {
        if (precision == KvCache.Precision.F16) {
            System.arraycopy(keys16[from], 0, keys16[to], 0, keys16[from].length);
            System.arraycopy(values16[from], 0, values16[to], 0, values16[from].length);
        } else {
            System.arraycopy(keys32[from], 0, keys32[to], 0, keys32[from].length);
            System.arraycopy(values32[from], 0, values32[to], 0, values32[from].length);
        }
    }
}
