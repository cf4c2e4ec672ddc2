package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Hand-run (not a test): a -Dn token Q4_0 product of a -Dshape matrix (default 4864x896; -Dnative=true: in native memory) on -Dthreads threads (default 1)
 * with the 16-bit tiles ({@link Q4_0Tiles}) and token by token on the interleaved decode copy ({@link Q4_0x8}), best of
 * -Dms milliseconds each, alternating -Dreps times: where the copy stops paying ({@link Q4_0x8#COPY_TOKENS}). Run it
 * on two builds' classes to compare tiles.
 */
public final class Q4_0TilesProbe {
    public static void main(String[] args) {
        String[] shape = System.getProperty("shape", "4864x896").split("x");
        int rows = Integer.parseInt(shape[0]), cols = Integer.parseInt(shape[1]), reps = Integer.getInteger("reps", 3), n = Integer.getInteger("n", 64);
        long ms = Long.getLong("ms", 1500);
        Random rnd = new Random(1);
        byte[] raw = KernelsTest.rawRandomRows(GgmlType.Q4_0, rnd, rows, cols);
        // -Dnative=true: the weights in native memory of a shared arena, as a mapped model file gives them
        MemorySegment data = Boolean.getBoolean("native")
                ? java.lang.foreign.Arena.ofShared().allocate(raw.length, 64).copyFrom(MemorySegment.ofArray(raw)) : MemorySegment.ofArray(raw);
        Matrix w = new Matrix("w", GgmlType.Q4_0, rows, cols, data);
        float[] x = Fixtures.gaussian(rnd, cols * n, 1f);
        QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_0, x, 0, cols, n);
        WorkerPool pool = new WorkerPool(Integer.getInteger("threads", 1));
        Q4_0x8 packed = Q4_0x8.of(pool, w);
        Q4_0x8.Pairs[] tokens = new Q4_0x8.Pairs[n];
        for (int t = 0; t < n; t++) tokens[t] = Q4_0x8.Pairs.of(QuantizedActivations.quantize(GgmlType.Q8_0, x, t * cols, cols, 1));
        Q4_0Tiles.Activations lanes = new Q4_0Tiles.Activations(a);
        float[] ref = new float[rows * n], out = new float[rows * n];
        Runnable copy = () -> pool.parallelFor(0, rows / 8, 1, (g0, g1) -> {
            for (int t = 0; t < n; t++) packed.matVecGroups(tokens[t], g0, g1, ref, t * rows);
        });
        Runnable tiles = () -> pool.parallelFor(0, rows / 8, 2, (g0, g1) -> Q4_0Tiles.matMulRows(w.data(), w.rowBytes(), lanes, 8 * g0, 8 * g1, out, rows));
        copy.run();
        tiles.run();
        System.out.println("same bits: " + java.util.Arrays.equals(ref, out));
        double macs = (double) rows * cols * n;
        for (int rep = 0; rep < reps; rep++) {
            double c = BlockKernelProbe.best(copy, ms), s = BlockKernelProbe.best(tiles, ms);
            System.out.printf("Q4_0 %dx%d x %d tokens: copy token by token %.2f ms %.1f GMAC/s | tiles %.2f ms %.1f GMAC/s | copy/tiles time %.2fx%n",
                    rows, cols, n, c * 1e3, macs / c / 1e9, s * 1e3, macs / s / 1e9, c / s);
        }
        System.exit(0);
    }
}
