package io.srm4j.runtime.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Hand-run (not a test): Q6_K products on one thread, weights in native memory, best call of -Dms milliseconds,
 * old and new alternating -Dreps times. Decode: {@link Q6_Kx8} next to {@link GgmlOrderKQuants#dot} per row on a
 * -Drows x -Dcols matrix (default the Qwen3 classifier's 151936 x 1024). Prefill: -Dn tokens on a -Dprows x -Dpcols
 * matrix (default 1024 x 3072, 64 tokens), MatMul's current path next to {@link UnpackedRows} (what it replaced).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp runtime/target/classes:runtime/target/test-classes io.srm4j.runtime.tensor.Q6_KKernelProbe
 * </pre>
 */
public final class Q6_KKernelProbe {
    public static void main(String[] args) {
        Random rnd = new Random(1);
        int rows = Integer.getInteger("rows", 151936), cols = Integer.getInteger("cols", 1024);
        int prows = Integer.getInteger("prows", 1024), pcols = Integer.getInteger("pcols", 3072), n = Integer.getInteger("n", 64);
        long ms = Long.getLong("ms", 3000);
        int reps = Integer.getInteger("reps", 3);
        GgmlType t = GgmlType.Q6_K;
        WorkerPool one = new WorkerPool(1);
        if (rows > 0) {
            Matrix w = matrix(rnd, rows, cols);
            float[] x = Fixtures.gaussian(rnd, cols, 1f), out = new float[rows];
            QuantizedActivations a = QuantizedActivations.quantize(GgmlType.Q8_K, x, 0, cols, 1);
            long t0 = System.nanoTime();
            Q6_Kx8 packed = Q6_Kx8.of(one, w);
            System.out.printf("interleaved copy built in %.0f ms (one thread, cold)%n", (System.nanoTime() - t0) / 1e6);
            Q6_Kx8.Pairs pairs = Q6_Kx8.Pairs.of(a);
            double macs = (double) rows * cols;
            for (int rep = 0; rep < reps; rep++) {
                double old = BlockKernelProbe.best(() -> {
                    GgmlOrderKQuants.Scratch s = GgmlOrderKQuants.SCRATCH.get();
                    for (int r = 0; r < rows; r++) out[r] = GgmlOrderKQuants.dot(t, w.data(), r * w.rowBytes(), a, 0, cols, s);
                }, ms);
                double neu = BlockKernelProbe.best(() -> packed.matVecGroups(pairs, 0, rows / 8, out, 0), ms);
                System.out.printf("decode %dx%d: old %.2f ms %.2f GMAC/s | new %.2f ms %.2f GMAC/s | new/old speed %.2fx%n",
                        rows, cols, old * 1e3, macs / old / 1e9, neu * 1e3, macs / neu / 1e9, old / neu);
            }
        }
        if (n > 0) {
            Matrix w = matrix(rnd, prows, pcols);
            float[] x = Fixtures.gaussian(rnd, pcols * n, 1f), out = new float[prows * n];
            QuantizedActivations qn = QuantizedActivations.quantize(GgmlType.Q8_K, x, 0, pcols, n);
            double macs = (double) n * prows * pcols;
            for (int rep = 0; rep < reps; rep++) {
                double old = BlockKernelProbe.best(() -> {
                    UnpackedRows block = new UnpackedRows(t, pcols, MatMul.ROW_BLOCK);
                    for (int r0 = 0; r0 < prows; r0 += MatMul.ROW_BLOCK) {
                        int nr = Math.min(MatMul.ROW_BLOCK, prows - r0);
                        block.unpack(w.data(), r0 * w.rowBytes(), w.rowBytes(), nr);
                        for (int tk = 0; tk < n; tk++) for (int r = 0; r < nr; r++) out[tk * prows + r0 + r] = block.dot(r, qn, tk * pcols);
                    }
                }, ms);
                double neu = BlockKernelProbe.best(() -> MatMul.matMul(one, w, x, n, out), ms);
                System.out.printf("prefill %dx%d, %d tokens: old %.2f ms %.2f GMAC/s | MatMul %.2f ms %.2f GMAC/s | new/old speed %.2fx%n",
                        prows, pcols, n, old * 1e3, macs / old / 1e9, neu * 1e3, macs / neu / 1e9, old / neu);
            }
        }
        System.exit(0);
    }

    private static Matrix matrix(Random rnd, int rows, int cols) {
        GgmlType t = GgmlType.Q6_K;
        MemorySegment data = Arena.global().allocate((long) rows * t.rowBytes(cols));
        for (int r0 = 0; r0 < rows; r0 += 4096) { // in slices: one byte[] of the whole classifier would be large
            int nr = Math.min(4096, rows - r0);
            MemorySegment.copy(MemorySegment.ofArray(KernelsTest.rawRandomRows(t, rnd, nr, cols)), 0, data, r0 * t.rowBytes(cols), nr * t.rowBytes(cols));
        }
        return new Matrix("w", t, rows, cols, data);
    }
}
