package io.srm4j.runtime.sampling;

import io.srm4j.runtime.tensor.GgmlExp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Chooses tokens from logits. One sampler serves one sequence: it owns the seeded random stream, so the same seed,
 * model and prompt give the same text.
 */
public final class Sampler {
    private final SamplingParams p;
    private final SplittableRandom random;
    private int[] order = new int[0];
    private float[] work = new float[0];
    private final float[] lanes = new float[8];
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    public Sampler(SamplingParams params) {
        this.p = params;
        this.random = new SplittableRandom(params.seed());
    }

    public SamplingParams params() {
        return p;
    }

    /**
     * Picks the next token. {@code history} holds the tokens so far (prompt and generated) for the penalties;
     * {@code logits} is not modified.
     */
    public SampledToken sample(float[] logits, int vocab, int[] history, int historyLength) {
        return sample(logits, 0, vocab, history, historyLength);
    }

    /** As {@link #sample(float[], int, int[], int)} for logits at {@code logits[offset .. offset + vocab)}. */
    public SampledToken sample(float[] logits, int offset, int vocab, int[] history, int historyLength) {
        // the raw logits' maximum serves the log-probability, and greedy sampling without penalties too
        float max = max(logits, offset, vocab);
        int id;
        if (p.isGreedy() && !hasPenalties()) {
            // nothing to change in the logits: no copy of the vocabulary (~0.6 MB) every token
            id = argmax(logits, offset, vocab, max);
        } else {
            float[] l = work.length >= vocab ? work : (work = new float[vocab]);
            System.arraycopy(logits, offset, l, 0, vocab);
            applyPenalties(l, history, historyLength);
            id = p.isGreedy() ? argmax(l, 0, vocab) : draw(l, vocab);
        }
        return describe(logits, offset, vocab, id, max);
    }

    private boolean hasPenalties() {
        return p.repetitionPenalty() != 1f || p.presencePenalty() != 0f || p.frequencyPenalty() != 0f;
    }

    private void applyPenalties(float[] l, int[] history, int len) {
        if (!hasPenalties()) return;
        int start = p.penaltyWindow() < 0 ? 0 : Math.max(0, len - p.penaltyWindow());
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = start; i < len; i++) counts.merge(history[i], 1, Integer::sum);
        for (var e : counts.entrySet()) {
            int t = e.getKey();
            if (t < 0 || t >= l.length) continue;
            if (l[t] <= 0) l[t] *= p.repetitionPenalty();
            else l[t] /= p.repetitionPenalty();
            l[t] -= e.getValue() * p.frequencyPenalty() + p.presencePenalty();
        }
    }

    /**
     * The first index of the largest of {@code l[offset .. offset + n)}, relative to {@code offset}, as
     * {@link #argmaxScalar}: the maximum in vector lanes, then the first lane equal to it (two passes over the
     * vocabulary at eight lanes a step instead of one scalar pass with a dependent compare per element). A NaN,
     * which the scalar pass never picks, falls back to it.
     */
    static int argmax(float[] l, int offset, int n) {
        return argmax(l, offset, n, max(l, offset, n));
    }

    /** {@link #argmax(float[], int, int)} given {@code m = max(l, offset, n)}. */
    private static int argmax(float[] l, int offset, int n, float m) {
        if (Float.isNaN(m)) return argmaxScalar(l, offset, n);
        int i = 0;
        for (int bound = F8.loopBound(n); i < bound; i += F8.length()) {
            int lane = FloatVector.fromArray(F8, l, offset + i).compare(VectorOperators.EQ, m).firstTrue();
            if (lane < F8.length()) return i + lane;
        }
        for (; i < n; i++) if (l[offset + i] == m) return i;
        return 0; // n == 0
    }

    /** The scalar twin of {@link #argmax}: the first strictly largest element wins. */
    static int argmaxScalar(float[] l, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (l[offset + i] > l[offset + best]) best = i;
        return best;
    }

    /** {@code Math.max} over {@code l[offset .. offset + n)} from negative infinity (NaN if any is NaN), eight lanes at a time. */
    static float max(float[] l, int offset, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= 2 * F8.length()) {
            FloatVector v = FloatVector.broadcast(F8, Float.NEGATIVE_INFINITY);
            for (int bound = F8.loopBound(n); i < bound; i += F8.length()) v = v.max(FloatVector.fromArray(F8, l, offset + i));
            m = v.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, l[offset + i]);
        return m;
    }

    private int draw(float[] l, int vocab) {
        // Candidates sorted by logit, descending; top-k cuts before sorting the whole vocabulary.
        int n = vocab;
        if (order.length < vocab) order = new int[vocab];
        for (int i = 0; i < vocab; i++) order[i] = i;
        if (p.topK() > 0 && p.topK() < vocab) {
            n = p.topK();
            partialSelect(l, order, vocab, n);
        }
        boolean needSorted = p.topP() < 1f || p.minP() > 0f || n < vocab;
        if (needSorted) sortDescending(l, order, n);
        // softmax over the candidates (at temperature 1, as llama.cpp's filters see them)
        float max = l[order[0]];
        if (!needSorted) for (int i = 0; i < n; i++) max = Math.max(max, l[order[i]]);
        double[] probs = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            probs[i] = Math.exp(l[order[i]] - max);
            sum += probs[i];
        }
        if (p.topP() < 1f) {
            double cum = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cum += probs[i] / sum;
                if (cum >= p.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            n = keep;
        }
        if (p.minP() > 0f) {
            double threshold = Math.log(p.minP());
            int keep = 1;
            while (keep < n && l[order[keep]] - max >= threshold) keep++;
            n = keep;
        }
        // temperature, then draw
        double total = 0;
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = Math.exp((l[order[i]] - max) / p.temperature());
            total += w[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < n; i++) {
            r -= w[i];
            if (r < 0) return order[i];
        }
        return order[n - 1];
    }

    /**
     * Log-probability of {@code id} and the top alternatives under softmax(raw logits at {@code offset}), whose maximum
     * is {@code max}. The
     * normaliser sums as llama.cpp's softmax does ({@link GgmlExp#expSum}). A full
     * vocabulary of Math.exp in double took ~0.8 ms a token, ~5% of a decode step.
     */
    private SampledToken describe(float[] logits, int offset, int vocab, int id, float max) {
        double sum = GgmlExp.expSum(logits, offset, vocab, max, false, lanes);
        float logZ = (float) (max + Math.log(sum));
        List<SampledToken.Alternative> top = List.of();
        if (p.topLogprobs() > 0) {
            int k = Math.min(p.topLogprobs(), vocab);
            int[] idx = new int[vocab];
            for (int i = 0; i < vocab; i++) idx[i] = offset + i; // positions in logits; ids are these minus offset
            partialSelect(logits, idx, vocab, k);
            sortDescending(logits, idx, k);
            List<SampledToken.Alternative> alts = new ArrayList<>(k);
            for (int i = 0; i < k; i++) alts.add(new SampledToken.Alternative(idx[i] - offset, logits[idx[i]] - logZ));
            top = List.copyOf(alts);
        }
        return new SampledToken(id, logits[offset + id] - logZ, top);
    }

    /** Moves the k largest (by l[idx]) of idx[0..n) to the front, in no particular order (quickselect). */
    static void partialSelect(float[] l, int[] idx, int n, int k) {
        int lo = 0, hi = n - 1;
        SplittableRandom pivots = new SplittableRandom(n);
        while (lo < hi) {
            int pi = lo + pivots.nextInt(hi - lo + 1);
            float pivot = l[idx[pi]];
            int i = lo, j = hi;
            while (i <= j) {
                while (l[idx[i]] > pivot) i++;
                while (l[idx[j]] < pivot) j--;
                if (i <= j) {
                    int t = idx[i];
                    idx[i] = idx[j];
                    idx[j] = t;
                    i++;
                    j--;
                }
            }
            if (k - 1 <= j) hi = j;
            else if (k - 1 >= i) lo = i;
            else break;
        }
    }

    /** Sorts idx[0..n) by descending l[idx], ties by ascending id (deterministic). */
    static void sortDescending(float[] l, int[] idx, int n) {
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) boxed[i] = idx[i];
        Arrays.sort(boxed, (a, b) -> {
            int c = Float.compare(l[b], l[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int i = 0; i < n; i++) idx[i] = boxed[i];
    }
}
