package io.srm4j.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Greedy completions of llama.cpp build 4916 as bundled in java-llama.cpp {@code de.kherud:llama:4.2.0} (what Java users
 * get; an AVX2 CPU build), run in a forked JVM ({@link LlamaCppJavaMain}) because that library can abort the process
 * ({@code setNProbs(n > 0)}), and its {@code generate()} iterator and {@code close()} can hang.
 *
 * <p>It returns text only (no ids, no probabilities). It predates qwen3: only llama/qwen2 files load. Settings: temperature
 * 0, top-k 1, repeat penalty 1 (off), no prompt cache, n_ctx {@code contextSize}; generation stops at an EOG token
 * unless {@link Request#ignoreEos} (which in llama.cpp's server also bans EOG tokens, changing later ids).
 */
public final class LlamaCppJava {
    private LlamaCppJava() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public record Options(int threads, int contextSize, Duration timeout) {
        public static Options defaults() {
            return new Options(LlamaCppNode.defaultThreads(), 1024, Duration.ofMinutes(5));
        }
    }

    /**
     * A completion of {@code n >= 1} tokens, prompted either by text (tokenised by llama.cpp, BOS added when the model's
     * {@code tokenizer.ggml.add_bos_token} says so) or by exact token ids ({@code tokens}, then {@code text} is ignored).
     */
    public record Request(String text, int[] tokens, int n, boolean ignoreEos) {
        public Request {
            if (n < 1) throw new IllegalArgumentException("n must be >= 1 (llama.cpp's server treats 0 as one token)");
            if (text == null && (tokens == null || tokens.length == 0)) throw new IllegalArgumentException("give a text or token prompt");
            tokens = tokens == null ? null : tokens.clone();
        }

        public static Request text(String prompt, int n) {
            return new Request(prompt, null, n, false);
        }

        public static Request tokens(int[] prompt, int n) {
            return new Request(null, prompt, n, false);
        }
    }

    public record Completion(String text, long millis) {}

    /** {@code wallMillis} includes the JVM start and native library extraction. */
    public record Run(String runtime, long loadMillis, long wallMillis, List<Completion> completions) {}

    /** Whether java-llama.cpp is on the test class path (its native library ships inside the jar). */
    public static boolean available() {
        try {
            Class.forName("de.kherud.llama.LlamaModel", false, LlamaCppJava.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    public static void assumeAvailable() {
        Assumptions.assumeTrue(available(), "java-llama.cpp (de.kherud:llama:4.2.0) is not on the test class path");
        String os = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        Assumptions.assumeTrue(os.startsWith("Linux/amd64") || os.startsWith("Linux/x86_64") || os.startsWith("Mac") || os.startsWith("Windows"),
                () -> "java-llama.cpp has no native library for " + os);
    }

    public static String complete(Path model, String prompt, int n) throws IOException {
        return run(model, Options.defaults(), List.of(Request.text(prompt, n))).completions().getFirst().text();
    }

    public static Run run(Path model, Options options, List<Request> requests) throws IOException {
        if (requests.isEmpty()) throw new IllegalArgumentException("no requests");
        if (!Files.isRegularFile(model)) throw new IOException("model file not found: " + model);
        ObjectNode req = JSON.createObjectNode();
        req.put("model", model.toAbsolutePath().toString());
        req.put("threads", options.threads());
        req.put("contextSize", options.contextSize());
        ArrayNode cases = req.putArray("cases");
        for (Request r : requests) {
            ObjectNode c = cases.addObject();
            if (r.tokens() != null) {
                ArrayNode t = c.putArray("tokens");
                for (int id : r.tokens()) t.add(id);
            } else {
                c.put("prompt", r.text());
            }
            c.put("n", r.n());
            c.put("ignoreEos", r.ignoreEos());
        }
        Path in = Files.createTempFile("srm4j-jllama-", ".json");
        Path out = Files.createTempFile("srm4j-jllama-", ".out.json");
        try {
            Files.write(in, JSON.writeValueAsBytes(req));
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            List<String> cmd = List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-Xss8m",
                    "-cp", System.getProperty("java.class.path"), LlamaCppJavaMain.class.getName(), in.toString(), out.toString());
            ExternalProcess.Result res = ExternalProcess.run(cmd, Map.of(), new byte[0], options.timeout());
            String body = Files.size(out) > 0 ? Files.readString(out) : null;
            if (body == null) {
                throw new IOException("java-llama.cpp child JVM died on " + model + " (exit " + res.exitCode() + "):\n" + ExternalProcess.tail(res.stderr()));
            }
            JsonNode o = JSON.readTree(body);
            if (o.has("error")) {
                // llama.cpp explains load failures in its log ("unknown model architecture: 'qwen3'"), not in the exception.
                String reasons = res.stderr().lines().filter(l -> l.toLowerCase(Locale.ROOT).contains("error")).limit(5)
                        .collect(Collectors.joining("\n"));
                throw new IOException("java-llama.cpp failed on " + model + ": " + o.get("error").asText() + "\n" + reasons);
            }
            List<Completion> list = new ArrayList<>();
            for (JsonNode r : o.get("results")) list.add(new Completion(r.get("text").asText(), r.get("ms").asLong()));
            return new Run(o.get("runtime").asText(), o.get("loadMs").asLong(), res.millis(), List.copyOf(list));
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }
}
