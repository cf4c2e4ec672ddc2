package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Hand-run (not a test): MatMul (for Q4_0 with {@link ExactBlockKernels} for several tokens) next to
 * the integer kernels they replaced ({@link VectorKernels#dotQ} per row, {@link UnpackedRows} for matMul), same JVM,
 * weights in native memory; best call of -Dms milliseconds each. -Drows -Dcols -Dn (tokens, 0 skips matMul) -Dthreads.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Dthreads=1 -Dn=16 -cp runtime/target/classes:runtime/target/test-classes \
 *     io.srm4j.runtime.tensor.BlockKernelProbe Q4_0 Q8_0
 * </pre>
 */
public final class BlockKernelProbe {
    public static void main(String[] args) {
        Random rnd = new Random(1);
        int rows = Integer.getInteger("rows", 896), cols = Integer.getInteger("cols", 4864);
        int n = Integer.getInteger("n", 16);
        long ms = Long.getLong("ms", 3000);
        for (String name : args) {
            GgmlType t = GgmlType.valueOf(name);
            Matrix w = new Matrix(name, t, rows, cols, java.lang.foreign.Arena.global().allocate((long) rows * t.rowBytes(cols)).copyFrom(MemorySegment.ofArray(KernelsTest.rawRandomRows(t, rnd, rows, cols))));
            float[] x = Fixtures.gaussian(rnd, cols * Math.max(1, n), 1f);
            float[] out = new float[rows * Math.max(1, n)];
            double bytes = (double) rows * w.rowBytes();
            try (WorkerPool pool = new WorkerPool(Integer.getInteger("threads", 1))) {
                QuantizedActivations qa = QuantizedActivations.quantize(QuantizedActivations.formatFor(t), x, 0, cols, 1);
                double bo = best(() -> pool.parallelFor(0, rows, 8, (f, to) -> { for (int r = f; r < to; r++) out[r] = VectorKernels.dotQ(t, w.data(), r * w.rowBytes(), qa, 0, cols); }), ms);
                System.out.printf("%s old dotQ %.1f us %.2f GB/s%n", name, bo * 1e6, bytes / bo / 1e9);
                double bv = best(() -> MatMul.matVec(pool, w, x, 0, out, 0), ms);
                double bm = n == 0 ? 1 : best(() -> MatMul.matMul(pool, w, x, n, out), ms);
                if (n > 0) {
                    QuantizedActivations qn = QuantizedActivations.quantize(QuantizedActivations.formatFor(t), x, 0, cols, n);
                    double bu = best(() -> pool.parallelFor(0, rows, 16, (from, to) -> {
                        UnpackedRows block = new UnpackedRows(t, cols, 16);
                        for (int r0 = from; r0 < to; r0 += 16) {
                            int nRows = Math.min(16, to - r0);
                            block.unpack(w.data(), r0 * w.rowBytes(), w.rowBytes(), nRows);
                            for (int tk = 0; tk < n; tk++) for (int r = 0; r < nRows; r++) out[tk * rows + r0 + r] = block.dot(r, qn, tk * cols);
                        }
                    }), ms);
                    System.out.printf("%s old matMul(%d) %.2f ms %.1f GMAC/s%n", name, n, bu * 1e3, (double) n * rows * cols / bu / 1e9);
                }
                System.out.printf("%s matVec %.1f us %.2f GB/s | matMul(%d) %.2f ms %.1f GMAC/s = %.2fx matVec per token%n", name, bv * 1e6, bytes / bv / 1e9,
                        n, bm * 1e3, (double) n * rows * cols / bm / 1e9, bv * n / bm);
            }
        }
    }

    static double best(Runnable r, long ms) {
        double best = Double.MAX_VALUE;
        long end = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < end) {
            long s = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - s) / 1e9);
        }
        return best;
    }
}
