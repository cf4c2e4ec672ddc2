package io.srm4j.runtime.model;

import io.srm4j.runtime.tensor.GgmlOrderDots;

/**
 * Hand-run (not a test): one key head's decode attention over an F16 cache of -Dn positions (default 512) for
 * -Dheads/-Dkv query/key heads of -Dhd (default 16/8/128, Qwen3-0.6B), microseconds per call: the rows converted to
 * floats then multiplied, against the kernels that read the halves in place (GgmlOrderDots' F16 forms).
 */
public final class F16AttentionProbe {
    public static void main(String[] args) {
        int heads = Integer.getInteger("heads", 16), kvHeads = Integer.getInteger("kv", 8), hd = Integer.getInteger("hd", 128), n = Integer.getInteger("n", 512);
        ModelConfig c = AttentionKernelsTest.config(heads, kvHeads, hd);
        int group = heads / kvHeads, padded = (n + 31) & ~31;
        KvCache cache = AttentionKernelsTest.filled(c, KvCache.Precision.F16, n, 5);
        float[] q = new float[group * hd];
        for (int i = 0; i < q.length; i++) q[i] = (float) Math.sin(i);
        float[] keys = new float[padded * hd], values = new float[padded * hd], acc = new float[32 * hd], scores = new float[group * padded], out = new float[group * hd];
        short[][] rows = new short[n][];
        float[] acc2 = new float[64 * hd];
        int[] offs = new int[n];
        for (int rep = 0; rep < 8; rep++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < 200; k++) {
                cache.keys(0, 0, n, 0, keys, 0, hd);
                cache.values(0, 0, n, 0, values, 0, hd);
            }
            long t1 = System.nanoTime();
            for (int k = 0; k < 200; k++) for (int g = 0; g < group; g++) GgmlOrderDots.vecDotF16Rows(keys, 0, n, q, g * hd, hd, 0.1f, scores, g * padded);
            long t2 = System.nanoTime();
            for (int k = 0; k < 200; k++) for (int g = 0; g < group; g++) GgmlOrderDots.vecDotF16Columns(values, 0, hd, scores, g * padded, padded, out, g * hd, acc);
            long t3 = System.nanoTime();
            for (int k = 0; k < 200; k++) cache.keyScoresF16(0, n, 0, q, 0, group, 0.1f, scores, padded);
            long t4 = System.nanoTime();
            for (int k = 0; k < 200; k++) {
                cache.valueRowsF16(0, n, 0, rows, offs);
                GgmlOrderDots.vecDotF16HalfColumns(rows, offs, n, padded, hd, group, scores, 0, padded, out, 0, acc2);
            }
            long t5 = System.nanoTime();
            System.out.printf("convert %.1f us, scores %.1f, values %.1f | in place: scores %.1f, values %.1f%n",
                    (t1 - t0) / 200e3, (t2 - t1) / 200e3, (t3 - t2) / 200e3, (t4 - t3) / 200e3, (t5 - t4) / 200e3);
        }
    }
}
