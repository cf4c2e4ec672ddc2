package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Hand-run (not a test): how long the first single-token product of a large Q4_0 matrix takes (its interleaving). */
public final class RepackTimeProbe {
    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 151936, cols = 896;
        Random rnd = new Random(1);
        byte[] bytes = new byte[(int) (GgmlType.Q4_0.rowBytes(cols) * rows)];
        rnd.nextBytes(bytes);
        float[] x = Fixtures.gaussian(rnd, cols, 1f), out = new float[rows];
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int i = 0; i < 3; i++) {
                Matrix w = new Matrix("w" + i, GgmlType.Q4_0, rows, cols, MemorySegment.ofArray(bytes));
                long t0 = System.nanoTime();
                if (args.length < 2) Q4_0x8.of(pool, w);
                long tp = System.nanoTime();
                MatMul.matVec(pool, w, x, 0, out, 0);
                long t1 = System.nanoTime();
                System.out.printf("interleaving %.1f ms; ", (tp - t0) / 1e6);
                MatMul.matVec(pool, w, x, 0, out, 0);
                long t2 = System.nanoTime();
                System.out.printf("first matVec %.1f ms, second %.1f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
            }
        }
    }
}
