package io.srm4j.train.bench;

import io.srm4j.runtime.tensor.WorkerPool;
import io.srm4j.train.autograd.BufferPool;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.autograd.Tensor;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.optim.GradientClipping;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Training throughput of a ~10M-parameter model: tokens per second over full steps (forward, backward, clipping,
 * AdamW), the model's matrix-product GFLOP/s, and tokens per CPU-second of the process (robust to other load on
 * the machine). Not a test; run by hand:
 * {@code java --add-modules jdk.incubator.vector -Dsrm4j.threads=2 -cp train/target/test-classes:train/target/classes:runtime/target/classes io.srm4j.train.bench.ThroughputProbe [steps] [batch] [seq] [--profile]}
 *
 * <p>With {@code --profile} the measured steps run under a JFR execution-sample recording (1 ms), and the probe
 * prints where the samples fell: by phase and layer for the calling thread, by kernel for all threads.
 */
public final class ThroughputProbe {
    public static void main(String[] args) throws IOException {
        List<String> positional = java.util.Arrays.stream(args).filter(a -> !a.startsWith("--")).toList();
        boolean profile = List.of(args).contains("--profile");
        int steps = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 5;
        int batch = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 4;
        int seq = positional.size() > 2 ? Integer.parseInt(positional.get(2)) : 256;
        var c = config(seq);
        TransformerModel m = TransformerModel.create(c, 1);
        AdamW opt = new AdamW(m.parameters(), AdamW.Settings.defaults());
        TokenBatch b = TokenBatch.nextToken(randomSequences(batch, seq, c.vocab()));
        long tokensPerStep = (long) batch * seq;
        double flopPerStep = flopPerStep(c, batch, seq);
        System.out.printf("model: %,d parameters (%s), batch %d × %d tokens, %d threads, %.1f GFLOP per step in matrix products%n",
                m.parameterCount(), c, batch, seq, WorkerPool.shared().threads(), flopPerStep / 1e9);
        long fwd = 0, bwd = 0, upd = 0, cpu0 = 0;
        long tokens = 0;
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        Recording rec = null;
        // -Dsrm4j.pool=false measures plain allocation, as before the pool
        BufferPool buffers = Boolean.parseBoolean(System.getProperty("srm4j.pool", "true")) ? new BufferPool() : null;
        for (int s = -2; s < steps; s++) { // two warm-up steps for the JIT
            if (s == 0 && profile) {
                rec = new Recording();
                rec.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
                rec.start();
            }
            if (s == 0) cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            m.zeroGrad();
            Tape tape = new Tape(buffers);
            Tensor loss = m.loss(tape, b);
            long t1 = System.nanoTime();
            tape.backward(loss);
            long t2 = System.nanoTime();
            GradientClipping.clip(m.parameters(), 1.0);
            opt.step(1e-3f);
            float lossValue = loss.item();
            tape.release();
            long t3 = System.nanoTime();
            System.out.printf("step %d: loss %.4f, forward %d ms, backward %d ms, clip+adamw %d ms%n", s, lossValue,
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
            if (s >= 0) {
                fwd += t1 - t0;
                bwd += t2 - t1;
                upd += t3 - t2;
                tokens += tokensPerStep;
            }
        }
        double cpuSecs = (os.getProcessCpuTime() - cpu0) / 1e9;
        double secs = (fwd + bwd + upd) / 1e9;
        System.out.printf("throughput: %.0f tokens/s, %.1f GFLOP/s of matrix products (forward %.0f%%, backward %.0f%%, clip+adamw %.0f%%)%n",
                tokens / secs, flopPerStep * (tokens / (double) tokensPerStep) / secs / 1e9,
                100.0 * fwd / (fwd + bwd + upd), 100.0 * bwd / (fwd + bwd + upd), 100.0 * upd / (fwd + bwd + upd));
        // on a shared machine wall time counts other processes' turns; CPU time counts only this process's (spinning
        // workers included, so this under- rather than over-states what dedicated cores would give)
        int threads = WorkerPool.shared().threads();
        System.out.printf("process CPU: %.1f s over %.1f s wall (%.2f cores busy); %.0f tokens per CPU-second, %.0f tokens/s on %d dedicated cores%n",
                cpuSecs, secs, cpuSecs / secs, tokens / cpuSecs, threads * tokens / cpuSecs, threads);
        if (rec != null) {
            rec.stop();
            Path file = Files.createTempFile("throughput", ".jfr");
            rec.dump(file);
            rec.close();
            report(file);
            Files.deleteIfExists(file);
        }
    }

    /** The probes' training tokens: {@code batch} sequences of {@code seq} ids, seed 1. */
    static int[][] randomSequences(int batch, int seq, int vocab) {
        Random rnd = new Random(1);
        int[][] seqs = new int[batch][seq];
        for (int[] s : seqs) for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(vocab);
        return seqs;
    }

    /** One full step as the trainer takes it (forward, backward, clipping at 1.0, AdamW at 1e-3); returns the loss. */
    static float trainStep(TransformerModel model, AdamW adamW, BufferPool buffers, TokenBatch tokens) {
        model.zeroGrad();
        Tape tape = new Tape(buffers);
        Tensor loss = model.loss(tape, tokens);
        tape.backward(loss);
        GradientClipping.clip(model.parameters(), 1.0);
        adamW.step(1e-3f);
        float value = loss.item();
        tape.release();
        return value;
    }

    /** The probe's model: ~10M parameters (dim 384, 6 layers, 6 heads over 2 KV heads, FFN 1024, 512 tokens). */
    static TransformerConfig config(int seq) {
        return new TransformerConfig(384, 6, 6, 2, 1024, 512, Math.max(256, seq), 10000f, 1e-5f, false);
    }

    /**
     * Multiply-adds ×2 of one step's matrix products: forward, and twice that backward (input and weight gradients),
     * for the projections, the output layer and attention (causal: about half of the square, as the blocks compute
     * it the diagonal blocks in full).
     */
    static double flopPerStep(TransformerConfig c, int batch, int seq) {
        double tokens = (double) batch * seq;
        double perTokenLayer = c.dim() * (c.heads() * c.headDim() + 2.0 * c.kvDim()) + c.heads() * c.headDim() * (double) c.dim()
                + 3.0 * c.dim() * c.ffn();
        double linear = 2 * tokens * (c.layers() * perTokenLayer + (double) c.dim() * c.vocab());
        double causalPairs = 0;
        for (int t0 = 0; t0 < seq; t0 += 64) causalPairs += (double) Math.min(64, seq - t0) * Math.min(seq, t0 + 64);
        double attention = 2 * 2 * batch * c.heads() * causalPairs * c.headDim() * c.layers(); // QKᵀ and P·V
        return 3 * (linear + attention);
    }

    private static void report(Path file) throws IOException {
        Map<String, Integer> byLayer = new HashMap<>(), byKernel = new HashMap<>();
        int mainSamples = 0, all = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) continue;
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            String kernel = null, layer = null;
            boolean backward = false, main = false;
            for (RecordedFrame f : frames) {
                String cls = f.getMethod().getType().getName();
                if (!cls.startsWith("io.srm4j.")) continue;
                String simple = cls.substring(cls.lastIndexOf('.') + 1);
                int dollar = simple.indexOf('$');
                if (dollar > 0) simple = simple.substring(0, dollar);
                if (kernel == null) kernel = simple + (simple.equals("WorkerPool") ? " (waiting)" : "");
                if (layer == null && LAYERS.contains(simple)) layer = simple;
                if (simple.equals("Tape") && f.getMethod().getName().equals("backward")) backward = true;
                if (simple.equals("ThroughputProbe")) main = true;
            }
            if (kernel == null) kernel = "other (JVM, GC)";
            all++;
            byKernel.merge(kernel, 1, Integer::sum);
            if (main) {
                mainSamples++;
                String phase = layer != null && (layer.equals("AdamW") || layer.equals("GradientClipping")) ? "update" : backward ? "backward" : "forward";
                byLayer.merge(phase + " " + (layer == null ? "other" : layer), 1, Integer::sum);
            }
        }
        System.out.printf("%nprofile, calling thread (%d samples): phase and layer%n", mainSamples);
        print(byLayer, mainSamples);
        System.out.printf("profile, all threads (%d samples): innermost srm4j class%n", all);
        print(byKernel, all);
    }

    private static final List<String> LAYERS = List.of("Linear", "Attention", "RmsNorm", "Rope", "Elementwise", "CrossEntropy",
            "Embedding", "AdamW", "GradientClipping", "TransformerModel");

    private static void print(Map<String, Integer> counts, int total) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(en -> System.out.printf("  %5.1f%%  %s%n", 100.0 * en.getValue() / total, en.getKey()));
    }
}
