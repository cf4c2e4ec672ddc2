package io.srm4j.runtime.model;

import java.util.Arrays;

/**
 * Keys and values of one sequence, per layer. By default stored as IEEE half floats as llama.cpp does
 * (half the memory of F32, and the same rounding, which keeps greedy decoding in step with llama.cpp);
 * F32 storage serves exact comparisons with float references.
 * Grows on demand up to {@code maxPositions}; a full cache is a clear error, never silent truncation.
 */
public final class KvCache {
    /** Storage precision of cached keys and values. */
    public enum Precision { F16, F32 }

    private final Precision precision;
    private final int layers;
    private final int kvDim;
    private final int kvValueDim;
    private final int maxPositions;
    private short[][] keys, values;        // F16
    private float[][] keysF32, valuesF32;  // F32
    private int capacity;
    private int length;

    public KvCache(ModelConfig c, int maxPositions) {
        this(c, maxPositions, Precision.F16);
    }

    public KvCache(ModelConfig c, int maxPositions, Precision precision) {
        this.precision = precision;
        if (maxPositions <= 0) throw new IllegalArgumentException("context size must be positive: " + maxPositions);
        this.layers = c.layers();
        this.kvDim = c.kvDim();
        this.kvValueDim = c.kvValueDim();
        this.maxPositions = maxPositions;
        if (precision == Precision.F16) {
            keys = new short[layers][];
            values = new short[layers][];
        } else {
            keysF32 = new float[layers][];
            valuesF32 = new float[layers][];
        }
        ensureCapacity(Math.min(maxPositions, 256));
    }

    /** Number of positions filled. */
    public int length() {
        return length;
    }

    public int maxPositions() {
        return maxPositions;
    }

    /** Forgets positions from {@code newLength} on (e.g. to reuse a prompt prefix). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) throw new IllegalArgumentException("cannot truncate " + length + " positions to " + newLength);
        length = newLength;
    }

    /** Reserves room for {@code n} more positions; fails clearly when the context would overflow. */
    void reserve(int n) {
        if ((long) length + n > maxPositions) {
            throw new ContextOverflowException("context is full: " + length + " positions used, " + n + " more needed, limit " + maxPositions);
        }
        if (length + n > capacity) ensureCapacity(Math.min(maxPositions, Math.max(length + n, capacity * 2)));
    }

    void advance(int n) {
        length += n;
    }

    private void ensureCapacity(int positions) {
        for (int l = 0; l < layers; l++) {
            if (precision == Precision.F16) {
                keys[l] = keys[l] == null ? new short[positions * kvDim] : Arrays.copyOf(keys[l], positions * kvDim);
                values[l] = values[l] == null ? new short[positions * kvValueDim] : Arrays.copyOf(values[l], positions * kvValueDim);
            } else {
                keysF32[l] = keysF32[l] == null ? new float[positions * kvDim] : Arrays.copyOf(keysF32[l], positions * kvDim);
                valuesF32[l] = valuesF32[l] == null ? new float[positions * kvValueDim] : Arrays.copyOf(valuesF32[l], positions * kvValueDim);
            }
        }
        capacity = positions;
    }

    public Precision precision() {
        return precision;
    }

    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int kb = pos * kvDim, vb = pos * kvValueDim;
        if (precision == Precision.F16) {
            short[] kk = keys[layer], vv = values[layer];
            for (int i = 0; i < kvDim; i++) kk[kb + i] = Float.floatToFloat16(k[kOff + i]);
            for (int i = 0; i < kvValueDim; i++) vv[vb + i] = Float.floatToFloat16(v[vOff + i]);
        } else {
            System.arraycopy(k, kOff, keysF32[layer], kb, kvDim);
            System.arraycopy(v, vOff, valuesF32[layer], vb, kvValueDim);
        }
    }

    /** Dot product of {@code q[qOff .. qOff+n)} with the cached key at (layer, pos, element offset). */
    float keyDot(int layer, int pos, int elemOff, float[] q, int qOff, int n) {
        int base = pos * kvDim + elemOff;
        float dot = 0;
        if (precision == Precision.F16) {
            short[] kk = keys[layer];
            for (int i = 0; i < n; i++) dot += q[qOff + i] * Float.float16ToFloat(kk[base + i]);
        } else {
            float[] kk = keysF32[layer];
            for (int i = 0; i < n; i++) dot += q[qOff + i] * kk[base + i];
        }
        return dot;
    }

    /** {@code out[outOff ..] += p * value(layer, pos, element offset)}. */
    void addScaledValue(int layer, int pos, int elemOff, float p, float[] out, int outOff, int n) {
        int base = pos * kvValueDim + elemOff;
        if (precision == Precision.F16) {
            short[] vv = values[layer];
            for (int i = 0; i < n; i++) out[outOff + i] += p * Float.float16ToFloat(vv[base + i]);
        } else {
            float[] vv = valuesF32[layer];
            for (int i = 0; i < n; i++) out[outOff + i] += p * vv[base + i];
        }
    }

    /** Bytes held by this cache. */
    public long bytes() {
        return (precision == Precision.F16 ? 2L : 4L) * layers * capacity * (kvDim + kvValueDim);
    }

    /** Thrown when a sequence needs more positions than its context allows. */
    public static final class ContextOverflowException extends RuntimeException {
        public ContextOverflowException(String message) {
            super(message);
        }
    }
}
