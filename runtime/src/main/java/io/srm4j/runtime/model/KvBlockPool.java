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
    final int headDim, valueDim;
    final KvCache.Precision precision;
    private final int maxBlocks;
    // per block: keys and values of every layer, [layer][position in block][dim]
    final short[][] keys16, values16;
    final float[][] keys32, values32;
    // Q8_0: the 8-bit quants as above, and one f16 scale per 32 of them
    final byte[][] keys8, values8;
    final short[][] keyScales, valueScales;
    /**
     * F16 only, per block: whether an infinite or NaN key or value was ever stored in it. The decode kernels that read
     * the halves in place (GgmlOrderDots' F16 forms) are exact for finite values alone; a sequence with such a block
     * takes the converting path, which maps them as llama.cpp does.
     */
    final boolean[] nonFinite;
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
        this.headDim = c.headDim();
        this.valueDim = c.valueDim();
        this.precision = precision;
        this.maxBlocks = maxBlocks;
        this.refCounts = new int[maxBlocks];
        this.free = new int[16];
        if (precision == KvCache.Precision.Q8_0 && (c.headDim() % 32 != 0 || c.valueDim() % 32 != 0)) {
            throw new IllegalArgumentException("a Q8_0 KV cache needs head dimensions divisible by 32 (its block size); this model has "
                    + c.headDim() + " / " + c.valueDim() + ": use F16");
        }
        nonFinite = precision == KvCache.Precision.F16 ? new boolean[maxBlocks] : null;
        keys16 = precision == KvCache.Precision.F16 ? new short[maxBlocks][] : null;
        values16 = precision == KvCache.Precision.F16 ? new short[maxBlocks][] : null;
        keys32 = precision == KvCache.Precision.F32 ? new float[maxBlocks][] : null;
        values32 = precision == KvCache.Precision.F32 ? new float[maxBlocks][] : null;
        keys8 = precision == KvCache.Precision.Q8_0 ? new byte[maxBlocks][] : null;
        values8 = precision == KvCache.Precision.Q8_0 ? new byte[maxBlocks][] : null;
        keyScales = precision == KvCache.Precision.Q8_0 ? new short[maxBlocks][] : null;
        valueScales = precision == KvCache.Precision.Q8_0 ? new short[maxBlocks][] : null;
    }

    /** A pool that holds at most {@code bytes} of keys and values. */
    public static KvBlockPool ofBytes(ModelConfig c, KvCache.Precision precision, long bytes, int blockSize) {
        long perBlock = bytesPerBlock(c, precision, blockSize);
        long blocks = bytes / perBlock;
        if (blocks < 1) throw new IllegalArgumentException("KV memory of " + bytes + " bytes holds not even one block of " + perBlock);
        return new KvBlockPool(c, precision, (int) Math.min(blocks, Integer.MAX_VALUE - 8), blockSize);
    }

    public static long bytesPerBlock(ModelConfig c, KvCache.Precision precision, int blockSize) {
        return bytesPerBlock(precision, c.layers(), blockSize, c.kvDim() + c.kvValueDim());
    }

    private static long bytesPerBlock(KvCache.Precision precision, int layers, int blockSize, int dims) {
        long elements = (long) layers * blockSize * dims;
        return switch (precision) {
            case F32 -> 4 * elements;
            case F16 -> 2 * elements;
            case Q8_0 -> elements + elements / 32 * 2; // a byte per element, an f16 scale per 32
        };
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
        return bytesPerBlock(precision, layers, blockSize, kvDim + kvValueDim);
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
            id = created;
            int k = layers * blockSize * kvDim, v = layers * blockSize * kvValueDim;
            try {
                switch (precision) {
                    case F16 -> {
                        keys16[id] = new short[k];
                        values16[id] = new short[v];
                    }
                    case F32 -> {
                        keys32[id] = new float[k];
                        values32[id] = new float[v];
                    }
                    case Q8_0 -> {
                        keys8[id] = new byte[k];
                        values8[id] = new byte[v];
                        keyScales[id] = new short[k / 32];
                        valueScales[id] = new short[v / 32];
                    }
                }
            } catch (OutOfMemoryError heapFull) {
                // blocks are allocated as sequences grow, so the heap can run out before the pool does: say so as the
                // pool's own exhaustion does (a batch then waits or preempts), with what to change, and keep no half block
                if (keys16 != null) keys16[id] = values16[id] = null;
                if (keys32 != null) keys32[id] = values32[id] = null;
                if (keys8 != null) {
                    keys8[id] = values8[id] = null;
                    keyScales[id] = valueScales[id] = null;
                }
                throw new KvCache.OutOfBlocksException("the Java heap (" + (Runtime.getRuntime().maxMemory() >> 20)
                        + " MiB) has no room for another KV cache block of " + bytesPerBlock() + " bytes (" + created
                        + " blocks held): give the JVM more heap (e.g. SRM4J_JAVA_OPTS=-Xmx8g), a smaller context or KV memory,"
                        + " or fewer sequences at once");
            }
            created++;
        } else {
            return -1;
        }
        refCounts[id] = 1;
        if (nonFinite != null) nonFinite[id] = false;
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
        switch (precision) {
            case F16 -> {
                System.arraycopy(keys16[from], 0, keys16[to], 0, keys16[from].length);
                System.arraycopy(values16[from], 0, values16[to], 0, values16[from].length);
                nonFinite[to] = nonFinite[from];
            }
            case F32 -> {
                System.arraycopy(keys32[from], 0, keys32[to], 0, keys32[from].length);
                System.arraycopy(values32[from], 0, values32[to], 0, values32[from].length);
            }
            case Q8_0 -> {
                System.arraycopy(keys8[from], 0, keys8[to], 0, keys8[from].length);
                System.arraycopy(values8[from], 0, values8[to], 0, values8[from].length);
                System.arraycopy(keyScales[from], 0, keyScales[to], 0, keyScales[from].length);
                System.arraycopy(valueScales[from], 0, valueScales[to], 0, valueScales[from].length);
            }
        }
    }
}
