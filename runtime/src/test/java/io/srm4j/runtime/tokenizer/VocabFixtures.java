package io.srm4j.runtime.tokenizer;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** The llama.cpp vocab files and test vectors under ../shared/models/vocab, loaded once per test JVM. */
final class VocabFixtures {
    private VocabFixtures() {
    }

    static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    private static final Map<Path, Tokenizer> CACHE = new ConcurrentHashMap<>();

    record Case(String input, int[] expected) {
    }

    static Path shared() {
        String prop = System.getProperty("srm4j.shared");
        Path shared = prop == null ? null : Path.of(prop);
        Assumptions.assumeTrue(shared != null && Files.isDirectory(shared),
                "../shared not found (system property srm4j.shared = " + prop + "): skipping tests that need the shared vocab files");
        return shared;
    }

    static Path vocabDir() {
        return shared().resolve("models/vocab");
    }

    static Path vocab(String name) {
        Path p = vocabDir().resolve("ggml-vocab-" + name + ".gguf");
        Assumptions.assumeTrue(Files.isRegularFile(p), "missing " + p);
        return p;
    }

    static List<Path> vocabsWithVectors() throws IOException {
        try (Stream<Path> s = Files.list(vocabDir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gguf"))
                    .filter(p -> Files.exists(Path.of(p + ".inp")) && Files.exists(Path.of(p + ".out")))
                    .sorted().toList();
        }
    }

    static Tokenizer load(Path gguf) {
        return CACHE.computeIfAbsent(gguf, p -> {
            try {
                return Tokenizer.fromGguf(p);
            } catch (IOException e) {
                throw new IllegalStateException("cannot load " + p + ": " + e.getMessage(), e);
            }
        });
    }

    static Tokenizer load(String name) {
        return load(vocab(name));
    }

    /** Inputs are separated by {@link #SEPARATOR} (the file ends with one); .out has one line of ids per input. */
    static List<Case> cases(Path gguf) throws IOException {
        String inp = Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8);
        String out = Files.readString(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
        List<String> inputs = new ArrayList<>(Arrays.asList(inp.split(SEPARATOR, -1)));
        if (inp.endsWith(SEPARATOR)) inputs.removeLast();
        List<String> lines = new ArrayList<>(Arrays.asList(out.split("\n", -1)));
        if (out.endsWith("\n")) lines.removeLast();
        if (inputs.size() != lines.size()) {
            throw new IllegalStateException(gguf + ": " + inputs.size() + " inputs but " + lines.size() + " output lines");
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String line = lines.get(i).trim();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(inputs.get(i), ids));
        }
        return cases;
    }
}
