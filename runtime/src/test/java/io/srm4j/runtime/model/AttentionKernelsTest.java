package io.srm4j.runtime.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The vector attention kernels of {@link KvCache} against their scalar twins, and the Q8_0 cache's arithmetic. */
class AttentionKernelsTest {

    static ModelConfig config(int heads, int kvHeads, int headDim) {
        return new ModelConfig("llama", heads * headDim, 2, heads, kvHeads, headDim, headDim, 4 * heads * headDim, 4096, 100,
                1e-5f, 10000f, headDim, false, RopeScaling.NONE);
    }

    /** A cache holding {@code n} random positions in every layer. */
    static KvCache filled(ModelConfig c, KvCache.Precision p, int n, long seed) {
        KvCache cache = new KvCache(c, n + 3, p);
        SplittableRandom r = new SplittableRandom(seed);
        cache.reserve(n);
        float[] k = new float[c.kvDim()], v = new float[c.kvValueDim()];
        for (int layer = 0; layer < c.layers(); layer++) {
            for (int t = 0; t < n; t++) {
                for (int i = 0; i < k.length; i++) k[i] = (float) r.nextGaussian() * 2;
                for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
                cache.store(layer, t, k, 0, v, 0);
            }
        }
        cache.advance(n);
        return cache;
    }

    static Stream<Arguments> shapes() {
        return Stream.of(KvCache.Precision.values()).flatMap(p -> Stream.of(
                Arguments.of(p, 4, 2, 64, 1), Arguments.of(p, 14, 2, 64, 37), Arguments.of(p, 8, 8, 32, 17),
                Arguments.of(p, 16, 2, 128, 70), Arguments.of(p, 6, 3, 96, 5)));
    }

    @ParameterizedTest(name = "{0} heads {1}/{2} dim {3} positions {4}")
    @MethodSource("shapes")
    void vectorKernelsMatchTheirScalarTwins(KvCache.Precision p, int heads, int kvHeads, int hd, int n) {
        ModelConfig c = config(heads, kvHeads, hd);
        int group = heads / kvHeads;
        try (KvCache cache = filled(c, p, n, 7 + n)) {
            SplittableRandom r = new SplittableRandom(n);
            float[] q = new float[c.queryDim() + 5];
            for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
            float[] work = new float[KvCache.workLength(c, group)];
            for (int layer = 0; layer < c.layers(); layer++) {
                for (int kvh = 0; kvh < kvHeads; kvh++) {
                    float[] fast = new float[group * n + 3], slow = new float[group * n + 3];
                    cache.keyScores(layer, n, kvh, q, kvh * group * hd, group, 0.125f, fast, n, work);
                    cache.keyScoresReference(layer, n, kvh, q, kvh * group * hd, group, 0.125f, slow, n, work);
                    for (int i = 0; i < group * n; i++) {
                        if (p == KvCache.Precision.Q8_0) {
                            // integer block sums are exact in any order: the same bits
                            assertEquals(slow[i], fast[i], 0f, "Q8_0 score " + i);
                        } else {
                            assertEquals(slow[i], fast[i], 1e-5f * (1 + Math.abs(slow[i])) * hd, p + " score " + i);
                        }
                    }
                    float[] probs = new float[group * n];
                    for (int i = 0; i < probs.length; i++) probs[i] = (float) r.nextDouble();
                    float[] outFast = new float[group * hd + 2], outSlow = new float[group * hd + 2];
                    cache.addValues(layer, n, kvh, probs, n, group, outFast, 1, work);
                    cache.addValuesReference(layer, n, kvh, probs, n, group, outSlow, 1, work);
                    assertArrayEquals(outSlow, outFast, "values are accumulated with the same fused multiply-adds");
                }
            }
        }
    }

    /**
     * A decode step reading the F16 cache in place (scores and value product, blocks of 16 positions) gives the bits of
     * the same step over the cache converted to floats, for GQA groups of one to seven heads of 32 to 128.
     */
    @ParameterizedTest(name = "heads {0}/{1} dim {2} positions {3}")
    @org.junit.jupiter.params.provider.CsvSource({"4,2,64,1", "14,2,64,37", "8,8,32,17", "16,8,128,70", "12,2,128,33"})
    void f16CacheReadInPlaceMatchesConvertedRows(int heads, int kvHeads, int hd, int n) {
        ModelConfig c = config(heads, kvHeads, hd);
        int group = heads / kvHeads, padded = (n + 31) & ~31;
        float scale = 0.125f;
        try (KvCache cache = filled(c, KvCache.Precision.F16, n, 3 + n)) {
            assertTrue(cache.finiteF16(n));
            SplittableRandom r = new SplittableRandom(n);
            float[] q = new float[group * hd], qScaled = new float[group * hd];
            for (int i = 0; i < q.length; i++) {
                q[i] = Float.float16ToFloat(Float.floatToFloat16((float) r.nextGaussian()));
                qScaled[i] = q[i] * io.srm4j.runtime.tensor.GgmlOrderDots.HALF_BITS_SCALE;
            }
            float[] keys = new float[n * hd], values = new float[padded * hd], acc = new float[32 * hd];
            short[][] rows = new short[n][];
            int[] offsets = new int[n];
            for (int layer = 0; layer < c.layers(); layer++) {
                for (int kvh = 0; kvh < kvHeads; kvh++) {
                    cache.keys(layer, 0, n, kvh * hd, keys, 0, hd);
                    cache.values(layer, 0, n, kvh * hd, values, 0, hd);
                    float[] got = new float[group * padded];
                    cache.keyScoresF16(layer, n, kvh, qScaled, 0, group, scale, got, padded);
                    cache.valueRowsF16(layer, n, kvh, rows, offsets);
                    for (int g = 0; g < group; g++) {
                        float[] want = new float[n];
                        io.srm4j.runtime.tensor.GgmlOrderDots.vecDotF16Rows(keys, 0, n, q, g * hd, hd, scale, want, 0);
                        for (int t = 0; t < n; t++) {
                            assertEquals(Float.floatToRawIntBits(want[t]), Float.floatToRawIntBits(got[g * padded + t]), "layer " + layer + " head " + g + " score " + t);
                        }
                        float[] p = new float[padded], pScaled = new float[padded];
                        for (int t = 0; t < n; t++) {
                            p[t] = Float.float16ToFloat(Float.floatToFloat16((float) r.nextDouble()));
                            pScaled[t] = p[t] * io.srm4j.runtime.tensor.GgmlOrderDots.HALF_BITS_SCALE;
                        }
                        float[] outWant = new float[hd], outGot = new float[hd];
                        io.srm4j.runtime.tensor.GgmlOrderDots.vecDotF16Columns(values, 0, hd, p, 0, padded, outWant, 0, acc);
                        io.srm4j.runtime.tensor.GgmlOrderDots.vecDotF16HalfColumns(rows, offsets, n, padded, hd, 1, pScaled, 0, padded, outGot, 0, new float[64 * hd]);
                        for (int i = 0; i < hd; i++) {
                            assertEquals(Float.floatToRawIntBits(outWant[i]), Float.floatToRawIntBits(outGot[i]), "layer " + layer + " head " + g + " value " + i);
                        }
                    }
                }
            }
        }
    }

    /**
     * The in-place F16 kernels are exact for finite halves alone: a block that was ever given an infinite or NaN key or
     * value sends its sequences to the converting path, forks and their copies included, until the block is reused.
     */
    @Test
    void aNonFiniteValueTurnsTheInPlaceF16PathOff() {
        ModelConfig c = config(4, 2, 64);
        KvBlockPool pool = new KvBlockPool(c, KvCache.Precision.F16, 8, 4);
        KvCache a = new KvCache(pool, 32);
        float[] k = new float[c.kvDim()], v = new float[c.kvValueDim()];
        a.reserve(6);
        for (int t = 0; t < 6; t++) a.store(0, t, k, 0, v, 0);
        a.advance(6);
        assertTrue(a.finiteF16(6));
        KvCache b = a.fork();
        b.reserve(1);
        v[3] = Float.NaN; // position 6: the shared second block is copied for b, then marked
        b.store(1, 6, k, 0, v, 0);
        b.advance(1);
        assertFalse(b.finiteF16(7), "NaN value");
        assertTrue(b.finiteF16(4), "the first block holds no NaN");
        assertTrue(a.finiteF16(6), "the fork's copy, not the shared block, holds the NaN");
        KvCache c2 = b.fork();
        assertFalse(c2.finiteF16(7), "a fork of a marked block");
        c2.close();
        b.close();
        a.truncate(4);
        a.reserve(3); // a new block for positions 4..6, possibly the one b held: unmarked
        k[0] = Float.POSITIVE_INFINITY;
        v[3] = 0;
        a.store(0, 4, new float[c.kvDim()], 0, v, 0);
        a.advance(1);
        assertTrue(a.finiteF16(5));
        a.store(0, 5, k, 0, v, 0);
        a.advance(1);
        assertFalse(a.finiteF16(6), "infinite key");
        KvCache f32 = new KvCache(c, 8, KvCache.Precision.F32);
        assertFalse(f32.finiteF16(0), "an F32 cache is not read as halves");
    }

    @Test
    void q8CacheStaysCloseToExactAttentionAndUsesLessMemory() {
        ModelConfig c = config(8, 2, 64);
        int n = 50, group = 4;
        KvCache exact = filled(c, KvCache.Precision.F32, n, 3), q8 = filled(c, KvCache.Precision.Q8_0, n, 3);
        SplittableRandom r = new SplittableRandom(1);
        float[] q = new float[c.queryDim()];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        float[] work = new float[KvCache.workLength(c, group)];
        float[] a = new float[group * n], b = new float[group * n];
        exact.keyScores(1, n, 1, q, group * 64, group, 1f, a, n, work);
        q8.keyScores(1, n, 1, q, group * 64, group, 1f, b, n, work);
        double maxErr = 0, maxAbs = 0;
        for (int i = 0; i < a.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(a[i] - b[i]));
            maxAbs = Math.max(maxAbs, Math.abs(a[i]));
        }
        // 8-bit keys and queries: errors of a few per cent of the largest score at most
        assertTrue(maxErr < 0.03 * maxAbs, "Q8_0 scores off by " + maxErr + " of " + maxAbs);
        assertTrue(maxErr > 0, "Q8_0 really rounds");
        long f16 = KvBlockPool.bytesPerBlock(c, KvCache.Precision.F16, 16), q8b = KvBlockPool.bytesPerBlock(c, KvCache.Precision.Q8_0, 16);
        assertEquals(34.0 / 64, (double) q8b / f16, 1e-9, "34 bytes per 32 values instead of 64");
        exact.close();
        q8.close();
    }

    @Test
    void q8CacheRefusesHeadsThatAreNotWholeBlocks() {
        var e = assertThrows(IllegalArgumentException.class, () -> new KvCache(config(8, 8, 8), 16, KvCache.Precision.Q8_0));
        assertTrue(e.getMessage().contains("divisible by 32"), e.getMessage());
    }
}
