package io.srm4j.runtime.tensor;

/**
 * Q8_0-quantised activations laid out for the float-lane kernels ({@link ExactBlockKernels} one token,
 * {@link Q8_0Kernels} and {@link Blocks32Kernels} several): the 8-bit quants as floats (exact), so the
 * kernels multiply them with FMA in float lanes instead of 16-bit integer lanes.
 *
 * <ul>
 *   <li>{@link #forRow}: one vector in element order, plus each 32-block's quant sum (Q4_0's -8 offset is folded
 *       out of the lanes as {@code -8 · Σa}, still an exact integer).</li>
 *   <li>{@link #forTokens}: {@code count} vectors transposed into groups of 8 tokens, {@code [group][element][lane]},
 *       with the block scales likewise {@code [group][block][lane]}; token lanes past {@code count} are zero.</li>
 * </ul>
 */
final class BlockActivations {
    /** Tokens per lane group: one 256-bit float vector. */
    static final int LANES = 8;

    final int length, count, blocks;
    /** forRow: the quants. forTokens: {@code [group][element][lane]}. */
    final float[] q;
    /** forRow: one scale per block. forTokens: {@code [group][block][lane]}. */
    final float[] d;
    /** forRow only: Σ quants per block. */
    final float[] blockSums;
    /** forTokens of Q8_1 activations: their block sums {@code [group][block][lane]}; null otherwise. */
    final float[] s;

    private BlockActivations(int length, int count, float[] q, float[] d, float[] blockSums, float[] s) {
        this.length = length;
        this.count = count;
        this.blocks = length / 32;
        this.q = q;
        this.d = d;
        this.blockSums = blockSums;
        this.s = s;
    }

    /** Vector {@code t} of {@code a}, in element order. */
    static BlockActivations forRow(QuantizedActivations a, int t) {
        int n = a.length, blocks = n / 32;
        BlockActivations x = new BlockActivations(n, 1, new float[n], new float[blocks], new float[blocks], null);
        x.fillRow(a, t);
        return x;
    }

    /** Vector {@code t} of {@code a} into this {@link #forRow} layout of the same length, replacing what it held. */
    void fillRow(QuantizedActivations a, int t) {
        checkFormat(a);
        if (count != 1 || a.length != length) throw new IllegalArgumentException("a row of " + a.length + " into " + count + " x " + length);
        int o = t * length;
        for (int b = 0; b < blocks; b++) {
            int s = 0;
            for (int j = 0; j < 32; j++) {
                int v = a.qs[o + 32 * b + j];
                q[32 * b + j] = v;
                s += v;
            }
            blockSums[b] = s;
            d[b] = a.d[o / 32 + b];
        }
    }

    private static void checkFormat(QuantizedActivations a) {
        if (a.format != GgmlType.Q8_0) throw new IllegalArgumentException("block kernels take Q8_0 activations, got " + a.format);
    }

    /** All {@code a.count} vectors (Q8_0 or Q8_1), transposed into groups of {@link #LANES} tokens. */
    static BlockActivations forTokens(QuantizedActivations a) {
        if (a.format != GgmlType.Q8_1) checkFormat(a);
        int n = a.length, blocks = n / 32, groups = groups(a.count);
        float[] q = new float[Math.multiplyExact(groups * LANES, n)], d = new float[groups * LANES * blocks];
        float[] s = a.s == null ? null : new float[d.length];
        for (int t = 0; t < a.count; t++) {
            int g = t / LANES, lane = t % LANES, o = t * n;
            int qo = g * n * LANES + lane;
            for (int e = 0; e < n; e++) q[qo + e * LANES] = a.qs[o + e];
            int dOff = g * blocks * LANES + lane;
            for (int b = 0; b < blocks; b++) d[dOff + b * LANES] = a.d[o / 32 + b];
            if (s != null) for (int b = 0; b < blocks; b++) s[dOff + b * LANES] = a.s[o / 32 + b];
        }
        return new BlockActivations(n, a.count, q, d, null, s);
    }

    static int groups(int count) {
        return (count + LANES - 1) / LANES;
    }
}
