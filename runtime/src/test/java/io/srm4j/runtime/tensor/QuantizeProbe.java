package io.srm4j.runtime.tensor;

import java.util.Random;

/**
 * Hand-run (not a test): time to quantise -Dn activation vectors of -Dcols floats to Q8_0 ({@link QuantizedActivations})
 * and to lay them out for {@link Q4_0Tiles}, best of -Dms milliseconds each.
 */
public final class QuantizeProbe {
    public static void main(String[] args) {
        int n = Integer.getInteger("n", 256), cols = Integer.getInteger("cols", 896);
        long ms = Long.getLong("ms", 1500);
        float[] x = Fixtures.gaussian(new Random(1), n * cols, 1f);
        QuantizedActivations[] q = new QuantizedActivations[1];
        for (int rep = 0; rep < 3; rep++) {
            double t = BlockKernelProbe.best(() -> q[0] = QuantizedActivations.quantize(GgmlType.Q8_0, x, 0, cols, n), ms);
            double l = BlockKernelProbe.best(() -> new Q4_0Tiles.Activations(q[0]), ms);
            System.out.printf("%d x %d: quantise %.3f ms (%.2f ns/element), Q4_0Tiles layout %.3f ms (%.2f ns/element)%n",
                    n, cols, t * 1e3, t * 1e9 / n / cols, l * 1e3, l * 1e9 / n / cols);
        }
    }
}
