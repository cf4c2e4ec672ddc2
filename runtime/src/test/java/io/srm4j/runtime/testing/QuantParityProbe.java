package io.srm4j.runtime.testing;

import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.engine.Session;
import io.srm4j.runtime.tensor.GgmlType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Diagnostic harness: how far srm4j's next-token logits are from llama.cpp's after every prefix of a prompt, each
 * prefix evaluated from scratch as one batch by both (so prompt-processing products are compared with
 * prompt-processing products). Differences are measured on llama.cpp's top-{@code k} candidates as logit gaps to its
 * best one (all llama.cpp reports are probabilities).
 *
 * <p>Run with the test class path: {@code java --add-modules jdk.incubator.vector -Dsrm4j.shared=../shared -cp ...
 * io.srm4j.runtime.testing.QuantParityProbe ARCH TYPE [layers=N] [seed=S] [embd=TYPE] [output=TYPE] [tied=BOOL]
 * [attn_q=TYPE ...]} writes the parity suite's model for (ARCH, TYPE) with those changes and prints, per prompt
 * prefix, the largest gap difference. System properties: {@code probe.keep=FILE} keeps the model,
 * {@code probe.model=FILE} uses an existing one, {@code probe.dump=LEN} prints the gaps after prefix LEN,
 * {@code probe.trace=DIR} (with {@code probe.len=LEN}) compares with a scripts/llamacpp-dump.c dump instead.
 */
public final class QuantParityProbe {
    private QuantParityProbe() {}

    private static final int DUMP = Integer.getInteger("probe.dump", 0);

    /** Per prefix length 1..n: the largest |gap_srm4j - gap_llama.cpp| over llama.cpp's top k after that prefix. */
    public static double[] gapDifferences(Path model, int[] prompt, int k) throws Exception {
        List<LlamaCppNode.Request> requests = new ArrayList<>();
        for (int len = 1; len <= prompt.length; len++) {
            requests.add(LlamaCppNode.Request.greedyWithTop(Arrays.copyOf(prompt, len), 1, k));
        }
        var run = LlamaCppNode.run(model, LlamaCppNode.Options.defaults(), requests);
        double[] worst = new double[prompt.length];
        try (LanguageModel lm = LanguageModel.load(model)) {
            for (int len = 1; len <= prompt.length; len++) {
                Session s = lm.newSession(prompt.length + 8);
                float[] logits = s.ingest(Arrays.copyOf(prompt, len), null);
                var top = run.generations().get(len - 1).top();
                for (int i = 1; i < top.size(); i++) {
                    double theirs = top.get(0).logitMinus(top.get(i));
                    double ours = logits[top.get(0).token()] - logits[top.get(i).token()];
                    worst[len - 1] = Math.max(worst[len - 1], Math.abs(theirs - ours));
                    if (len == DUMP) System.out.printf("len %d top %d token %d: llama.cpp gap %.7f srm4j %.7f%n", len, top.get(0).token(), top.get(i).token(), theirs, ours);
                }
            }
        }
        return worst;
    }

    /**
     * Compares srm4j's intermediates after the last prompt token with a llama.cpp dump (one file per tensor, as
     * written by the cb_eval dumper described in docs/RUNTIME.md: four int64 dimensions, then float32 data): per
     * tensor, how many of the last row's values differ in any bit, and the largest difference.
     */
    static void compareTrace(Path model, int[] prompt, Path dump) throws Exception {
        java.util.Map<String, float[]> ours = new java.util.LinkedHashMap<>();
        try (LanguageModel lm = LanguageModel.load(model)) {
            lm.transformer().setTrace((name, layer, data, rows, width) -> ours.put(
                    layer < 0 ? name : name + "-" + layer, Arrays.copyOfRange(data, (rows - 1) * width, rows * width)));
            float[] logits = lm.newSession(prompt.length + 8).ingest(prompt, null);
            ours.put("result_output", logits.clone());
        }
        Path mine = dump.resolve("srm4j");
        Files.createDirectories(mine);
        for (var e : ours.entrySet()) {
            var out = java.nio.ByteBuffer.allocate(32 + 4 * e.getValue().length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            out.putLong(e.getValue().length).putLong(1).putLong(1).putLong(1);
            for (float v : e.getValue()) out.putFloat(v);
            Files.write(mine.resolve(e.getKey() + ".bin"), out.array());
        }
        for (var e : ours.entrySet()) {
            Path f = dump.resolve(e.getKey() + ".bin");
            if (e.getKey().startsWith("kq_soft_max")) continue;
            if (!Files.exists(f)) {
                System.out.println(e.getKey() + ": no llama.cpp dump");
                continue;
            }
            var buf = java.nio.ByteBuffer.wrap(Files.readAllBytes(f)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            long w = buf.getLong(), r = buf.getLong(), r2 = buf.getLong(), r3 = buf.getLong();
            long rows = r * r2 * r3;
            float[] o = e.getValue();
            if (w * rows < o.length) {
                System.out.println(e.getKey() + ": llama.cpp shape " + w + "x" + r + "x" + r2 + " vs " + o.length);
                continue;
            }
            // last row of llama.cpp's tensor (its row width may be split over dims 0 and 1, e.g. heads)
            int start = (int) (w * rows - o.length);
            int differing = 0;
            double maxAbs = 0, maxRel = 0;
            int worstAt = -1;
            for (int i = 0; i < o.length; i++) {
                float t = buf.getFloat(32 + 4 * (start + i));
                if (Float.floatToIntBits(t) != Float.floatToIntBits(o[i])) differing++;
                double d = Math.abs(t - o[i]);
                if (d > maxAbs) {
                    maxAbs = d;
                    worstAt = i;
                }
                maxRel = Math.max(maxRel, d / Math.max(1e-30, Math.abs(t)));
            }
            System.out.printf("%-16s %6d of %6d differ, max |d| %.3e (at %d), max rel %.3e%n", e.getKey(), differing, o.length, maxAbs, worstAt, maxRel);
        }
    }

    public static void main(String[] args) throws Exception {
        Path shared = Path.of(System.getProperty("srm4j.shared", "../shared"));
        SyntheticModels.Arch arch = SyntheticModels.Arch.valueOf(args[0].toUpperCase());
        GgmlType type = GgmlType.valueOf(args[1]);
        var spec = SyntheticModels.Spec.tiny(arch, SyntheticModels.vocab(shared, "llama-spm"))
                .withType(type)
                .withShape(256, 2, 4, 2, arch == SyntheticModels.Arch.QWEN3 ? 128 : 64, 512)
                .withSeed(7 + type.id);
        int layers = 2;
        for (int i = 2; i < args.length; i++) {
            String[] kv = args[i].split("=");
            switch (kv[0]) {
                case "layers" -> layers = Integer.parseInt(kv[1]);
                case "seed" -> spec = spec.withSeed(Long.parseLong(kv[1]));
                case "embd" -> spec = spec.withEmbeddingTypes(GgmlType.valueOf(kv[1]), spec.outputType());
                case "output" -> spec = spec.withEmbeddingTypes(spec.embeddingType(), GgmlType.valueOf(kv[1]));
                case "tied" -> spec = spec.withTied(Boolean.parseBoolean(kv[1]));
                default -> spec = spec.withTensorType(kv[0], GgmlType.valueOf(kv[1]));
            }
        }
        spec = spec.withShape(spec.dim(), layers, spec.heads(), spec.kvHeads(), spec.headDim(), spec.ffn());
        Path dir = Files.createTempDirectory("probe");
        Path model = System.getProperty("probe.model") != null ? Path.of(System.getProperty("probe.model")) : SyntheticModels.write(spec, dir.resolve("m.gguf"));
        int[] prompt;
        try (LanguageModel lm = LanguageModel.load(model)) {
            prompt = lm.tokenizePrompt("The quick brown fox jumps over the lazy dog. 12 + 30 = 42");
        }
        System.out.println("prompt " + Arrays.toString(prompt));
        if (System.getProperty("probe.trace") != null) {
            compareTrace(model, Arrays.copyOf(prompt, Integer.getInteger("probe.len", prompt.length)), Path.of(System.getProperty("probe.trace")));
            return;
        }
        double[] d = gapDifferences(model, prompt, 10);
        StringBuilder sb = new StringBuilder();
        for (double v : d) sb.append(String.format(" %.1e", v));
        System.out.println(String.join(" ", args) + ":" + sb);
        if (System.getProperty("probe.keep") != null) {
            Files.move(model, Path.of(System.getProperty("probe.keep")), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.deleteIfExists(model);
        Files.deleteIfExists(dir);
    }
}
