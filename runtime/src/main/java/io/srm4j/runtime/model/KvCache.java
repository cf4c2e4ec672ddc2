package io.srm4j.runtime.model;

import java.util.Arrays;

/**
 * The keys and values of one sequence: a table of blocks from a {@link KvBlockPool}. By default stored as IEEE half
 * floats as llama.cpp does (half the memory of F32, and the same rounding, which keeps greedy decoding in step with
 * llama.cpp); F32 storage serves exact comparisons with float references.
 *
 * <p>{@link #fork()} makes a sequence that shares every block (copy-on-write): N samples of one prompt hold the
 * prompt's cache once, and step-level search forks partial solutions cheaply. A sequence may not grow past
 * {@code maxPositions} ({@link ContextOverflowException}) nor past what the pool holds ({@link OutOfBlocksException});
 * both are clear errors, never silent truncation. Close a cache to return its blocks.
 */
public final class KvCache implements AutoCloseable {
    /** Storage precision of cached keys and values. */
    public enum Precision { F16, F32 }

    private final KvBlockPool pool;
    private final int maxPositions;
    private final int bs;
    private int[] table;
    private int blocks;
    private int length;

    /** A cache with a private pool big enough for {@code maxPositions}, in F16. */
    public KvCache(ModelConfig c, int maxPositions) {
        this(c, maxPositions, Precision.F16);
    }

    /** A cache with a private pool big enough for {@code maxPositions}. */
    public KvCache(ModelConfig c, int maxPositions, Precision precision) {
        this(new KvBlockPool(c, precision, blocksFor(maxPositions, KvBlockPool.DEFAULT_BLOCK_SIZE), KvBlockPool.DEFAULT_BLOCK_SIZE), maxPositions);
    }

    /** A cache drawing blocks from a shared pool. */
    public KvCache(KvBlockPool pool, int maxPositions) {
        if (maxPositions <= 0) throw new IllegalArgumentException("context size must be positive: " + maxPositions);
        this.pool = pool;
        this.maxPositions = maxPositions;
        this.bs = pool.blockSize;
        this.table = new int[8];
    }

    private static int blocksFor(int positions, int blockSize) {
        if (positions <= 0) throw new IllegalArgumentException("context size must be positive: " + positions);
        return (int) ((positions + (long) blockSize - 1) / blockSize);
    }

    /** A new sequence holding the same positions, sharing their blocks until either side writes. */
    public KvCache fork() {
        KvCache f = new KvCache(pool, maxPositions);
        f.table = Arrays.copyOf(table, Math.max(8, blocks));
        f.blocks = blocks;
        f.length = length;
        for (int i = 0; i < blocks; i++) pool.retain(table[i]);
        return f;
    }

    public KvBlockPool pool() {
        return pool;
    }

    /** Number of positions filled. */
    public int length() {
        return length;
    }

    public int maxPositions() {
        return maxPositions;
    }

    public Precision precision() {
        return pool.precision;
    }

    /** Forgets positions from {@code newLength} on (e.g. to reuse a prompt prefix), returning unused blocks. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) throw new IllegalArgumentException("cannot truncate " + length + " positions to " + newLength);
        int keep = (newLength + bs - 1) / bs;
        while (blocks > keep) pool.release(table[--blocks]);
        length = newLength;
    }

    /** Blocks that writing {@code n} more positions would take from the pool (new ones and copies of shared ones). */
    public int blocksNeeded(int n) {
        int first = length / bs, last = (length + n - 1) / bs;
        int need = 0;
        for (int b = first; b <= last; b++) {
            if (b >= blocks || pool.isShared(table[b])) need++;
        }
        return need;
    }

    /**
     * Makes positions {@code [length, length + n)} writable: allocates blocks and copies shared ones (copy-on-write).
     */
    void reserve(int n) {
        if ((long) length + n > maxPositions) {
            throw new ContextOverflowException("context is full: " + length + " positions used, " + n + " more needed, limit " + maxPositions);
        }
        int first = length / bs, last = (length + n - 1) / bs;
        for (int b = first; b <= last; b++) {
            if (b < blocks) {
                int old = table[b];
                if (pool.isShared(old)) {
                    int copy = take();
                    pool.copy(old, copy);
                    pool.release(old);
                    table[b] = copy;
                }
            } else {
                if (blocks == table.length) table = Arrays.copyOf(table, table.length * 2);
                table[blocks++] = take();
            }
        }
    }

    private int take() {
        int id = pool.allocate();
        if (id < 0) {
            throw new OutOfBlocksException("KV cache memory is full: all " + pool.maxBlocks() + " blocks of " + bs
                    + " positions are in use (raise the KV memory or run fewer sequences at once)");
        }
        return id;
    }

    void advance(int n) {
        length += n;
    }

    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int block = table[pos / bs], p = pos % bs;
        int kb = (layer * bs + p) * pool.kvDim, vb = (layer * bs + p) * pool.kvValueDim;
        if (pool.precision == Precision.F16) {
            short[] kk = pool.keys16[block], vv = pool.values16[block];
            for (int i = 0; i < pool.kvDim; i++) kk[kb + i] = Float.floatToFloat16(k[kOff + i]);
            for (int i = 0; i < pool.kvValueDim; i++) vv[vb + i] = Float.floatToFloat16(v[vOff + i]);
        } else {
            System.arraycopy(k, kOff, pool.keys32[block], kb, pool.kvDim);
            System.arraycopy(v, vOff, pool.values32[block], vb, pool.kvValueDim);
        }
    }

    /** Dot product of {@code q[qOff .. qOff+n)} with the cached key at (layer, pos, element offset). */
    float keyDot(int layer, int pos, int elemOff, float[] q, int qOff, int n) {
        int block = table[pos / bs];
        int base = (layer * bs + pos % bs) * pool.kvDim + elemOff;
        float dot = 0;
        if (pool.precision == Precision.F16) {
            short[] kk = pool.keys16[block];
            for (int i = 0; i < n; i++) dot += q[qOff + i] * Float.float16ToFloat(kk[base + i]);
        } else {
            float[] kk = pool.keys32[block];
            for (int i = 0; i < n; i++) dot += q[qOff + i] * kk[base + i];
        }
        return dot;
    }

    /** The cached key at (layer, pos) from element {@code elemOff}, as floats, into {@code dst[dstOff ..+n)}. */
    void key(int layer, int pos, int elemOff, float[] dst, int dstOff, int n) {
        int block = table[pos / bs];
        int base = (layer * bs + pos % bs) * pool.kvDim + elemOff;
        if (pool.precision == Precision.F16) {
            short[] kk = pool.keys16[block];
            for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(kk[base + i]);
        } else {
            System.arraycopy(pool.keys32[block], base, dst, dstOff, n);
        }
    }

    /** The cached value at (layer, pos) from element {@code elemOff}, as floats, into {@code dst[dstOff ..+n)}. */
    void value(int layer, int pos, int elemOff, float[] dst, int dstOff, int n) {
        int block = table[pos / bs];
        int base = (layer * bs + pos % bs) * pool.kvValueDim + elemOff;
        if (pool.precision == Precision.F16) {
            short[] vv = pool.values16[block];
            for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(vv[base + i]);
        } else {
            System.arraycopy(pool.values32[block], base, dst, dstOff, n);
        }
    }

    /** {@code out[outOff ..] += p * value(layer, pos, element offset)}. */
    void addScaledValue(int layer, int pos, int elemOff, float p, float[] out, int outOff, int n) {
        int block = table[pos / bs];
        int base = (layer * bs + pos % bs) * pool.kvValueDim + elemOff;
        if (pool.precision == Precision.F16) {
            short[] vv = pool.values16[block];
            for (int i = 0; i < n; i++) out[outOff + i] += p * Float.float16ToFloat(vv[base + i]);
        } else {
            float[] vv = pool.values32[block];
            for (int i = 0; i < n; i++) out[outOff + i] += p * vv[base + i];
        }
    }

    /** Bytes of the blocks this sequence references (shared blocks counted in full). */
    public long bytes() {
        return blocks * pool.bytesPerBlock();
    }

    /** Returns every block to the pool; the cache is empty afterwards and may be reused. */
    @Override
    public void close() {
        truncate(0);
    }

    /** Thrown when a sequence needs more positions than its context allows. */
    public static final class ContextOverflowException extends RuntimeException {
        public ContextOverflowException(String message) {
            super(message);
        }
    }

    /** Thrown when the shared KV memory has no free block left. */
    public static final class OutOfBlocksException extends RuntimeException {
        public OutOfBlocksException(String message) {
            super(message);
        }
    }
}
