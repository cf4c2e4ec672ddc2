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
        // candidates sorted by logit, descending, where a filter needs the order; top-k cuts before any sorting
        if (order.length < vocab) order = new int[vocab];
        int n;
        boolean sorted = true;
        if (p.topK() > 0 && p.topK() < vocab) {
            topK(l, 0, vocab, p.topK(), order);
            n = filtered(l, p.topK());
        } else if (p.topP() < 1f || p.minP() > 0f) {
            for (int i = 0; i < vocab; i++) order[i] = i;
            sortDescending(l, order, vocab);
            n = filtered(l, vocab);
        } else {
            for (int i = 0; i < vocab; i++) order[i] = i;
            n = vocab;
            sorted = false;
        }
        float max = sorted ? l[order[0]] : max(l, 0, vocab);
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
     * Top-p, then min-p, over the candidates {@code order[0 .. n)} sorted descending (softmax at temperature 1, as
     * llama.cpp's filters see them): how many are kept. The softmax is taken only for top-p (it was taken for every
     * draw: 151,936 exps, ~1.2 ms a token, when no filter was on).
     */
    private int filtered(float[] l, int n) {
        float max = l[order[0]];
        int keep = n;
        if (p.topP() < 1f) {
            double[] probs = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                probs[i] = Math.exp(l[order[i]] - max);
                sum += probs[i];
            }
            double cum = 0;
            for (int i = 0; i < n; i++) {
                cum += probs[i] / sum;
                if (cum >= p.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (p.minP() > 0f) {
            double threshold = Math.log(p.minP());
            int k = 1;
            while (k < keep && l[order[k]] - max >= threshold) k++;
            keep = k;
        }
        return keep;
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
            int[] idx = new int[k];
            topK(logits, offset, vocab, k, idx);
            List<SampledToken.Alternative> alts = new ArrayList<>(k);
            for (int i = 0; i < k; i++) alts.add(new SampledToken.Alternative(idx[i], logits[offset + idx[i]] - logZ));
            top = List.copyOf(alts);
        }
        return new SampledToken(id, logits[offset + id] - logZ, top);
    }

    /**
     * The {@code k} first of {@code l[offset .. offset + n)} in {@link #sortDescending}'s order (larger first by
     * {@link Float#compare}, so NaN above all; ties to the lower index), as indices relative to {@code offset}, into
     * {@code out[0 .. k)} in that order. One pass over the vocabulary, eight lanes at a time tested against the k-th
     * kept so far; the few lanes that pass are inserted into the sorted k. (A quickselect over the whole vocabulary
     * took ~1 ms a sampled token for Qwen's 151,936, and chose among ties at the k-th place by its pivots.)
     */
    static void topK(float[] l, int offset, int n, int k, int[] out) {
        k = Math.min(k, n);
        if (k <= 0) return;
        int size = 0, i = 0;
        for (; i < n && size < k; i++) size = insert(l, offset, out, size, k, i);
        float threshold = l[offset + out[k - 1]];
        for (int bound = offset + n - F8.length(); offset + i <= bound; i += F8.length()) {
            FloatVector v = FloatVector.fromArray(F8, l, offset + i);
            // a superset of the lanes that rank before the k-th: numerically >= it (so -0 against +0 too), or NaN
            var pass = v.compare(VectorOperators.GE, threshold).or(v.test(VectorOperators.IS_NAN));
            if (pass.anyTrue()) {
                for (int lane = 0; lane < F8.length(); lane++) if (pass.laneIsSet(lane)) insert(l, offset, out, k, k, i + lane);
                threshold = l[offset + out[k - 1]];
            }
        }
        for (; i < n; i++) insert(l, offset, out, k, k, i);
    }

    /** Inserts index j into the sorted {@code out[0 .. size)}, keeping at most k; returns the new size. */
    private static int insert(float[] l, int offset, int[] out, int size, int k, int j) {
        int at = size;
        while (at > 0 && before(l, offset, j, out[at - 1])) at--;
        if (at >= k) return size;
        int end = Math.min(size, k - 1);
        System.arraycopy(out, at, out, at + 1, end - at);
        out[at] = j;
        return Math.min(size + 1, k);
    }

    /** Whether index a ranks before index b: the larger value by {@link Float#compare}, on a tie the lower index. */
    private static boolean before(float[] l, int offset, int a, int b) {
        int c = Float.compare(l[offset + a], l[offset + b]);
        return c > 0 || c == 0 && a < b;
    }

    /** Sorts idx[0..n) by descending l[idx], ties by ascending id (deterministic). */
    static void sortDescending(float[] l, int[] idx, int n) {
        // one primitive key per index, ascending in the wanted order: the value's Float.compare rank inverted in the
        // high half, the index in the low (boxed indices with a comparator took tens of ms for a whole vocabulary)
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToIntBits(l[idx[i]]);
            int rank = bits ^ ((bits >> 31) & 0x7FFFFFFF); // ordered as Float.compare orders the values
            keys[i] = ((long) ~rank << 32) | idx[i];
        }
        Arrays.sort(keys);
        for (int i = 0; i < n; i++) idx[i] = (int) keys[i];
    }
}
