package io.srm4j.train.bench;

import io.srm4j.runtime.tensor.WorkerPool;
import io.srm4j.train.autograd.MatMulKernel;
import io.srm4j.train.autograd.ScalarMatMul;
import io.srm4j.train.autograd.VectorMatMul;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * GFLOP/s of the training products at the probe model's shapes (1024 tokens, dim 384, ffn 1024): the blocked
 * kernel for C = A·Bᵀ, A·B and Aᵀ·B against, in the same run, the first dot-product kernel ({@link DotTileMatMul})
 * and the scalar twin. Two measures: wall-clock GFLOP/s on the shared pool's threads, and GFLOP per CPU-second of
 * one thread alone (the calling thread's CPU time, so other load on a shared machine does not count). Not a test;
 * run by hand:
 * {@code java --add-modules jdk.incubator.vector -Dsrm4j.threads=2 -cp train/target/test-classes:train/target/classes:runtime/target/classes io.srm4j.train.bench.GemmProbe [seconds per case]}
 */
public final class GemmProbe {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        WorkerPool pool = WorkerPool.shared();
        System.out.printf("threads %d, vector lanes %d%n", pool.threads(), jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length());
        int[][] shapes = {{1024, 384, 1024}, {1024, 1024, 384}, {1024, 384, 384}, {384, 1024, 1024}};
        try (WorkerPool single = new WorkerPool(1)) {
            VectorMatMul blocked = new VectorMatMul(pool), blocked1 = new VectorMatMul(single);
            DotTileMatMul dotTile = new DotTileMatMul(pool), dotTile1 = new DotTileMatMul(single);
            for (int[] sh : shapes) {
                int m = sh[0], k = sh[1], n = sh[2];
                float[] a = random(m * k, 1), b = random(k * n, 2), c = new float[m * n];
                double flop = 2.0 * m * n * k;
                System.out.printf("m=%d k=%d n=%d, %d threads wall-clock: blocked A·Bᵀ %.1f, A·B %.1f, Aᵀ·B %.1f; dot-tile A·Bᵀ %.1f GFLOP/s%n", m, k, n,
                        pool.threads(),
                        wall(flop, seconds, () -> blocked.multiplyTransposed(a, b, c, m, k, n, false)),
                        wall(flop, seconds, () -> blocked.multiplyPlain(a, b, c, m, k, n, false)),
                        wall(flop, seconds, () -> blocked.multiplyTransposedA(a, b, c, m, k, n, false)),
                        wall(flop, seconds, () -> dotTile.multiplyTransposed(a, b, c, m, k, n, false)));
                double abt = cpu(flop, seconds, () -> blocked1.multiplyTransposed(a, b, c, m, k, n, false));
                double ab = cpu(flop, seconds, () -> blocked1.multiplyPlain(a, b, c, m, k, n, false));
                double atb = cpu(flop, seconds, () -> blocked1.multiplyTransposedA(a, b, c, m, k, n, false));
                double old = cpu(flop, seconds, () -> dotTile1.multiplyTransposed(a, b, c, m, k, n, false));
                System.out.printf("m=%d k=%d n=%d, 1 thread per CPU-second: blocked A·Bᵀ %.1f, A·B %.1f, Aᵀ·B %.1f; dot-tile A·Bᵀ %.1f GFLOP/s (blocked/dot-tile %.2fx)%n",
                        m, k, n, abt, ab, atb, old, abt / old);
            }
            // the optional OpenBLAS kernel against the blocked one, both on 2 threads, per CPU-second of the process
            var blas = io.srm4j.train.autograd.OpenBlasMatMul.load();
            if (blas.isEmpty()) System.out.println("OpenBLAS: libopenblas.so.0 not found, skipped");
            blas.ifPresent(ob -> {
                System.out.println("OpenBLAS core: " + ob.coreName() + (ob.coreName().equalsIgnoreCase("Prescott")
                        ? " (misdetected: set OPENBLAS_CORETYPE before starting the JVM)" : ""));
                for (int[] sh : shapes) {
                    int m = sh[0], k = sh[1], n = sh[2];
                    float[] a = random(m * k, 1), b = random(k * n, 2), c = new float[m * n];
                    double flop = 2.0 * m * n * k;
                    System.out.printf("m=%d k=%d n=%d, 2 threads, wall / per process CPU-second: blocked A·Bᵀ %.1f / %.1f, OpenBLAS A·Bᵀ %.1f / %.1f GFLOP/s%n", m, k, n,
                            wall(flop, seconds, () -> blocked.multiplyTransposed(a, b, c, m, k, n, false)),
                            process(flop, seconds, () -> blocked.multiplyTransposed(a, b, c, m, k, n, false)),
                            wall(flop, seconds, () -> ob.multiplyTransposed(a, b, c, m, k, n, false)),
                            process(flop, seconds, () -> ob.multiplyTransposed(a, b, c, m, k, n, false)));
                }
            });
            // the scalar twin at a size it finishes quickly
            int m = 256, k = 384, n = 256;
            float[] a = random(m * k, 3), b = random(k * n, 4), c = new float[m * n];
            double flop = 2.0 * m * n * k;
            double scalar = cpu(flop, seconds, () -> ScalarMatMul.INSTANCE.multiplyTransposed(a, b, c, m, k, n, false));
            MatMulKernel k1 = blocked1;
            double one = cpu(flop, seconds, () -> k1.multiplyTransposed(a, b, c, m, k, n, false));
            System.out.printf("m=%d k=%d n=%d, 1 thread per CPU-second: scalar twin %.2f GFLOP/s, blocked %.1f GFLOP/s (%.0fx)%n", m, k, n, scalar, one, one / scalar);
        }
    }

    private static double wall(double flop, double seconds, Runnable r) {
        for (int i = 0; i < 3; i++) r.run();
        long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
        int reps = 0;
        long now;
        do {
            r.run();
            reps++;
        } while ((now = System.nanoTime()) < end);
        return flop * reps / (now - t0);
    }

    private static double cpu(double flop, double seconds, Runnable r) {
        for (int i = 0; i < 3; i++) r.run();
        long t0 = MX.getCurrentThreadCpuTime(), end = t0 + (long) (seconds * 1e9);
        int reps = 0;
        long now;
        do {
            r.run();
            reps++;
        } while ((now = MX.getCurrentThreadCpuTime()) < end);
        return flop * reps / (now - t0);
    }

    private static double process(double flop, double seconds, Runnable r) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int i = 0; i < 3; i++) r.run();
        long t0 = os.getProcessCpuTime(), end = t0 + (long) (seconds * 2e9);
        int reps = 0;
        long now;
        do {
            r.run();
            reps++;
        } while ((now = os.getProcessCpuTime()) < end);
        return flop * reps / (now - t0);
    }

    private static float[] random(int n, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }
}
