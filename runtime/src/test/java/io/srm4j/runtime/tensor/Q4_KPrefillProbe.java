package io.srm4j.runtime.tensor;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Hand-run (not a test): several-token products (prefill) of a K-quant matrix through {@link MatMul} on one thread,
 * best call of -Dms milliseconds, for two builds of the runtime side by side in one JVM: -Dold and -Dnew name
 * classes directories (default: this build for both), each loaded by its own class loader with this probe, and the
 * two timed alternately -Dreps times, so that the machine's drift hits both alike. Shapes: -Dshapes, a list of
 * {@code ROWSxCOLS} (default Qwen3-0.6B's gate/up 3072x1024 and down 1024x3072), -Dn tokens (default 256), -Dtype
 * (default Q4_K), -Dmapped=true for weights in a mapped file (as a model's) instead of native memory.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp runtime/target/test-classes:runtime/target/classes \
 *   -Dold=/tmp/old/classes -Dnew=runtime/target/classes io.srm4j.runtime.tensor.Q4_KPrefillProbe
 * </pre>
 */
public final class Q4_KPrefillProbe {
    public static void main(String[] args) throws Exception {
        String testClasses = Q4_KPrefillProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        String here = MatMul.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        String oldDir = System.getProperty("old", here), newDir = System.getProperty("new", here);
        int n = Integer.getInteger("n", 256), reps = Integer.getInteger("reps", 5);
        long ms = Long.getLong("ms", 2000);
        String type = System.getProperty("type", "Q4_K");
        Method oldRun = timer(oldDir, testClasses), newRun = timer(newDir, testClasses);
        for (String shape : System.getProperty("shapes", "3072x1024,1024x3072").split(",")) {
            int rows = Integer.parseInt(shape.split("x")[0]), cols = Integer.parseInt(shape.split("x")[1]);
            double macs = (double) n * rows * cols;
            List<Double> ratios = new ArrayList<>();
            oldRun.invoke(null, type, rows, cols, n, ms); // compiled before the pairs are timed
            newRun.invoke(null, type, rows, cols, n, ms);
            for (int rep = 0; rep < reps; rep++) {
                double old = (double) oldRun.invoke(null, type, rows, cols, n, ms), neu = (double) newRun.invoke(null, type, rows, cols, n, ms);
                ratios.add(old / neu);
                System.out.printf("%s %dx%d, %d tokens: old %.1f ms %.2f GMAC/s | new %.1f ms %.2f GMAC/s | new/old speed %.2fx%n",
                        type, rows, cols, n, old * 1e3, macs / old / 1e9, neu * 1e3, macs / neu / 1e9, old / neu);
            }
            ratios.sort(null);
            System.out.printf("%s %dx%d: median new/old speed %.2fx over %d pairs%n", type, rows, cols, ratios.get(ratios.size() / 2), reps);
        }
        System.exit(0);
    }

    /** This probe's {@link #time} as loaded, with the runtime classes in {@code classes}, by a loader of its own. */
    private static Method timer(String classes, String testClasses) throws Exception {
        URL[] urls = {new File(testClasses).toURI().toURL(), new File(classes).toURI().toURL()};
        @SuppressWarnings("resource") // lives as long as the probe
        ClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
        return loader.loadClass(Q4_KPrefillProbe.class.getName())
                .getMethod("time", String.class, int.class, int.class, int.class, long.class);
    }

    /** Seconds of the best {@code MatMul.matMul} of n tokens with a random rows x cols matrix (seed 1) within ms. */
    public static double time(String type, int rows, int cols, int n, long ms) {
        Random rnd = new Random(1);
        GgmlType t = GgmlType.valueOf(type);
        byte[] bytes = KernelsTest.rawRandomRows(t, rnd, rows, cols);
        MemorySegment data = Boolean.getBoolean("mapped") ? mapped(bytes) : Arena.global().allocate(bytes.length);
        if (!Boolean.getBoolean("mapped")) MemorySegment.copy(MemorySegment.ofArray(bytes), 0, data, 0, bytes.length);
        Matrix w = new Matrix("w", t, rows, cols, data);
        float[] x = Fixtures.gaussian(rnd, cols * n, 1f), out = new float[rows * n];
        WorkerPool one = new WorkerPool(1);
        return BlockKernelProbe.best(() -> MatMul.matMul(one, w, x, n, out), ms);
    }

    /** The bytes in a temporary file mapped as GgufFile maps a model (a shared arena): -Dmapped=true. */
    private static MemorySegment mapped(byte[] bytes) {
        try {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("q4kprobe", ".bin");
            f.toFile().deleteOnExit();
            java.nio.file.Files.write(f, bytes);
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
                return ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, bytes.length, Arena.ofShared());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
