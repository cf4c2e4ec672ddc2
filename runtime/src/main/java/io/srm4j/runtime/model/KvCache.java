package io.srm4j.runtime.model;

import io.srm4j.runtime.tensor.GgmlOrderDots;
import io.srm4j.runtime.tensor.VectorKernels;

import java.util.Arrays;

/**
 * The keys and values of one sequence: a table of blocks from a {@link KvBlockPool}. By default stored as IEEE half
 * floats as llama.cpp does (half the memory of F32, and the same rounding, which keeps greedy decoding in step with
 * llama.cpp); F32 storage serves exact comparisons with float references; Q8_0 (llama.cpp's {@code --cache-type-k
 * q8_0}) stores 8-bit blocks with an f16 scale per 32 values, 47% less memory than F16, for long reasoning traces
 * and many parallel samples.
 *
 * <p>{@link #fork()} makes a sequence that shares every block (copy-on-write): N samples of one prompt hold the
 * prompt's cache once, and step-level search forks partial solutions cheaply. A sequence may not grow past
 * {@code maxPositions} ({@link ContextOverflowException}) nor past what the pool holds ({@link OutOfBlocksException});
 * both are clear errors, never silent truncation. Close a cache to return its blocks.
 */
public final class KvCache implements AutoCloseable {
    /** Storage precision of cached keys and values. */
    public enum Precision { F16, F32, Q8_0 }

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

    /**
     * Leading positions whose blocks this cache shares with {@code other}: the same storage in the same pool, so the
     * same keys and values (a shared block is copied before either side writes to it).
     */
    int sharedPositions(KvCache other) {
        if (other.pool != pool) return 0;
        int k = 0, limit = Math.min(blocks, other.blocks);
        while (k < limit && table[k] == other.table[k]) k++;
        return k * bs;
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
        switch (pool.precision) {
            case F16 -> {
                short[] kk = pool.keys16[block], vv = pool.values16[block];
                boolean nonFinite = false;
                for (int i = 0; i < pool.kvDim; i++) {
                    short h = Float.floatToFloat16(k[kOff + i]);
                    kk[kb + i] = h;
                    nonFinite |= (h & 0x7C00) == 0x7C00;
                }
                for (int i = 0; i < pool.kvValueDim; i++) {
                    short h = Float.floatToFloat16(v[vOff + i]);
                    vv[vb + i] = h;
                    nonFinite |= (h & 0x7C00) == 0x7C00;
                }
                if (nonFinite) pool.nonFinite[block] = true;
            }
            case F32 -> {
                System.arraycopy(k, kOff, pool.keys32[block], kb, pool.kvDim);
                System.arraycopy(v, vOff, pool.values32[block], vb, pool.kvValueDim);
            }
            case Q8_0 -> {
                for (int i = 0; i < pool.kvDim; i += 32) pool.keyScales[block][(kb + i) / 32] = quantizeQ8_0(k, kOff + i, pool.keys8[block], kb + i);
                for (int i = 0; i < pool.kvValueDim; i += 32) pool.valueScales[block][(vb + i) / 32] = quantizeQ8_0(v, vOff + i, pool.values8[block], vb + i);
            }
        }
    }

    /**
     * One 32-element Q8_0 block as ggml's x86 quantize_row_q8_0 writes it: scale amax/127 stored as f16, multiplier
     * 127/amax, round half to even. Returns the scale's f16 bits.
     */
    static short quantizeQ8_0(float[] x, int xo, byte[] q, int qo) {
        float amax = absMax32(x, xo), id = amax != 0 ? 127.f / amax : 0.f;
        for (int j = 0; j < 32; j++) q[qo + j] = (byte) Math.rint(x[xo + j] * id);
        return Float.floatToFloat16(amax / 127.f);
    }

    /** {@link #quantizeQ8_0} leaving the quants as floats; returns the scale as ggml uses it (f16-rounded). */
    private static float quantizeQ8_0AsFloats(float[] x, int xo, float[] q, int qo) {
        float amax = absMax32(x, xo), id = amax != 0 ? 127.f / amax : 0.f;
        for (int j = 0; j < 32; j++) q[qo + j] = (float) Math.rint(x[xo + j] * id);
        return Float.float16ToFloat(Float.floatToFloat16(amax / 127.f));
    }

    private static float absMax32(float[] x, int xo) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        return amax;
    }

    /** Floats of scratch that {@link #keyScores} and {@link #addValues} need for {@code group} query heads. */
    public static int workLength(ModelConfig c, int group) {
        int hd = Math.max(c.headDim(), c.valueDim());
        return group * hd + hd + group * (hd / 32 + 1);
    }

    /**
     * Attention scores of the {@code group} query heads that share key head {@code kvHead}, over positions
     * {@code t < n}: {@code scores[g * stride + t] = scale * (q_g · key(layer, t))}, with q_g at
     * {@code q[qOff + g * headDim]}. The query is prepared as llama.cpp multiplies it with a cache of this type:
     * rounded to f16 for F16 keys, quantised to Q8_0 for Q8_0 keys (integer block sums). Each cached key is converted
     * once for the whole group. {@code work} holds at least {@link #workLength} floats.
     */
    void keyScores(int layer, int n, int kvHead, float[] q, int qOff, int group, float scale, float[] scores, int stride, float[] work) {
        keyScores(layer, n, kvHead, q, qOff, group, scale, scores, stride, work, false);
    }

    /** The plain scalar twin of {@link #keyScores}: the same prepared query, products summed in element order. */
    void keyScoresReference(int layer, int n, int kvHead, float[] q, int qOff, int group, float scale, float[] scores, int stride, float[] work) {
        keyScores(layer, n, kvHead, q, qOff, group, scale, scores, stride, work, true);
    }

    private void keyScores(int layer, int n, int kvHead, float[] q, int qOff, int group, float scale, float[] scores, int stride,
                           float[] work, boolean scalar) {
        int hd = pool.headDim, blocks = hd / 32;
        int keyRow = group * hd, qScales = keyRow + hd; // work: [prepared queries][one key row][query scales]
        for (int g = 0; g < group; g++) {
            int src = qOff + g * hd, dst = g * hd;
            switch (pool.precision) {
                case F32 -> System.arraycopy(q, src, work, dst, hd);
                case F16 -> {
                    for (int i = 0; i < hd; i++) work[dst + i] = Float.float16ToFloat(Float.floatToFloat16(q[src + i]));
                }
                case Q8_0 -> {
                    for (int b = 0; b < blocks; b++) work[qScales + g * blocks + b] = quantizeQ8_0AsFloats(q, src + 32 * b, work, dst + 32 * b);
                }
            }
        }
        for (int t = 0; t < n; t++) {
            int block = table[t / bs];
            int base = (layer * bs + t % bs) * pool.kvDim + kvHead * hd;
            float[] key;
            int ko;
            switch (pool.precision) {
                case F32 -> {
                    key = pool.keys32[block];
                    ko = base;
                }
                case F16 -> {
                    short[] kk = pool.keys16[block];
                    for (int i = 0; i < hd; i++) work[keyRow + i] = Float.float16ToFloat(kk[base + i]);
                    key = work;
                    ko = keyRow;
                }
                default -> { // Q8_0: the quants as exact integer-valued floats; scales applied per block below
                    byte[] kk = pool.keys8[block];
                    for (int i = 0; i < hd; i++) work[keyRow + i] = kk[base + i];
                    key = work;
                    ko = keyRow;
                }
            }
            for (int g = 0; g < group; g++) {
                float dot;
                if (pool.precision == Precision.Q8_0) {
                    // 8-bit products and their 32-element sums are exact in float, in any order: as ggml's
                    // integer dot product, scaled and summed block by block.
                    short[] ks = pool.keyScales[block];
                    dot = 0;
                    for (int b = 0; b < blocks; b++) {
                        float sumi = scalar ? scalarDot(key, ko + 32 * b, work, g * hd + 32 * b, 32)
                                : VectorKernels.dot(key, ko + 32 * b, work, g * hd + 32 * b, 32);
                        dot += sumi * (Float.float16ToFloat(ks[base / 32 + b]) * work[qScales + g * blocks + b]);
                    }
                } else {
                    dot = scalar ? scalarDot(key, ko, work, g * hd, hd) : VectorKernels.dot(key, ko, work, g * hd, hd);
                }
                scores[g * stride + t] = dot * scale;
            }
        }
    }

    private static float scalarDot(float[] a, int ao, float[] b, int bo, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /**
     * {@code out[outOff + g * valueDim + i] += Σ_t probs[g * stride + t] · value(layer, t)[i]} for the {@code group}
     * query heads sharing value head {@code kvHead}: positions in order, one fused multiply-add each, every cached
     * value converted once for the whole group.
     */
    void addValues(int layer, int n, int kvHead, float[] probs, int stride, int group, float[] out, int outOff, float[] work) {
        addValues(layer, n, kvHead, probs, stride, group, out, outOff, work, false);
    }

    /** The plain scalar twin of {@link #addValues} (bit-identical: the same fused multiply-adds in the same order). */
    void addValuesReference(int layer, int n, int kvHead, float[] probs, int stride, int group, float[] out, int outOff, float[] work) {
        addValues(layer, n, kvHead, probs, stride, group, out, outOff, work, true);
    }

    private void addValues(int layer, int n, int kvHead, float[] probs, int stride, int group, float[] out, int outOff, float[] work,
                           boolean scalar) {
        int vd = pool.valueDim;
        for (int t = 0; t < n; t++) {
            int block = table[t / bs];
            int base = (layer * bs + t % bs) * pool.kvValueDim + kvHead * vd;
            float[] value;
            int vo;
            switch (pool.precision) {
                case F32 -> {
                    value = pool.values32[block];
                    vo = base;
                }
                case F16 -> {
                    short[] vv = pool.values16[block];
                    for (int i = 0; i < vd; i++) work[i] = Float.float16ToFloat(vv[base + i]);
                    value = work;
                    vo = 0;
                }
                default -> {
                    byte[] vv = pool.values8[block];
                    short[] vs = pool.valueScales[block];
                    for (int i = 0; i < vd; i++) work[i] = vv[base + i] * Float.float16ToFloat(vs[(base + i) / 32]);
                    value = work;
                    vo = 0;
                }
            }
            for (int g = 0; g < group; g++) {
                float p = probs[g * stride + t];
                int o = outOff + g * vd;
                if (scalar) {
                    for (int i = 0; i < vd; i++) out[o + i] = Math.fma(p, value[vo + i], out[o + i]);
                } else {
                    VectorKernels.axpy(p, value, vo, out, o, vd);
                }
            }
        }
    }

    /**
     * Whether positions {@code [0, n)} of an F16 cache hold only finite keys and values, so the decode kernels may
     * read the halves in place ({@link #keyScoresF16}, {@link #valueRowsF16}).
     */
    boolean finiteF16(int n) {
        if (pool.precision != Precision.F16) return false;
        for (int b = 0, end = (n + bs - 1) / bs; b < end; b++) if (pool.nonFinite[table[b]]) return false;
        return true;
    }

    /**
     * F16 attention scores of a decode step read from the cached halves in place: {@code scores[g * stride + t] =
     * scale * vecDotF16(key(layer, t), q_g)} for the {@code group} heads of key head {@code kvHead} and {@code t < n},
     * bit for bit the scores from converted keys ({@link GgmlOrderDots#vecDotF16HalfRows}); {@code q} holds the heads'
     * F16-rounded queries times {@link GgmlOrderDots#HALF_BITS_SCALE}, {@code headDim} apart. Needs {@link #finiteF16}.
     */
    void keyScoresF16(int layer, int n, int kvHead, float[] q, int qOff, int group, float scale, float[] scores, int stride) {
        int hd = pool.headDim, dim = pool.kvDim;
        for (int t0 = 0; t0 < n; t0 += bs) {
            int count = Math.min(bs, n - t0);
            GgmlOrderDots.vecDotF16HalfRows(pool.keys16[table[t0 / bs]], layer * bs * dim + kvHead * hd, dim, count, q, qOff, hd, group, scale,
                    scores, t0, stride);
        }
    }

    /**
     * Where the F16 values of positions {@code t < n} of (layer, kvHead) lie: {@code rows[t]} from {@code offsets[t]}
     * (for {@link GgmlOrderDots#vecDotF16HalfColumns}). Needs {@link #finiteF16}.
     */
    void valueRowsF16(int layer, int n, int kvHead, short[][] rows, int[] offsets) {
        int vd = pool.valueDim, dim = pool.kvValueDim;
        for (int t = 0; t < n; t++) {
            rows[t] = pool.values16[table[t / bs]];
            offsets[t] = (layer * bs + t % bs) * dim + kvHead * vd;
        }
    }

    /**
     * The cached keys at (layer, positions {@code from..to-1}) from element {@code elemOff}, as floats, position t
     * into {@code dst[dstOff + (t - from) * n ..+n)}, converted eight at a time ({@link VectorKernels#f16ToF32}).
     */
    void keys(int layer, int from, int to, int elemOff, float[] dst, int dstOff, int n) {
        rows(true, layer, from, to, elemOff, dst, dstOff, n);
    }

    /** As {@link #keys}, for the values. */
    void values(int layer, int from, int to, int elemOff, float[] dst, int dstOff, int n) {
        rows(false, layer, from, to, elemOff, dst, dstOff, n);
    }

    private void rows(boolean keys, int layer, int from, int to, int elemOff, float[] dst, int dstOff, int n) {
        if (pool.precision == Precision.Q8_0) throw new IllegalStateException("Q8_0 keys and values are read by keyScores and addValues");
        int dim = keys ? pool.kvDim : pool.kvValueDim;
        for (int pos = from; pos < to; ) {
            int block = table[pos / bs], end = Math.min(to, (pos / bs + 1) * bs);
            if (pool.precision == Precision.F16) {
                short[] src = keys ? pool.keys16[block] : pool.values16[block];
                for (; pos < end; pos++, dstOff += n) VectorKernels.f16ToF32(src, (layer * bs + pos % bs) * dim + elemOff, dst, dstOff, n);
            } else {
                float[] src = keys ? pool.keys32[block] : pool.values32[block];
                for (; pos < end; pos++, dstOff += n) System.arraycopy(src, (layer * bs + pos % bs) * dim + elemOff, dst, dstOff, n);
            }
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
