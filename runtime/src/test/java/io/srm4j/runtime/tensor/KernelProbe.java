package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Hand-run: single-thread GB/s of each kernel on a 896x4864 matrix (best of -Dprobe.ms, default 3000 ms, per kernel; JIT warm-up included). */
public final class KernelProbe {
    public static void main(String[] args) {
        Random rnd = new Random(1);
        int rows = 896, cols = 4864;
        for (String name : args) {
            GgmlType t = GgmlType.valueOf(name);
            MemorySegment w = MemorySegment.ofArray(KernelsTest.rawRandomRows(t, rnd, rows, cols));
            float[] x = Fixtures.gaussian(rnd, cols, 1f);
            long rb = t.rowBytes(cols);
            GgmlType f = QuantizedActivations.formatFor(t);
            QuantizedActivations a = f == null ? null : QuantizedActivations.quantize(f, x, cols, 1);
            double bytes = (double) rows * rb;
            double bf = best(() -> { for (int r = 0; r < rows; r++) VectorKernels.dot(t, w, r * rb, x, 0, cols); });
            double bi = a == null ? Double.NaN : best(() -> { for (int r = 0; r < rows; r++) VectorKernels.dotQ(t, w, r * rb, a, 0, cols); });
            System.out.printf("%s float %.2f GB/s  int %.2f GB/s%n", name, bytes / bf / 1e9, bytes / bi / 1e9);
        }
    }

    static double best(Runnable r) {
        double best = Double.MAX_VALUE;
        long end = System.nanoTime() + Long.getLong("probe.ms", 3000) * 1_000_000L;
        while (System.nanoTime() < end) {
            long s = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - s) / 1e9);
        }
        return best;
    }
}
