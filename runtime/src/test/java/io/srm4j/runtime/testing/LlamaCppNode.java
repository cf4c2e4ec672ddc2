package io.srm4j.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Greedy generations of the current llama.cpp (npm {@code node-llama-cpp@3.21.1}, CPU build), run in a child
 * {@code node} process with {@code reference/llamacpp_greedy.mjs}. Install it with {@code scripts/setup-references.sh}
 * (into {@code build/references/node}); tests call {@link #assumeAvailable()} to skip with a message otherwise.
 *
 * <p>Generation is exactly greedy: sampler chain = llama.cpp's greedy sampler alone (first index of the largest logit),
 * no repeat penalty, grammar or bias; the context always holds prompt + n so nothing is shifted out. By default EOG
 * tokens do not stop generation ({@link Request#stopAtEog}), so the result has exactly {@code n} ids.
 *
 * <p>Locations can be overridden with system properties {@code srm4j.node} (the node binary) and
 * {@code srm4j.references.node} (the folder holding {@code node_modules/node-llama-cpp}).
 */
public final class LlamaCppNode {
    private LlamaCppNode() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = "/reference/llamacpp_greedy.mjs";
    private static volatile String unavailableReason;
    private static volatile boolean probed;

    /**
     * How llama.cpp is set up. {@code kvType} is the KV-cache element type (llama.cpp's default F16; "F32" keeps it
     * exact). {@code flashAttention} false by default: llama.cpp's CPU flash-attention kernel computes in F16 and
     * changes greedy ids on real models; llama.cpp itself turns it on by default ("auto"). {@code contextSize} 0 means
     * just enough for the longest request. {@code threads}: see {@link #defaultThreads()}.
     */
    public record Options(int threads, int contextSize, String kvType, boolean flashAttention, Duration timeout) {
        public static Options defaults() {
            return new Options(defaultThreads(), 0, "F16", false, Duration.ofMinutes(5));
        }

        public Options withThreads(int n) {
            return new Options(n, contextSize, kvType, flashAttention, timeout);
        }

        public Options withKvType(String type) {
            return new Options(threads, contextSize, type, flashAttention, timeout);
        }

        public Options withFlashAttention(boolean on) {
            return new Options(threads, contextSize, kvType, on, timeout);
        }

        public Options withTimeout(Duration t) {
            return new Options(threads, contextSize, kvType, flashAttention, t);
        }

        /** What changes llama.cpp's output (the timeout does not): part of cache keys. */
        String cacheKey() {
            return "t" + threads + ",c" + contextSize + "," + kvType + ",fa" + flashAttention;
        }
    }

    /**
     * One generation: {@code prompt} ids exactly as evaluated (include BOS yourself if the model wants it),
     * {@code n} greedy tokens, {@code top} > 0 to also get the top probabilities after the prompt, {@code topEach} > 0
     * for the top candidates of every generated token (a full-vocabulary sort per step: diagnostics only), and
     * {@code stopAtEog} to end at an end-of-generation token (otherwise exactly {@code n} ids come back).
     */
    public record Request(int[] prompt, int n, int top, int topEach, boolean stopAtEog) {
        public Request {
            if (prompt == null || prompt.length == 0) throw new IllegalArgumentException("prompt must hold at least one token");
            if (n < 0 || top < 0 || topEach < 0) throw new IllegalArgumentException("n, top and topEach must be >= 0");
            if (topEach > 0 && n == 0) throw new IllegalArgumentException("topEach needs n >= 1");
            prompt = prompt.clone();
        }

        public static Request greedy(int[] prompt, int n) {
            return new Request(prompt, n, 0, 0, false);
        }

        public static Request greedyWithTop(int[] prompt, int n, int top) {
            return new Request(prompt, n, top, 0, false);
        }

        /** Greedy ids plus, per step, the two best candidates: see {@link Generation#margin(int)}. */
        public static Request greedyWithMargins(int[] prompt, int n) {
            return new Request(prompt, n, 0, 2, false);
        }

        String cacheKey() {
            return Arrays.toString(prompt) + "|n" + n + "|top" + top + "|each" + topEach + "|eog" + stopAtEog;
        }
    }

    /** A next-token candidate: id and its probability = softmax of llama.cpp's raw logits. */
    public record TopEntry(int token, double probability) {
        /** The logit difference to another candidate (log p_a - log p_b = logit_a - logit_b). */
        public double logitMinus(TopEntry other) {
            return Math.log(probability) - Math.log(other.probability);
        }
    }

    /**
     * {@code text} is the ids detokenised by llama.cpp after the prompt (special tokens as empty text); {@code top} is
     * empty unless asked for; {@code topEach} holds, per generated token, the best candidates it was chosen from
     * (empty unless asked for); {@code millis} is llama.cpp's time for this request alone.
     */
    public record Generation(int[] tokens, String text, boolean stoppedAtEog, List<TopEntry> top, List<List<TopEntry>> topEach, long millis) {
        /**
         * The logit gap between the best and second-best candidate at generated token {@code step}: a divergence at a
         * step with a gap of ~1e-3 is a rounding-order tie, one at a gap of 1 is a real bug.
         */
        public double margin(int step) {
            if (topEach.isEmpty()) throw new IllegalStateException("ask with topEach >= 2 (Request.greedyWithMargins)");
            List<TopEntry> t = topEach.get(step);
            return t.get(0).logitMinus(t.get(1));
        }
    }

    /** One child process: what ran, how it was set up, load time, wall time including node's start, and results. */
    public record Run(String runtime, String systemInfo, JsonNode settings, long loadMillis, long wallMillis, List<Generation> generations) {}

    /**
     * {@code -Dsrm4j.reference.threads}, default 1. ggml gives each output row to one thread, so ids do not depend on
     * the thread count (checked by the conformance suite); with 2 threads on a busy 2-core machine ggml's spin-waiting
     * pool stalls for seconds per token, while 1 thread runs stories260K's 64 tokens in ~0.2 s.
     */
    public static int defaultThreads() {
        return Integer.getInteger("srm4j.reference.threads", 1);
    }

    /** Whether node and node-llama-cpp are installed (probed once per JVM). */
    public static boolean available() {
        return unavailableReason() == null;
    }

    /** Null when available, otherwise why not (and how to fix it). */
    public static synchronized String unavailableReason() {
        if (!probed) {
            unavailableReason = probe();
            probed = true;
        }
        return unavailableReason;
    }

    /** Skips the calling test (JUnit assumption) when the reference is not installed. */
    public static void assumeAvailable() {
        String why = unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "llama.cpp (node) reference not available: " + why);
    }

    /** {@code n} greedy ids after {@code prompt}, default options. */
    public static int[] greedy(Path model, int[] prompt, int n) throws IOException {
        return run(model, Options.defaults(), List.of(Request.greedy(prompt, n))).generations().getFirst().tokens();
    }

    /** Runs all requests against one loaded model in one child process (loading once). */
    public static Run run(Path model, Options options, List<Request> requests) throws IOException {
        if (requests.isEmpty()) throw new IllegalArgumentException("no requests");
        if (!Files.isRegularFile(model)) throw new IOException("model file not found: " + model);
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException("llama.cpp (node) reference not available: " + why);

        ObjectNode req = JSON.createObjectNode();
        req.put("model", model.toAbsolutePath().toString());
        req.put("threads", options.threads());
        req.put("contextSize", options.contextSize());
        req.put("kvType", options.kvType());
        req.put("flashAttention", options.flashAttention());
        ArrayNode cases = req.putArray("cases");
        for (Request r : requests) {
            ObjectNode c = cases.addObject();
            ArrayNode t = c.putArray("tokens");
            for (int id : r.prompt()) t.add(id);
            c.put("n", r.n());
            c.put("top", r.top());
            c.put("topEach", r.topEach());
            c.put("stopAtEog", r.stopAtEog());
        }
        ExternalProcess.Result res = ExternalProcess.run(List.of(nodeBinary(), script().toString()),
                Map.of("SRM4J_NODE_LLAMA_CPP_DIR", packageDir().toString()), JSON.writeValueAsBytes(req), options.timeout());
        String line = ExternalProcess.lastJsonLine(res.stdout());
        if (res.exitCode() != 0 || line == null) {
            throw new IOException("llama.cpp (node) failed on " + model + " (exit " + res.exitCode() + "):\n" + ExternalProcess.tail(res.stderr() + "\n" + res.stdout()));
        }
        JsonNode out = JSON.readTree(line);
        List<Generation> gens = new ArrayList<>();
        for (JsonNode g : out.get("results")) {
            int[] tokens = new int[g.get("tokens").size()];
            for (int i = 0; i < tokens.length; i++) tokens[i] = g.get("tokens").get(i).asInt();
            List<TopEntry> top = g.hasNonNull("top") ? entries(g.get("top")) : List.of();
            List<List<TopEntry>> each = new ArrayList<>();
            if (g.hasNonNull("topEach")) for (JsonNode step : g.get("topEach")) each.add(entries(step));
            gens.add(new Generation(tokens, g.path("text").asText(), g.get("stoppedAtEog").asBoolean(), List.copyOf(top), List.copyOf(each), g.get("ms").asLong()));
        }
        return new Run(out.get("runtime").asText(), out.path("systemInfo").asText(), out.get("settings"),
                out.get("loadMs").asLong(), res.millis(), List.copyOf(gens));
    }

    private static List<TopEntry> entries(JsonNode pairs) {
        List<TopEntry> list = new ArrayList<>();
        for (JsonNode e : pairs) list.add(new TopEntry(e.get(0).asInt(), e.get(1).asDouble()));
        return List.copyOf(list);
    }

    private static String probe() {
        Path dir = packageDir();
        if (dir == null || !Files.isRegularFile(dir.resolve("node_modules/node-llama-cpp/package.json"))) {
            return "node-llama-cpp not installed (run scripts/setup-references.sh, or set -Dsrm4j.references.node=DIR)";
        }
        try {
            ExternalProcess.Result r = ExternalProcess.run(List.of(nodeBinary(), "--version"), Map.of(), new byte[0], Duration.ofSeconds(30));
            if (r.exitCode() != 0) return "'" + nodeBinary() + " --version' failed: " + r.stderr().strip();
            String v = r.stdout().strip();
            // node-llama-cpp 3.x needs node >= 18 (ES modules with top-level await, fetch).
            int major = Integer.parseInt(v.replaceFirst("^v(\\d+).*", "$1"));
            if (major < 18) return "node " + v + " is too old (need >= 18)";
        } catch (IOException | NumberFormatException e) {
            return "node not runnable ('" + nodeBinary() + "'): " + e.getMessage();
        }
        return null;
    }

    static String nodeBinary() {
        return System.getProperty("srm4j.node", "node");
    }

    /** {@code -Dsrm4j.references.node}, else {@code build/references/node} in the first ancestor of the working dir holding it. */
    static Path packageDir() {
        String p = System.getProperty("srm4j.references.node");
        if (p != null) return Path.of(p).toAbsolutePath();
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("build/references/node");
            if (Files.isDirectory(c.resolve("node_modules"))) return c;
            if (Files.isRegularFile(d.resolve("scripts/setup-references.sh"))) return c; // the repository root: stop here
        }
        return null;
    }

    private static volatile Path scriptPath;

    /** The script as a file (copied out when the test classes are in a jar). */
    static synchronized Path script() throws IOException {
        if (scriptPath != null) return scriptPath;
        URL url = LlamaCppNode.class.getResource(SCRIPT);
        if (url == null) throw new IOException("test resource " + SCRIPT + " missing from the class path");
        Path path;
        if ("file".equals(url.getProtocol())) {
            try {
                path = Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
        } else {
            path = Files.createTempFile("llamacpp_greedy", ".mjs");
            path.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, path, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return scriptPath = path;
    }
}
