package io.srm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code srm4j tokenize}, run in-process against llama.cpp's vocab files and test vectors. */
class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path vocab;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findVocab() {
        String prop = System.getProperty("srm4j.shared");
        Path shared = prop == null ? null : Path.of(prop);
        Assumptions.assumeTrue(shared != null && Files.isDirectory(shared), "../shared not found (srm4j.shared = " + prop + ")");
        vocab = shared.resolve("models/vocab");
    }

    record Result(int exit, String out, String err) {
        List<int[]> idLines() throws Exception {
            List<int[]> r = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.isBlank()) continue;
                JsonNode n = JSON.readTree(line);
                assertEquals(1, n.size(), "one field per line: " + line);
                int[] ids = new int[n.get("ids").size()];
                for (int i = 0; i < ids.length; i++) ids[i] = n.get("ids").get(i).intValue();
                r.add(ids);
            }
            return r;
        }
    }

    private static Result run(String stdin, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            if (stdin != null) System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int exit = Main.run(args);
            return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    /** The expected ids of one llama.cpp test vector, found by its input text. */
    private static int[] vector(String name, String input) throws Exception {
        Path gguf = vocab.resolve("ggml-vocab-" + name + ".gguf");
        List<String> inputs = Arrays.asList(Files.readString(Path.of(gguf + ".inp")).split("\n__ggml_vocab_test__\n", -1));
        List<String> outs = Arrays.asList(Files.readString(Path.of(gguf + ".out")).split("\n", -1));
        int i = inputs.indexOf(input);
        assertTrue(i >= 0, "no vector for " + input);
        String line = outs.get(i).trim();
        return line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    private static String model(String name) {
        return vocab.resolve("ggml-vocab-" + name + ".gguf").toString();
    }

    @Test
    void textGivesLlamaCppIdsWithoutBos() throws Exception {
        for (String name : List.of("qwen2", "llama-spm")) { // all vocabs and vectors are covered in the runtime tests
            String input = "Hello, y'all! How are you 😁 ?我想在apple工作1314151天～";
            Result r = run(null, "tokenize", "--model", model(name), "--text", input);
            assertEquals(0, r.exit(), r.err());
            assertEquals(1, r.idLines().size());
            assertArrayEquals(vector(name, input), r.idLines().getFirst(), name + ": " + input);
            assertTrue(r.out().startsWith("{\"ids\":["), r.out());
        }
    }

    @Test
    void addBosFollowsTheMetadata() throws Exception {
        int[] plain = vector("llama-bpe", "Hello world");
        Result r = run(null, "tokenize", "-m", model("llama-bpe"), "--text", "Hello world", "--add-bos");
        assertEquals(0, r.exit(), r.err());
        int[] ids = r.idLines().getFirst();
        assertEquals(128000, ids[0]);
        assertArrayEquals(plain, Arrays.copyOfRange(ids, 1, ids.length));
        // SentencePiece Llama 2: BOS 1, add_eos_token false -> no EOS
        Result spm = run(null, "tokenize", "-m", model("llama-spm"), "--text", "Hello world", "--add-bos");
        int[] s = spm.idLines().getFirst();
        assertEquals(1, s[0]);
        assertArrayEquals(vector("llama-spm", "Hello world"), Arrays.copyOfRange(s, 1, s.length));
    }

    @Test
    void specialTokenTextIsOnlyParsedOnRequest() throws Exception {
        String text = "<|im_start|>user\nHi<|im_end|>";
        int[] plain = run(null, "tokenize", "-m", model("qwen2"), "--text", text).idLines().getFirst();
        int[] parsed = run(null, "tokenize", "-m", model("qwen2"), "--text", text, "--parse-special").idLines().getFirst();
        assertEquals(151644, parsed[0]);
        assertEquals(151645, parsed[parsed.length - 1]);
        assertFalse(Arrays.stream(plain).anyMatch(id -> id == 151644 || id == 151645), Arrays.toString(plain));
        assertTrue(plain.length > parsed.length);
    }

    @Test
    void jsonlFromFileAndStdinGivesOneLinePerInputInOrder() throws Exception {
        List<String> inputs = List.of("Hello world", "   Hello", "3333333", "нещо на Български");
        StringBuilder jsonl = new StringBuilder();
        for (String in : inputs) jsonl.append(JSON.writeValueAsString(java.util.Map.of("text", in, "id", 7))).append('\n');
        jsonl.append("\n"); // blank lines are skipped
        Path file = tmp.resolve("in.jsonl");
        Files.writeString(file, jsonl);
        Result fromFile = run(null, "tokenize", "-m", model("llama-spm"), "--jsonl", file.toString());
        Result fromStdin = run(jsonl.toString(), "tokenize", "-m", model("llama-spm"), "--jsonl", "-");
        for (Result r : List.of(fromFile, fromStdin)) {
            assertEquals(0, r.exit(), r.err());
            List<int[]> lines = r.idLines();
            assertEquals(inputs.size(), lines.size());
            for (int i = 0; i < inputs.size(); i++) assertArrayEquals(vector("llama-spm", inputs.get(i)), lines.get(i), inputs.get(i));
        }
    }

    @Test
    void badInputGivesOneClearError() throws Exception {
        Result missing = run(null, "tokenize", "-m", tmp.resolve("nope.gguf").toString(), "--text", "x");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no such file") && missing.err().contains("nope.gguf"), missing.err());

        Path notGguf = tmp.resolve("notes.txt");
        Files.writeString(notGguf, "this is not a model file at all");
        Result wrong = run(null, "tokenize", "-m", notGguf.toString(), "--text", "x");
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("not a GGUF file"), wrong.err());

        Path jsonl = tmp.resolve("bad.jsonl");
        Files.writeString(jsonl, "{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n");
        Result malformed = run(null, "tokenize", "-m", model("llama-spm"), "--jsonl", jsonl.toString());
        assertEquals(1, malformed.exit());
        assertTrue(malformed.err().contains("line 2") && malformed.err().contains("malformed JSON"), malformed.err());

        Files.writeString(jsonl, "{\"prompt\": \"ok\"}\n");
        Result noText = run(null, "tokenize", "-m", model("llama-spm"), "--jsonl", jsonl.toString());
        assertEquals(1, noText.exit());
        assertTrue(noText.err().contains("line 1") && noText.err().contains("\"text\""), noText.err());

        Result noJsonl = run(null, "tokenize", "-m", model("llama-spm"), "--jsonl", tmp.resolve("absent.jsonl").toString());
        assertEquals(1, noJsonl.exit());
        assertTrue(noJsonl.err().contains("absent.jsonl"), noJsonl.err());

        Result both = run(null, "tokenize", "-m", model("llama-spm"), "--jsonl", "-", "--text", "x");
        assertEquals(2, both.exit(), "usage error");
        Result help = run(null, "tokenize", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--parse-special"), help.out());
    }
}
