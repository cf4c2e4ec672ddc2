package io.srm4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Runs srm4j and the two llama.cpp references on the same GGUF file in one invocation, each in its own process with
 * the same threads, prompt length and generation length (a warm-up, then medians of the measured runs), plus srm4j's
 * batched decode; prints a table with the ratios and writes them to a JSON file. A reference that is not installed
 * is reported as missing.
 *
 * <ul>
 *   <li>srm4j: the CLI, {@code ./srm4j bench --json} (a fresh JVM, so memory and JIT start out as a user's would);</li>
 *   <li>current llama.cpp: {@code node llamacpp_bench.mjs} with npm {@code node-llama-cpp@3.21.1}
 *       ({@code scripts/setup-references.sh} installs it into {@code build/references/node});</li>
 *   <li>llama.cpp in {@code de.kherud:llama:4.2.0}: {@link KherudBench} in a forked JVM;</li>
 *   <li>srm4j batched: {@link BatchDecodeBench} in a forked JVM.</li>
 * </ul>
 */
@Command(name = "side-by-side", mixinStandardHelpOptions = true,
        description = "srm4j against llama.cpp (node-llama-cpp) and de.kherud:llama on one GGUF file, in one run.")
public final class SideBySide implements Callable<Integer> {
    static final String SRM4J = "srm4j";
    static final String NODE = "llama.cpp (node-llama-cpp 3.21.1)";
    static final String KHERUD = "llama.cpp (de.kherud:llama 4.2.0)";

    @Parameters(index = "0", description = "GGUF model file")
    Path model;

    @Option(names = "--threads", defaultValue = "2", description = "threads for every engine (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--prompt-tokens", defaultValue = "256", description = "prompt length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "128", description = "generated tokens (default: ${DEFAULT-VALUE})")
    int genTokens;

    @Option(names = "--repetitions", defaultValue = "3", description = "measured runs after a warm-up (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = "--batch", defaultValue = "16", description = "samples of one prompt for srm4j's batched decode; 0 skips it (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--repo", defaultValue = ".", description = "srm4j repository root (holds ./srm4j and build/references)")
    Path repo;

    @Option(names = "--node-script", description = "llamacpp_bench.mjs (default: REPO/../shared/tools/llamacpp_bench.mjs)")
    Path nodeScript;

    @Option(names = "--node-dir", description = "folder holding node_modules/node-llama-cpp (default: REPO/build/references/node)")
    Path nodeDir;

    @Option(names = "--skip", split = ",", description = "engines to leave out: srm4j, node, kherud, batch")
    List<String> skip = new ArrayList<>();

    @Option(names = "--timeout-minutes", defaultValue = "20", description = "limit for each engine's process (default: ${DEFAULT-VALUE})")
    int timeoutMinutes;

    @Option(names = "--out", description = "JSON result file (default: REPO/build/bench-results/side-by-side-<model>-<time>.json)")
    Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SideBySide()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("model file not found: " + model);
        if (threads < 1 || promptTokens < 1 || genTokens < 2 || repetitions < 1 || batch < 0) {
            throw new IllegalArgumentException("--threads, --prompt-tokens, --repetitions must be >= 1, --gen-tokens >= 2, --batch >= 0");
        }
        model = model.toAbsolutePath().normalize();
        repo = repo.toAbsolutePath().normalize();
        Duration timeout = Duration.ofMinutes(timeoutMinutes);
        ObjectMapper json = new ObjectMapper();
        ObjectNode result = json.createObjectNode();
        result.put("date", Instant.now().toString());
        result.put("model", model.toString());
        result.put("model_bytes", Files.size(model));
        result.put("threads", threads);
        result.put("prompt_tokens", promptTokens);
        result.put("gen_tokens", genTokens);
        result.put("repetitions", repetitions);
        result.set("machine", Machine.describe(json));
        ArrayNode raw = result.putArray("raw");

        List<Measurement> all = new ArrayList<>();
        all.add(skip.contains("srm4j") ? Measurement.missing(SRM4J, "skipped") : runSrm4j(timeout, raw));
        all.add(skip.contains("node") ? Measurement.missing(NODE, "skipped") : runNode(timeout, raw));
        all.add(skip.contains("kherud") ? Measurement.missing(KHERUD, "skipped") : runKherud(timeout, raw));
        Report.Batch batchResult = batch == 0 || skip.contains("batch") ? null : runBatch(timeout, raw);

        ArrayNode engines = result.putArray("engines");
        for (Measurement m : all) {
            ObjectNode e = engines.addObject();
            e.put("engine", m.engine());
            e.put("status", m.status().name());
            Report.putFinite(e, "prefill_tokens_per_s", m.prefillTokensPerSecond());
            Report.putFinite(e, "decode_tokens_per_s", m.decodeTokensPerSecond());
            e.put("note", m.note());
        }
        if (batchResult != null) {
            ObjectNode b = result.putObject("batch");
            b.put("size", batchResult.size());
            b.put("status", batchResult.status());
            Report.putFinite(b, "single_decode_tokens_per_s", batchResult.singleTokensPerSecond());
            Report.putFinite(b, "batch_decode_tokens_per_s", batchResult.aggregateTokensPerSecond());
        }
        result.set("ratios", Report.ratiosJson(all, batchResult));

        System.out.printf("%s, %d threads, %d-token prompt, %d generated, median of %d after a warm-up%n%n",
                model.getFileName(), threads, promptTokens, genTokens, repetitions);
        System.out.print(Report.table(all, batchResult));
        Path file = out != null ? out : repo.resolve("build/bench-results/side-by-side-"
                + model.getFileName().toString().replaceAll("\\.gguf$", "") + "-" + Instant.now().toString().replace(':', '-') + ".json");
        if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println("\nwrote " + file);
        return 0;
    }

    private Measurement runSrm4j(Duration timeout, ArrayNode raw) throws IOException {
        Path launcher = repo.resolve("srm4j");
        if (!Files.isExecutable(launcher)) return Measurement.missing(SRM4J, "launcher not found: " + launcher);
        List<String> cmd = List.of(launcher.toString(), "bench", "--json", "--model", model.toString(), "--threads", Integer.toString(threads),
                "--prompt-tokens", Integer.toString(promptTokens), "--gen-tokens", Integer.toString(genTokens),
                "--repetitions", Integer.toString(repetitions));
        return measured(SRM4J, cmd, repo, timeout, raw, "CLI, forked JVM");
    }

    Measurement runNode(Duration timeout, ArrayNode raw) throws IOException {
        Path dir = nodeDir != null ? nodeDir : repo.resolve("build/references/node");
        Path script = nodeScript != null ? nodeScript : repo.resolve("../shared/tools/llamacpp_bench.mjs").normalize();
        if (!Files.isRegularFile(dir.resolve("node_modules/node-llama-cpp/package.json"))) {
            return Measurement.missing(NODE, "node-llama-cpp not installed in " + dir + " (run scripts/setup-references.sh)");
        }
        if (!Files.isRegularFile(script)) return Measurement.missing(NODE, "benchmark script not found: " + script);
        if (promptTokens + genTokens > 1024) return Measurement.missing(NODE, "llamacpp_bench.mjs uses a 1024-token context; prompt + generated exceeds it");
        // The script imports "node-llama-cpp": it has to sit next to node_modules for node to resolve it.
        Path local = dir.resolve("llamacpp_bench.mjs");
        Files.copy(script, local, StandardCopyOption.REPLACE_EXISTING);
        List<String> cmd = List.of("node", local.toString(), model.toString(), Integer.toString(promptTokens),
                Integer.toString(genTokens), Integer.toString(repetitions));
        String note = threads == 2 ? "" : "llamacpp_bench.mjs always uses 2 threads";
        try {
            return measured(NODE, cmd, dir, timeout, raw, note);
        } catch (IOException e) {
            return Measurement.missing(NODE, "node not runnable: " + e.getMessage());
        }
    }

    private Measurement runKherud(Duration timeout, ArrayNode raw) throws IOException {
        try {
            Class.forName("de.kherud.llama.LlamaModel", false, getClass().getClassLoader());
        } catch (ClassNotFoundException e) {
            return Measurement.missing(KHERUD, "de.kherud:llama not on the classpath");
        }
        List<String> cmd = javaCommand(KherudBench.class, model.toString(), Integer.toString(threads), Integer.toString(promptTokens),
                Integer.toString(genTokens), Integer.toString(repetitions));
        System.err.println("running " + KHERUD + " ...");
        ChildProcess.Result r = ChildProcess.run(cmd, repo, timeout);
        record(raw, KHERUD, r);
        Measurement wallClock = outcome(KHERUD, r, timeout, "forked JVM");
        return Report.withLlamaLogTimings(wallClock, r.stderr(), repetitions);
    }

    private Report.Batch runBatch(Duration timeout, ArrayNode raw) throws IOException {
        List<String> cmd = javaCommand(BatchDecodeBench.class, model.toString(), Integer.toString(threads), Integer.toString(promptTokens),
                Integer.toString(genTokens), Integer.toString(batch), Integer.toString(repetitions));
        System.err.println("running srm4j batched decode (" + batch + " samples) ...");
        ChildProcess.Result r = ChildProcess.run(cmd, repo, timeout);
        record(raw, "srm4j batch", r);
        if (r.timedOut()) return new Report.Batch(batch, Double.NaN, Double.NaN, "FAILED: timed out after " + timeout.toMinutes() + " min");
        if (r.exitCode() != 0) return new Report.Batch(batch, Double.NaN, Double.NaN, "FAILED: exit " + r.exitCode() + ": " + ChildProcess.tail(r.stderr()));
        return Report.Batch.parse(batch, r.jsonLine());
    }

    private Measurement measured(String engine, List<String> cmd, Path dir, Duration timeout, ArrayNode raw, String note) throws IOException {
        System.err.println("running " + engine + " ...");
        ChildProcess.Result r = ChildProcess.run(cmd, dir, timeout);
        record(raw, engine, r);
        return outcome(engine, r, timeout, note);
    }

    private static Measurement outcome(String engine, ChildProcess.Result r, Duration timeout, String note) {
        if (r.timedOut()) return Measurement.failed(engine, "timed out after " + timeout.toMinutes() + " min");
        if (r.exitCode() != 0) return Measurement.failed(engine, "exit " + r.exitCode() + ": " + ChildProcess.tail(r.stderr() + "\n" + r.stdout()));
        return Report.parse(engine, r.jsonLine(), note);
    }

    private static void record(ArrayNode raw, String engine, ChildProcess.Result r) {
        ObjectNode o = raw.addObject();
        o.put("engine", engine);
        o.put("exit", r.exitCode());
        String line = r.jsonLine();
        if (line != null) {
            try {
                JsonNode parsed = new ObjectMapper().readTree(line);
                o.set("output", parsed);
            } catch (IOException e) {
                o.put("output_text", line);
            }
        }
    }

    /** The same JVM binary, flags and classpath as this one, running {@code main} in a fresh process. */
    private static List<String> javaCommand(Class<?> main, String... args) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseParallelGC", "-Xss8m", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
