package io.srm4j.runtime.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Hand-run (not a test): Q8_0 products on one thread, weights in native memory, best call of -Dms milliseconds:
 * {@link Q8_0Kernels} (matVec, matMul of -Dn tokens) next to the kernels they replaced ({@link VectorKernels#dotQ}
 * per row, {@link UnpackedRows}). -Drows -Dcols -Dold=false skips the old ones.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp runtime/target/classes:runtime/target/test-classes io.srm4j.runtime.tensor.Q8_0KernelProbe
 * </pre>
 */
public final class Q8_0KernelProbe {
    public static void main(String[] args) {
        Random rnd = new Random(1);
        int rows = Integer.getInteger("rows", 896), cols = Integer.getInteger("cols", 4864), n = Integer.getInteger("n", 16);
        long ms = Long.getLong("ms", 4000);
        boolean old = Boolean.parseBoolean(System.getProperty("old", "true"));
        GgmlType t = GgmlType.Q8_0;
        MemorySegment data = Arena.global().allocate((long) rows * t.rowBytes(cols)).copyFrom(MemorySegment.ofArray(KernelsTest.rawRandomRows(t, rnd, rows, cols)));
        Matrix w = new Matrix("w", t, rows, cols, data);
        float[] x = Fixtures.gaussian(rnd, cols * n, 1f);
        float[] out = new float[rows * n];
        double bytes = (double) rows * w.rowBytes(), macs = (double) n * rows * cols;
        QuantizedActivations q1 = QuantizedActivations.quantize(t, x, 0, cols, 1), qn = QuantizedActivations.quantize(t, x, 0, cols, n);
        float[] xl = Q8_0Kernels.laneMajor(q1, 0);
        BlockActivations a = BlockActivations.forTokens(qn);
        for (int rep = 0; rep < 2; rep++) {
            double v = BlockKernelProbe.best(() -> Q8_0Kernels.matVecRows(data, w.rowBytes(), xl, q1.d, 0, 0, rows, out, 0), ms);
            double m = BlockKernelProbe.best(() -> Q8_0Kernels.matMulRows(data, w.rowBytes(), a, 0, rows, out, rows), ms);
            System.out.printf("new matVec %.1f us %.2f GB/s | matMul(%d) %.2f ms %.1f GMAC/s = %.2fx matVec per token%n", v * 1e6, bytes / v / 1e9, n, m * 1e3, macs / m / 1e9, v * n / m);
            if (old) {
                double ov = BlockKernelProbe.best(() -> { for (int r = 0; r < rows; r++) out[r] = VectorKernels.dotQ(t, data, r * w.rowBytes(), q1, 0, cols); }, ms);
                double om = BlockKernelProbe.best(() -> {
                    UnpackedRows block = new UnpackedRows(t, cols, 16);
                    for (int r0 = 0; r0 < rows; r0 += 16) {
                        int nr = Math.min(16, rows - r0);
                        block.unpack(data, r0 * w.rowBytes(), w.rowBytes(), nr);
                        for (int tk = 0; tk < n; tk++) for (int r = 0; r < nr; r++) out[tk * rows + r0 + r] = block.dot(r, qn, tk * cols);
                    }
                }, ms);
                System.out.printf("old matVec %.1f us %.2f GB/s | matMul(%d) %.2f ms %.1f GMAC/s%n", ov * 1e6, bytes / ov / 1e9, n, om * 1e3, macs / om / 1e9);
            }
        }
    }
}
