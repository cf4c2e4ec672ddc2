package io.srm4j.train.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.tokenizer.Tokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exported tokenizer.json read by Hugging Face's own tokenizers (npm @huggingface/tokenizers 0.2.0, pure JS;
 * installed by scripts/setup-references.sh) tokenizes llama.cpp's tokenizer test vectors into llama.cpp's ids, for the
 * byte-level BPE vocabularies (Qwen2, Llama 3, GPT-2) and SentencePiece ones (Llama 2, and one made by
 * {@link Vocabulary}).
 */
@Tag("conformance")
class HfTokenizerConformanceTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path library() {
        String p = System.getProperty("srm4j.references.hftokenizers");
        if (p != null) return Path.of(p);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("build/references/hf-tokenizers");
            if (Files.isRegularFile(c.resolve("node_modules/@huggingface/tokenizers/package.json"))) return c;
        }
        return null;
    }

    @TestFactory
    List<DynamicTest> llamaCppTestVectors() {
        Path lib = library();
        Assumptions.assumeTrue(lib != null, "@huggingface/tokenizers not installed (run scripts/setup-references.sh)");
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : new String[]{"qwen2", "llama-bpe", "gpt-2", "llama-spm"}) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                Path vocab = ExportFixtures.shared("models/vocab/ggml-vocab-" + name + ".gguf");
                List<String> inputs = Arrays.asList(Files.readString(Path.of(vocab + ".inp")).split("\n__ggml_vocab_test__\n", -1));
                List<String> outs = Files.readAllLines(Path.of(vocab + ".out"));
                inputs = inputs.subList(0, outs.size()); // the file ends with a separator: no case after it
                assertTrue(outs.size() > 40, "test vectors: " + outs.size());
                GgufMetadata md = ExportFixtures.vocab(name);
                JsonNode result = tokenize(lib, write(md, name), inputs);
                int same = 0;
                List<String> problems = new ArrayList<>();
                for (int i = 0; i < inputs.size(); i++) {
                    String expected = outs.get(i).trim();
                    String actual = String.join(" ", toList(result.get("ids").get(i)));
                    if (expected.equals(actual)) same++;
                    else problems.add(JSON.writeValueAsString(inputs.get(i)) + ": llama.cpp [" + expected + "], tokenizers.js [" + actual + "]");
                }
                System.err.printf("%s: tokenizers.js on the exported tokenizer.json gives llama.cpp's ids on %d of %d test vectors%n", name, same, inputs.size());
                assertTrue(problems.isEmpty(), name + ": " + String.join("\n", problems));
            }));
        }
        tests.add(DynamicTest.dynamicTest("Vocabulary.withBytes", () -> {
            Vocabulary v = Vocabulary.withBytes(RuntimeParityTest.PIECES);
            var model = io.srm4j.train.model.TransformerModel.create(
                    new io.srm4j.train.model.TransformerConfig(16, 1, 2, 2, 32, v.size(), 8, 10000f, 1e-5f, false), 1);
            GgufMetadata md = ExportSource.of(model, v, "v").metadata();
            Tokenizer ours = Tokenizer.fromGguf(md);
            List<String> texts = List.of("1+2= the é", "the theme 12", " leading space", "emoji 🦙 and \t tab", "");
            JsonNode result = tokenize(lib, write(md, "withBytes"), texts);
            for (int i = 0; i < texts.size(); i++) {
                int[] expected = ours.encode(texts.get(i), false, false);
                assertEquals(Arrays.stream(expected).mapToObj(String::valueOf).toList(), toList(result.get("ids").get(i)), texts.get(i));
                assertEquals(ours.decode(expected), result.get("decoded").get(i).asText(), "decoded " + texts.get(i));
            }
        }));
        return tests;
    }

    static Path write(GgufMetadata md, String name) throws Exception {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        for (var e : HfTokenizerFiles.of(md, 4096).entrySet()) Files.writeString(d.resolve(e.getKey()), JSON.writeValueAsString(e.getValue()));
        return d;
    }

    static List<String> toList(JsonNode ids) {
        List<String> r = new ArrayList<>();
        ids.forEach(x -> r.add(x.asText()));
        return r;
    }

    static JsonNode tokenize(Path lib, Path tokenizerDir, List<String> texts) throws Exception {
        Path script = Path.of("src/test/node/hf_tokenize.mjs").toAbsolutePath();
        var req = JSON.createObjectNode().put("dir", tokenizerDir.toString());
        var arr = req.putArray("texts");
        texts.forEach(arr::add);
        ProcessBuilder pb = new ProcessBuilder("node", script.toString());
        pb.environment().put("SRM4J_HF_TOKENIZERS_DIR", lib.toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            Assumptions.abort("node is not available: " + e.getMessage());
            throw e;
        }
        try (var in = p.getOutputStream()) {
            in.write(JSON.writeValueAsBytes(req));
        }
        var err = new java.io.ByteArrayOutputStream();
        Thread drain = Thread.ofVirtual().start(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException ignored) {
                // the exit code reports failure
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "node timed out");
        drain.join();
        assertEquals(0, p.exitValue(), "hf_tokenize.mjs failed: " + err.toString(StandardCharsets.UTF_8));
        return JSON.readTree(out);
    }
}
