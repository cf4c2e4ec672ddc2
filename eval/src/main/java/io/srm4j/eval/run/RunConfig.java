package io.srm4j.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.eval.bench.Benchmark;
import io.srm4j.eval.bench.BenchmarkSpec;
import io.srm4j.eval.bench.GoldFormat;
import io.srm4j.eval.bench.PromptTemplate;
import io.srm4j.eval.generation.SamplingParams;
import io.srm4j.eval.grading.AnswerKind;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * Everything that decides what a run generates. Stored as {@code config.json} in the run directory; a run is
 * only resumed under an identical configuration, so the samples of one run all come from the same setup.
 *
 * @param limit number of problems evaluated (the first {@code limit} of the dataset)
 */
public record RunConfig(BenchmarkSpec benchmark, Path dataset, String datasetSha256, int datasetRecords, int samples,
                        SamplingParams params, int limit, String generator) {
    public static final String FILE = "config.json";
    /** Bumped when the per-sample seed derivation or journal format changes, so old runs are not mixed in. */
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static RunConfig of(Benchmark benchmark, int datasetRecords, int samples, SamplingParams params, int limit,
                               String generator) throws IOException {
        return new RunConfig(benchmark.spec(), benchmark.dataset().toAbsolutePath().normalize(),
                sha256(benchmark.dataset()), datasetRecords, samples, params, limit, generator);
    }

    public Benchmark toBenchmark(Path datasetOverride) {
        return new Benchmark(benchmark, datasetOverride != null ? datasetOverride : dataset);
    }

    /**
     * The seed of one sample, a SplitMix64 mix of the base seed, problem index and sample index: independent
     * of batching and of the order in which samples are generated or resumed.
     */
    public static long sampleSeed(long baseSeed, int problem, int sample) {
        long z = baseSeed + 0x9E3779B97F4A7C15L * (((long) problem << 20) + sample + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE; // non-negative: some backends take unsigned or int seeds
    }

    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode b = root.putObject("benchmark");
        b.put("name", benchmark.name());
        b.put("dataset_file", benchmark.datasetFile());
        b.put("question_field", benchmark.questionField());
        b.put("answer_field", benchmark.answerField());
        b.put("id_field", benchmark.idField());
        b.put("choices_field", benchmark.choicesField());
        b.put("template", benchmark.template().text());
        b.put("answer_kind", benchmark.kind().wireName());
        b.put("gold_format", benchmark.goldFormat().wireName());
        b.put("question_suffix", benchmark.questionSuffix());
        ObjectNode d = root.putObject("dataset");
        d.put("path", dataset.toString());
        d.put("sha256", datasetSha256);
        d.put("records", datasetRecords);
        root.put("samples", samples);
        root.put("limit", limit);
        ObjectNode s = root.putObject("sampling");
        s.put("temperature", params.temperature());
        s.put("top_p", params.topP());
        s.put("top_k", params.topK());
        s.put("min_p", params.minP());
        s.put("max_tokens", params.maxTokens());
        s.put("seed", params.seed());
        ArrayNode stop = s.putArray("stop");
        params.stop().forEach(stop::add);
        root.put("generator", generator);
        return root;
    }

    public static RunConfig fromJson(JsonNode root) throws IOException {
        try {
            if (root.path("format").asInt(-1) != FORMAT) {
                throw new IOException("run format " + root.path("format") + " is not the supported " + FORMAT);
            }
            JsonNode b = root.required("benchmark");
            BenchmarkSpec spec = new BenchmarkSpec(b.required("name").asText(), b.required("dataset_file").asText(),
                    b.required("question_field").asText(), b.required("answer_field").asText(), textOrNull(b, "id_field"),
                    textOrNull(b, "choices_field"), new PromptTemplate(b.required("template").asText()),
                    AnswerKind.parse(b.required("answer_kind").asText()), GoldFormat.parse(b.required("gold_format").asText()),
                    textOrNull(b, "question_suffix"));
            JsonNode d = root.required("dataset");
            JsonNode s = root.required("sampling");
            List<String> stop = new ArrayList<>();
            for (Iterator<JsonNode> it = s.required("stop").elements(); it.hasNext(); ) stop.add(it.next().asText());
            SamplingParams params = new SamplingParams(s.required("temperature").asDouble(), s.required("top_p").asDouble(),
                    s.required("top_k").asInt(), s.required("min_p").asDouble(), s.required("max_tokens").asInt(),
                    s.required("seed").asLong(), stop);
            return new RunConfig(spec, Path.of(d.required("path").asText()), d.required("sha256").asText(),
                    d.required("records").asInt(), root.required("samples").asInt(), params, root.required("limit").asInt(),
                    root.required("generator").asText());
        } catch (IllegalArgumentException e) {
            throw new IOException("bad run configuration: " + e.getMessage(), e);
        }
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    public static RunConfig read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) throw new IOException("no " + FILE + " in " + runDir + ": not a run directory");
        return fromJson(JSON.readTree(file.toFile()));
    }

    public void write(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Path tmp = runDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(toJson()) + "\n");
        Files.move(tmp, runDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Human-readable differences ("samples: 4 -> 8"), empty when the configurations match. The dataset is
     * compared by content (sha256), not by where it lies.
     */
    public List<String> differencesFrom(RunConfig other) {
        List<String> out = new ArrayList<>();
        ObjectNode before = other.toJson(), after = toJson();
        ((ObjectNode) before.get("dataset")).remove("path");
        ((ObjectNode) after.get("dataset")).remove("path");
        diff("", before, after, out);
        return out;
    }

    private static void diff(String path, JsonNode before, JsonNode after, List<String> out) {
        if (before != null && after != null && before.isObject() && after.isObject()) {
            java.util.Set<String> names = new java.util.TreeSet<>();
            before.fieldNames().forEachRemaining(names::add);
            after.fieldNames().forEachRemaining(names::add);
            for (String name : names) diff(path.isEmpty() ? name : path + "." + name, before.get(name), after.get(name), out);
        } else if (before == null || after == null || !before.equals(after)) {
            out.add(path + ": " + before + " -> " + after);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    public static JsonNode readTree(Path file) throws IOException { return JSON.readTree(file.toFile()); }
}
