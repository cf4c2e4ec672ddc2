package io.srm4j.bench;

import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.runtime.tensor.MatMul;
import io.srm4j.runtime.tensor.Matrix;
import io.srm4j.runtime.tensor.Quantize;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Decode's kernel: {@link MatMul#matVec} on Qwen2.5-0.5B's FFN down-projection shape (896 rows x 4864 columns: the
 * K-quants need columns in whole 256-element super-blocks, which 896 is not) in each weight type, on the shared
 * worker pool ({@code -Dsrm4j.threads=N}).
 * JMH reports microseconds per product; {@link #weightBytes} turns that into GB/s of weights read
 * ({@code GB/s = weightBytes / 1000 / us}); {@code scripts/bench-jmh.sh} prints both.
 *
 * <p>The matrix (~4.4 MB in Q8_0) is larger than L2 but fits this machine's 32 MB L3, so these figures are an
 * upper bound on what decode sees streaming 500 MB of weights from memory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// the first products run interpreted (seconds each with the Vector API): enough warm-up for C2 to take over
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatVecBench {
    public static final int ROWS = 896, COLS = 4864;

    @Param({"Q8_0", "Q4_0", "Q4_K", "Q6_K", "F16"})
    public String type;

    private Matrix matrix;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        matrix = matrix(GgmlType.valueOf(type));
        x = randomFloats(COLS, 7);
        out = new float[ROWS];
    }

    @Benchmark
    public void matVec(Blackhole bh) {
        MatMul.matVec(matrix, x, 0, out, 0);
        bh.consume(out);
    }

    /** A {@code ROWS x COLS} matrix of random weights quantised to {@code type} with the reference quantiser. */
    static Matrix matrix(GgmlType type) {
        float[] w = randomFloats(ROWS * COLS, 42);
        byte[] bytes = Quantize.matrix(type, w, ROWS, COLS);
        return new Matrix("bench." + type, type, ROWS, COLS, MemorySegment.ofArray(bytes));
    }

    /** Bytes of weights one product reads. */
    public static long weightBytes(GgmlType type) {
        return type.rowBytes(COLS) * ROWS;
    }

    /** GB/s (10^9 bytes) of weights read, given JMH's microseconds per product. */
    public static double gigabytesPerSecond(GgmlType type, double microsPerOp) {
        return Ratios.ratio(weightBytes(type) / 1e3, microsPerOp);
    }

    private static float[] randomFloats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1) * 0.05f;
        return v;
    }
}
