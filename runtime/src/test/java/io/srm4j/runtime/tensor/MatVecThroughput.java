package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Hand-run throughput check (not a test): GB/s of weight bytes streamed by {@link MatMul#matVec}, and matMul
 * tokens/s, on Qwen2.5-0.5B FFN-sized matrices (the up-projection rounded to 1024 columns so K-quants fit) with 1 and 2 threads.
 *
 * <pre>
 * mvn -q -o test-compile -pl runtime
 * java --add-modules jdk.incubator.vector -cp runtime/target/classes:runtime/target/test-classes \
 *     io.srm4j.runtime.tensor.MatVecThroughput [TYPE ...]
 * </pre>
 */
public final class MatVecThroughput {
    public static void main(String[] args) {
        String[] types = args.length > 0 ? args : new String[] {"Q8_0", "Q4_0", "Q4_K", "Q6_K", "F16"};
        System.out.printf("float species %s, integer kernels %s%n", VectorKernels.F, VectorKernels.INT_PATH);
        Random rnd = new Random(1);
        for (String name : types) {
            GgmlType t = GgmlType.valueOf(name);
            for (int[] shape : new int[][] {{896, 4864}, {4864, 1024}}) {
                int rows = shape[0], cols = shape[1];
                Matrix w = new Matrix(name, t, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(t, rnd, rows, cols)));
                float[] x = Fixtures.gaussian(rnd, cols * 64, 1f);
                float[] out = new float[rows * 64];
                long bytes = w.rowBytes() * rows;
                for (int threads : new int[] {1, 2}) {
                    try (WorkerPool pool = new WorkerPool(threads)) {
                        double[] s = time(() -> MatMul.matVec(pool, w, x, 0, out, 0));
                        double[] p = time(() -> MatMul.matMul(pool, w, x, 64, out));
                        System.out.printf("%-5s %4dx%-4d %4.1f MB  threads %d  matVec best %6.1f us %5.1f GB/s (mean %5.1f GB/s)"
                                        + "  matMul(64) best %6.2f ms %5.1f GMAC/s (mean %5.1f)%n",
                                name, rows, cols, bytes / 1e6, threads, s[0] * 1e6, bytes / s[0] / 1e9, bytes / s[1] / 1e9,
                                p[0] * 1e3, 64.0 * rows * cols / p[0] / 1e9, 64.0 * rows * cols / p[1] / 1e9);
                    }
                }
            }
        }
    }

    /**
     * Warms up for 2 s, then times single calls for 2 s: {best, mean} seconds. On a shared machine the best call
     * is the closer estimate of what the code can do; the mean shows what it got.
     */
    private static double[] time(Runnable r) {
        long end = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < end) r.run();
        int n = 0;
        double best = Double.MAX_VALUE, total = 0;
        end = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < end) {
            long s = System.nanoTime();
            r.run();
            double t = (System.nanoTime() - s) / 1e9;
            best = Math.min(best, t);
            total += t;
            n++;
        }
        return new double[] {best, total / n};
    }
}
