package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Hand-run (not a test): one thread's single-token product of a -Dshape (default 4864x896) -Dtype (default Q8_0)
 * matrix on the mapped weights (Q8_0Kernels / Blocks32Kernels) and on the interleaved byte copy (Blocks32x8), best of
 * -Dms milliseconds each, alternating -Dreps times; GB/s counts the mapped bytes. With -Dtokens=N,M,..., also products
 * of that many tokens in the prefill tiles against the copy token by token (where MatMul switches between them).
 */
public final class Blocks32x8Probe {
    public static void main(String[] args) {
        GgmlType type = GgmlType.valueOf(System.getProperty("type", "Q8_0"));
        String[] shape = System.getProperty("shape", "4864x896").split("x");
        int rows = Integer.parseInt(shape[0]), cols = Integer.parseInt(shape[1]), reps = Integer.getInteger("reps", 3);
        long ms = Long.getLong("ms", 1500);
        Random rnd = new Random(1);
        Matrix w = new Matrix("w", type, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(type, rnd, rows, cols)));
        QuantizedActivations a = QuantizedActivations.quantize(QuantizedActivations.formatFor(type), Fixtures.gaussian(rnd, cols, 1f), 0, cols, 1);
        float[] xl = Q8_0Kernels.laneMajor(a, 0), out = new float[rows];
        short[] xe = a.repeatedPairs();
        Blocks32x8 packed = Blocks32x8.of(new WorkerPool(1), w);
        long bytes = w.rowBytes() * rows;
        Runnable mapped = type == GgmlType.Q8_0
                ? () -> Q8_0Kernels.matVecRows(w.data(), w.rowBytes(), xl, a.d, 0, 0, rows, out, 0)
                : () -> Blocks32Kernels.matVecRows(type, w.data(), w.rowBytes(), xl, a.d, a.s, 0, rows, out, 0);
        Runnable copy = () -> packed.matVecGroups(xe, a.d, a.s, 0, rows / 8, out, 0);
        for (int rep = 0; rep < reps; rep++) {
            double m = BlockKernelProbe.best(mapped, ms), c = BlockKernelProbe.best(copy, ms);
            System.out.printf("%s %dx%d: mapped %.1f us %.1f GB/s | copy %.1f us %.1f GB/s | copy/mapped speed %.2fx%n",
                    type, rows, cols, m * 1e6, bytes / m / 1e9, c * 1e6, bytes / c / 1e9, m / c);
        }
        for (String tokens : System.getProperty("tokens", "").split(",")) {
            if (tokens.isBlank()) continue;
            int n = Integer.parseInt(tokens.strip());
            QuantizedActivations an = QuantizedActivations.quantize(QuantizedActivations.formatFor(type), Fixtures.gaussian(rnd, n * cols, 1f), 0, cols, n);
            BlockActivations tl = BlockActivations.forTokens(an);
            short[][] pairs = new short[n][];
            QuantizedActivations[] one = new QuantizedActivations[n];
            for (int t = 0; t < n; t++) {
                one[t] = QuantizedActivations.quantize(QuantizedActivations.formatFor(type), Fixtures.gaussian(rnd, cols, 1f), 0, cols, 1);
                pairs[t] = one[t].repeatedPairs();
            }
            float[] outs = new float[n * rows];
            Runnable tiles = type == GgmlType.Q8_0
                    ? () -> Q8_0Kernels.matMulRows(w.data(), w.rowBytes(), tl, 0, rows, outs, rows)
                    : () -> Blocks32Kernels.matMulRows(type, w.data(), w.rowBytes(), tl, 0, rows, outs, rows);
            Runnable copies = () -> {
                for (int t = 0; t < n; t++) packed.matVecGroups(pairs[t], one[t].d, one[t].s, 0, rows / 8, outs, t * rows);
            };
            double ti = BlockKernelProbe.best(tiles, ms), co = BlockKernelProbe.best(copies, ms);
            System.out.printf("%s %dx%d, %d tokens: tiles %.1f us | copy token by token %.1f us | copy/tiles speed %.2fx%n",
                    type, rows, cols, n, ti * 1e6, co * 1e6, ti / co);
        }
    }
}
