package io.srm4j.runtime.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ../shared/tools/ref_forward.py}: an independent plain-numpy float32 forward pass (llama/qwen2 layouts, GQA,
 * q/k norm, F32/F16/Q8_0/Q4_0 weights; head dim must be dim / heads, no RoPE scaling, no BF16). Slow, but it shares
 * no code with llama.cpp or srm4j, which is what makes agreement between them meaningful.
 */
public final class RefForward {
    private RefForward() {}

    /** Greedy ids after the prompt and the top-5 (id, logit) after the prompt. */
    public record Result(int[] tokens, List<Map.Entry<Integer, Double>> top5, long millis) {}

    private static final Pattern GREEDY = Pattern.compile("(?m)^greedy \\[([0-9, ]*)]");
    private static final Pattern TOP = Pattern.compile("\\((\\d+), (-?[0-9.e+-]+)\\)");

    public static Path script(Path shared) {
        return shared.resolve("tools/ref_forward.py");
    }

    /** Skips unless python3 with numpy and the script are there. */
    public static void assumeAvailable(Path shared) {
        Assumptions.assumeTrue(Files.isRegularFile(script(shared)), () -> "ref_forward.py not found under " + shared);
        boolean ok;
        try {
            ok = ExternalProcess.run(List.of("python3", "-c", "import numpy"), Map.of(), new byte[0], Duration.ofSeconds(60)).exitCode() == 0;
        } catch (IOException e) {
            ok = false;
        }
        Assumptions.assumeTrue(ok, "python3 with numpy is not available");
    }

    public static Result greedy(Path shared, Path model, int[] prompt, int n) throws IOException {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1");
        List<String> cmd = new ArrayList<>(List.of("python3", script(shared).toString(), model.toAbsolutePath().toString()));
        for (int t : prompt) cmd.add(Integer.toString(t));
        cmd.add("--gen");
        cmd.add(Integer.toString(n));
        ExternalProcess.Result r = ExternalProcess.run(cmd, Map.of(), new byte[0], Duration.ofMinutes(10));
        if (r.exitCode() != 0) throw new IOException("ref_forward.py failed on " + model + ":\n" + ExternalProcess.tail(r.stderr()));
        Matcher g = GREEDY.matcher(r.stdout());
        if (!g.find()) throw new IOException("no 'greedy' line in ref_forward.py output:\n" + ExternalProcess.tail(r.stdout()));
        int[] ids = g.group(1).isBlank() ? new int[0]
                : java.util.Arrays.stream(g.group(1).split(",\\s*")).mapToInt(Integer::parseInt).toArray();
        List<Map.Entry<Integer, Double>> top = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (!line.startsWith("top5 ")) continue;
            Matcher m = TOP.matcher(line);
            while (m.find()) top.add(Map.entry(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2))));
        }
        return new Result(ids, List.copyOf(top), r.millis());
    }
}
