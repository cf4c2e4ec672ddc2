package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Hand-run (not a test): one thread's single-token Q4_K product on the mapped weights ({@link RepackedQ4Kernels}, what
 * decode ran before {@link Q4_Kx8}) against the interleaved copy, timed alternately on Qwen-sized matrices; prints
 * best-of times, GMAC/s and the ratio. Checks the two agree bit for bit first.
 *
 * <pre>
 * mvn -q -o test-compile -pl runtime
 * java --add-modules jdk.incubator.vector -cp runtime/target/classes:runtime/target/test-classes \
 *     io.srm4j.runtime.tensor.Q4_KDecodeProbe [rounds]
 * </pre>
 */
public final class Q4_KDecodeProbe {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Random rnd = new Random(1);
        try (WorkerPool pool = new WorkerPool(1)) {
            for (int[] shape : new int[][] {{1024, 3072}, {3072, 1024}, {896, 4864}}) {
                int rows = shape[0], cols = shape[1];
                Matrix w = new Matrix("w", GgmlType.Q4_K, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(GgmlType.Q4_K, rnd, rows, cols)));
                float[] x = Fixtures.gaussian(rnd, cols, 1f);
                QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, cols, 1);
                Q4_Kx8 packed = Q4_Kx8.of(pool, w);
                Q4_Kx8.Activations pa = Q4_Kx8.Activations.of(a);
                float[] old = new float[rows], now = new float[rows];
                Runnable mapped = () -> {
                    long rb = w.rowBytes();
                    for (int r = 0; r < rows; r++) old[r] = RepackedQ4Kernels.q4_KGemv(w.data(), r * rb, a, 0, cols);
                };
                Runnable interleaved = () -> packed.matVecGroups(pa, 0, rows / 8, now, 0);
                mapped.run();
                interleaved.run();
                if (!java.util.Arrays.equals(old, now)) throw new AssertionError("paths differ");
                double bestOld = Double.MAX_VALUE, bestNew = Double.MAX_VALUE;
                for (int round = 0; round < rounds; round++) {
                    bestOld = Math.min(bestOld, time(mapped));
                    bestNew = Math.min(bestNew, time(interleaved));
                }
                double macs = (double) rows * cols;
                System.out.printf("Q4_K %4dx%-4d mapped %7.1f us %5.2f GMAC/s | interleaved %7.1f us %5.2f GMAC/s | speed-up %.2fx%n",
                        rows, cols, bestOld * 1e6, macs / bestOld / 1e9, bestNew * 1e6, macs / bestNew / 1e9, bestOld / bestNew);
            }
        }
    }

    /** Best single call of a 200 ms burst. */
    private static double time(Runnable r) {
        double best = Double.MAX_VALUE;
        long end = System.nanoTime() + 200_000_000L;
        while (System.nanoTime() < end) {
            long s = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - s) / 1e9);
        }
        return best;
    }
}
