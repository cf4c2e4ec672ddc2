package io.srm4j.train.bench;

import io.srm4j.runtime.tensor.WorkerPool;
import io.srm4j.train.autograd.BufferPool;
import io.srm4j.train.autograd.OpenBlasMatMul;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Training speed side by side: srm4j and PyTorch (libtorch 2.7.1 on the CPU through DJL, {@link TorchTrainingStep})
 * train the {@link ThroughputProbe}'s ~10M-parameter model on the same tokens, with the same threads, in one JVM,
 * taking turns: each round runs a few steps of one engine, then of the other (the order alternates), so both see the
 * same machine. The ratio of each round is what to read on a VM whose speed drifts by a quarter from minute to
 * minute. Where the system OpenBLAS is installed, srm4j also runs with it as its matrix kernel (a third engine).
 * Issue 5 asks for 1,500 tokens/s where PyTorch was measured at ~1,950, i.e. 0.77x PyTorch. Not a test; run
 * by hand ({@code scripts/bench-training.sh} builds the classpath):
 * {@code java --add-modules jdk.incubator.vector -cp <train test classpath> io.srm4j.train.bench.TrainingSideBySide [--rounds 6] [--steps 4] [--threads 2] [--batch 4] [--seq 256] [--no-openblas]}
 */
public final class TrainingSideBySide {
    public static void main(String[] args) {
        int rounds = option(args, "--rounds", 6), steps = option(args, "--steps", 4), threads = option(args, "--threads", 2);
        int batch = option(args, "--batch", 4), seq = option(args, "--seq", 256);
        // both engines get the same threads; set before either starts its pool
        System.setProperty(WorkerPool.THREADS_PROPERTY, Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true"); // libtorch comes from the Maven jar on the class path

        TransformerConfig c = ThroughputProbe.config(seq);
        int[][] seqs = ThroughputProbe.randomSequences(batch, seq, c.vocab());
        TokenBatch tokens = TokenBatch.nextToken(seqs);
        long tokensPerStep = (long) batch * seq;

        List<Engine> engines = new ArrayList<>();
        TransformerModel model = TransformerModel.create(c, 1);
        engines.add(srm4j("srm4j", model, tokens));
        // the optional system OpenBLAS behind the same model (issue 5: "as an option when it is installed")
        if (!List.of(args).contains("--no-openblas")) {
            OpenBlasMatMul.load().ifPresent(blas -> engines.add(srm4j("srm4j+OpenBLAS(" + blas.coreName() + ")",
                    TransformerModel.create(c, 1).withKernel(blas), tokens)));
        }
        try (TorchTrainingStep torch = new TorchTrainingStep(c, seqs)) {
            engines.add(new Engine("PyTorch", () -> torch.step(1e-3f)));
            System.out.printf("model: %,d parameters (%s), PyTorch's copy %,d; batch %d x %d tokens, %d threads each, %d rounds of %d steps%n",
                    model.parameterCount(), c, torch.parameterCount(), batch, seq, threads, rounds, steps);
            String preload = System.getenv("LD_PRELOAD");
            System.out.println("PyTorch: libtorch " + ai.djl.engine.Engine.getEngine("PyTorch").getVersion() + ", "
                    + TorchTrainingStep.threads() + " intra-op threads; oneMKL " + (preload != null && preload.contains("mkl-cpu-check")
                    ? "with its CPU check overridden (" + preload + "), AVX2 kernels on any x86 CPU"
                    : "as shipped (on a CPU that is not Intel's it takes a generic, slower path)"));
            for (int i = 0; i < 3; i++) { // warm-up: the JIT for srm4j, allocator caches for libtorch
                StringBuilder line = new StringBuilder("warm-up " + i + ": loss");
                for (Engine e : engines) line.append(String.format(" %s %.4f", e.name(), e.step().getAsDouble()));
                System.out.println(line);
            }
            int n = engines.size(), anchor = n - 1;
            double[][] speed = new double[n][rounds], ratio = new double[n][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < n; i++) { // the order rotates so no engine always runs first or last
                    int e = (i + r) % n;
                    speed[e][r] = tokensPerSecond(engines.get(e).step(), steps, tokensPerStep);
                }
                StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
                for (int e = 0; e < n; e++) {
                    ratio[e][r] = speed[e][r] / speed[anchor][r];
                    line.append(String.format(" %s %,.0f tokens/s%s;", engines.get(e).name(), speed[e][r],
                            e == anchor ? "" : String.format(" (%.2fx)", ratio[e][r])));
                }
                line.append(String.format(" load average %.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
                System.out.println(line);
            }
            System.out.printf("median of %d rounds (ratios to PyTorch per round: median, range):%n", rounds);
            for (int e = 0; e < n; e++) {
                System.out.printf("  %-28s %,7.0f tokens/s%s%n", engines.get(e).name(), median(speed[e]), e == anchor ? ""
                        : String.format("   %.2fx, %.2f-%.2fx", median(ratio[e]), Arrays.stream(ratio[e]).min().orElse(0),
                        Arrays.stream(ratio[e]).max().orElse(0)));
            }
        }
    }

    private record Engine(String name, DoubleSupplier step) {}

    /** srm4j's engine: {@link ThroughputProbe#trainStep} on its own optimiser and buffers. */
    private static Engine srm4j(String name, TransformerModel model, TokenBatch tokens) {
        AdamW adamW = new AdamW(model.parameters(), AdamW.Settings.defaults());
        BufferPool buffers = new BufferPool();
        return new Engine(name, () -> ThroughputProbe.trainStep(model, adamW, buffers, tokens));
    }

    private static double tokensPerSecond(DoubleSupplier step, int steps, long tokensPerStep) {
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            double loss = step.getAsDouble();
            if (!Double.isFinite(loss)) throw new IllegalStateException("loss " + loss + " at step " + s);
        }
        return steps * tokensPerStep / ((System.nanoTime() - t0) / 1e9);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static int option(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals(name)) return Integer.parseInt(args[i + 1]);
        return fallback;
    }
}
