package io.srm4j.runtime.sampling;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SamplerTest {
    private static float[] randomLogits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (r.nextGaussian() * 2);
        return l;
    }

    private static int[] counts(SamplingParams p, float[] logits, int draws) {
        Sampler s = new Sampler(p);
        int[] c = new int[logits.length];
        for (int i = 0; i < draws; i++) c[s.sample(logits, logits.length, new int[0], 0).id()]++;
        return c;
    }

    /**
     * The log-probability's normaliser (ggml's exp in vector lanes, eight-lane float sums added in double) equals its
     * scalar twin bit for bit, on a vocabulary that is not a multiple of 8, and stays within float rounding of the
     * normaliser in double.
     */
    @Test
    void logprobOverALargeVocabularyEqualsTheScalarTwin() {
        SplittableRandom r = new SplittableRandom(3);
        int vocab = 151_933, offset = 5;
        float[] logits = new float[offset + vocab];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (r.nextGaussian() * 4);
        logits[offset + 77] = -1e30f; // an exponent far below ggml's fast range
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
        double sum = 0, exact = 0;
        float[] lane = new float[8];
        for (int i = 0; i < vocab; i += 8) {
            for (int l = 0; l < 8; l++) lane[l] = i + l < vocab ? io.srm4j.runtime.tensor.GgmlExp.expf(logits[offset + i + l] - max) : 0f;
            sum += io.srm4j.runtime.tensor.ScalarKernels.hsum8(lane);
        }
        for (int i = 0; i < vocab; i++) exact += Math.exp(logits[offset + i] - max);
        float logZ = (float) (max + Math.log(sum));
        SampledToken t = new Sampler(SamplingParams.GREEDY).sample(logits, offset, vocab, new int[0], 0);
        assertEquals(logits[offset + t.id()] - logZ, t.logprob());
        assertEquals(logits[offset + t.id()] - (max + Math.log(exact)), t.logprob(), 1e-5);
    }

    @Test
    void greedyPicksTheArgmax() {
        float[] l = randomLogits(1000, 1);
        int best = 0;
        for (int i = 0; i < l.length; i++) if (l[i] > l[best]) best = i;
        assertEquals(best, new Sampler(SamplingParams.GREEDY).sample(l, l.length, new int[0], 0).id());
        assertEquals(best, new Sampler(SamplingParams.defaults(3).withTopK(1)).sample(l, l.length, new int[0], 0).id());
    }

    /**
     * The vector argmax and maximum equal their scalar twins: ties (the first wins), a maximum in the tail past the last
     * full vector, signed zeros, infinities, NaN (never picked by the scalar pass, so the vector one falls back to it;
     * the maximum is NaN), at offsets and lengths that are not multiples of 8.
     */
    @Test
    void vectorArgmaxAndMaxEqualTheScalarTwins() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + r.nextInt(trial < 200 ? 40 : 3000), off = r.nextInt(5);
            float[] l = new float[off + n + 3];
            int kind = trial % 6;
            for (int i = 0; i < l.length; i++) {
                l[i] = switch (kind) {
                    case 0 -> (float) r.nextGaussian();
                    case 1 -> r.nextInt(4); // many ties
                    case 2 -> r.nextBoolean() ? 0.0f : -0.0f;
                    case 3 -> r.nextInt(10) == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
                    default -> (float) r.nextGaussian();
                };
            }
            if (kind == 4) l[off + r.nextInt(n)] = Float.NaN;
            if (kind == 5) l[off + n - 1] = 100f; // in the tail for most n
            int want = Sampler.argmaxScalar(l, off, n);
            assertEquals(want, Sampler.argmax(l, off, n), "trial " + trial + " n=" + n + " kind " + kind);
            float m = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) m = Math.max(m, l[off + i]);
            assertEquals(Float.floatToRawIntBits(m), Float.floatToRawIntBits(Sampler.max(l, off, n)), "trial " + trial);
        }
        float[] allNegInf = new float[37];
        java.util.Arrays.fill(allNegInf, Float.NEGATIVE_INFINITY);
        assertEquals(0, Sampler.argmax(allNegInf, 0, 37));
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        float[] l = randomLogits(500, 2);
        SamplingParams p = SamplingParams.defaults(42).withTemperature(1.5f).withTopK(0).withTopP(1f).withMinP(0f);
        Sampler a = new Sampler(p), b = new Sampler(p), c = new Sampler(p.withSeed(43));
        int differ = 0;
        for (int i = 0; i < 200; i++) {
            int x = a.sample(l, l.length, new int[0], 0).id();
            assertEquals(x, b.sample(l, l.length, new int[0], 0).id());
            if (x != c.sample(l, l.length, new int[0], 0).id()) differ++;
        }
        assertTrue(differ > 50, "another seed should give another stream, differed " + differ);
    }

    @Test
    void drawsFollowTheSoftmaxAtTemperature() {
        float[] l = {2f, 1f, 0f, -1f};
        float temperature = 0.7f;
        SamplingParams p = new SamplingParams(temperature, 0, 1f, 0f, 1f, 0f, 0f, 64, 7, 0);
        int draws = 200_000;
        int[] c = counts(p, l, draws);
        double z = 0;
        for (float x : l) z += Math.exp(x / temperature);
        for (int i = 0; i < l.length; i++) {
            double expected = Math.exp(l[i] / temperature) / z;
            double sd = Math.sqrt(expected * (1 - expected) / draws);
            assertEquals(expected, c[i] / (double) draws, 5 * sd + 1e-4, "token " + i);
        }
    }

    @Test
    void topKTopPAndMinPLimitTheSupport() {
        float[] l = {3f, 2.9f, 2f, 0f, -5f, -6f};
        int[] topK = counts(new SamplingParams(1f, 2, 1f, 0f, 1f, 0f, 0f, 64, 1, 0), l, 5000);
        assertEquals(0, topK[2] + topK[3] + topK[4] + topK[5]);
        assertTrue(topK[0] > 0 && topK[1] > 0);
        // probabilities (T=1): ~0.47, 0.42, 0.17 ... top-p 0.8 keeps the first two
        int[] topP = counts(new SamplingParams(1f, 0, 0.8f, 0f, 1f, 0f, 0f, 64, 1, 0), l, 5000);
        assertEquals(0, topP[2] + topP[3] + topP[4] + topP[5]);
        // min-p 0.3: keep tokens with p >= 0.3 p_max, i.e. logit >= 3 + ln 0.3 = 1.80
        int[] minP = counts(new SamplingParams(1f, 0, 1f, 0.3f, 1f, 0f, 0f, 64, 1, 0), l, 5000);
        assertTrue(minP[2] > 0);
        assertEquals(0, minP[3] + minP[4] + minP[5]);
    }

    @Test
    void penaltiesFollowLlamaCppFormula() {
        float[] l = {2f, 1.9f, -1f};
        int[] history = {0, 0, 2};
        // repetition 2: token 0 -> 1.0 (positive divided), token 2 -> -2 (negative multiplied); greedy now picks 1
        SamplingParams rep = SamplingParams.GREEDY.withPenalties(2f, 0f, 0f, 64);
        assertEquals(1, new Sampler(rep).sample(l, 3, history, 3).id());
        // frequency 0.06 × count 2 = 0.12 > 0.1 gap: picks 1; presence alone (0.05) does not
        assertEquals(1, new Sampler(SamplingParams.GREEDY.withPenalties(1f, 0f, 0.06f, 64)).sample(l, 3, history, 3).id());
        assertEquals(0, new Sampler(SamplingParams.GREEDY.withPenalties(1f, 0.05f, 0f, 64)).sample(l, 3, history, 3).id());
        // the window excludes old tokens
        assertEquals(0, new Sampler(SamplingParams.GREEDY.withPenalties(2f, 0f, 0f, 1)).sample(l, 3, history, 3).id());
    }

    @Test
    void logprobsAreThoseOfTheRawDistribution() {
        float[] l = randomLogits(300, 9);
        SampledToken t = new Sampler(SamplingParams.GREEDY.withTopLogprobs(5)).sample(l, l.length, new int[0], 0);
        double z = 0;
        for (float x : l) z += Math.exp(x);
        assertEquals(l[t.id()] - Math.log(z), t.logprob(), 1e-4);
        assertEquals(5, t.top().size());
        assertEquals(t.id(), t.top().get(0).id());
        for (int i = 1; i < 5; i++) assertTrue(t.top().get(i - 1).logprob() >= t.top().get(i).logprob());
        double total = 0;
        for (float x : l) total += Math.exp(x - Math.log(z));
        assertEquals(1.0, total, 1e-6);
    }

    @Test
    void logitsAtAnOffsetSampleAsTheirOwnArray() {
        float[] row = randomLogits(200, 13);
        float[] packed = new float[3 * 200]; // the batch engine hands rows of a packed buffer
        System.arraycopy(row, 0, packed, 200, 200);
        for (SamplingParams p : new SamplingParams[]{SamplingParams.GREEDY.withTopLogprobs(4), SamplingParams.defaults(3).withTopLogprobs(4)}) {
            SampledToken alone = new Sampler(p).sample(row, 200, new int[0], 0);
            SampledToken inBatch = new Sampler(p).sample(packed, 200, 200, new int[0], 0);
            assertEquals(alone, inBatch);
        }
    }

    /**
     * topK and sortDescending against their plain twin, a comparator sort of every index: larger first by
     * Float.compare (NaN above all, -0 below +0), ties to the lower index; logits with many ties, signed zeros,
     * infinities and NaN, k from 1 to past the vocabulary, offsets into a longer array.
     */
    @Test
    void topKAndSortFollowOneTotalOrder() {
        java.util.Random r = new java.util.Random(12);
        for (int trial = 0; trial < 60; trial++) {
            int n = 1 + r.nextInt(trial < 30 ? 40 : 3000), offset = r.nextInt(5);
            float[] l = new float[offset + n + 3];
            for (int i = 0; i < l.length; i++) {
                l[i] = switch (r.nextInt(10)) {
                    case 0 -> r.nextInt(4); // ties
                    case 1 -> r.nextBoolean() ? 0f : -0f;
                    case 2 -> trial % 3 == 0 ? Float.NaN : 1f;
                    case 3 -> r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                    default -> (float) r.nextGaussian() * 5;
                };
            }
            Integer[] all = new Integer[n];
            for (int i = 0; i < n; i++) all[i] = i;
            java.util.Arrays.sort(all, (a, b) -> {
                int c = Float.compare(l[offset + b], l[offset + a]);
                return c != 0 ? c : Integer.compare(a, b);
            });
            for (int k : new int[] {1, 2, 7, 40, n, n + 5}) {
                int[] got = new int[Math.min(k, n)];
                Sampler.topK(l, offset, n, k, got);
                for (int i = 0; i < got.length; i++) assertEquals((int) all[i], got[i], "trial " + trial + " n " + n + " k " + k + " place " + i);
            }
            float[] shifted = java.util.Arrays.copyOfRange(l, offset, offset + n);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) idx[n - 1 - i] = i;
            Sampler.sortDescending(shifted, idx, n);
            for (int i = 0; i < n; i++) assertEquals((int) all[i], idx[i], "sorted, trial " + trial + " place " + i);
        }
    }

    @Test
    void invalidParametersAreRejectedClearly() {
        var e = assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-1f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0, 0));
        assertTrue(e.getMessage().contains("temperature"));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.GREEDY.withTopP(0f));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.GREEDY.withTopP(Float.NaN));
    }
}
