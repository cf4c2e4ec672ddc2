package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Hand-run (not a test): -Dthreads (default 1) threads' single-token Q4_0 product of a -Dshape matrix (default 4864x896) on the mapped
 * weights ({@link ExactBlockKernels}, one thread) and on the interleaved copy ({@link Q4_0x8}), best of -Dms milliseconds each,
 * alternating -Dreps times; GB/s counts the mapped bytes. Run it on two builds' classes to compare copies.
 */
public final class Q4_0x8Probe {
    public static void main(String[] args) {
        String[] shape = System.getProperty("shape", "4864x896").split("x");
        int rows = Integer.parseInt(shape[0]), cols = Integer.parseInt(shape[1]), reps = Integer.getInteger("reps", 3);
        long ms = Long.getLong("ms", 1500);
        Random rnd = new Random(1);
        Matrix w = new Matrix("w", GgmlType.Q4_0, rows, cols, MemorySegment.ofArray(KernelsTest.rawRandomRows(GgmlType.Q4_0, rnd, rows, cols)));
        QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_0, Fixtures.gaussian(rnd, cols, 1f), 0, cols, 1);
        Q4_0x8 packed = Q4_0x8.of(new WorkerPool(1), w);
        Q4_0x8.Pairs pairs = Q4_0x8.Pairs.of(a);
        BlockActivations blocks = BlockActivations.forRow(a, 0);
        float[] ref = new float[rows], out = new float[rows];
        Runnable mapped = () -> ExactBlockKernels.matVecRows(w.data(), w.rowBytes(), blocks, 0, rows, ref, 0);
        WorkerPool pool = new WorkerPool(Integer.getInteger("threads", 1));
        Runnable copy = () -> pool.parallelFor(0, rows / 8, 1, (g0, g1) -> packed.matVecGroups(pairs, g0, g1, out, 0));
        mapped.run();
        copy.run();
        System.out.println("same bits: " + java.util.Arrays.equals(ref, out));
        long bytes = w.rowBytes() * rows;
        for (int rep = 0; rep < reps; rep++) {
            double m = BlockKernelProbe.best(mapped, ms), c = BlockKernelProbe.best(copy, ms);
            System.out.printf("Q4_0 %dx%d: mapped %.1f us %.1f GB/s | copy %.1f us %.1f GB/s | copy/mapped speed %.2fx%n",
                    rows, cols, m * 1e6, bytes / m / 1e9, c * 1e6, bytes / c / 1e9, m / c);
        }
    }
}
