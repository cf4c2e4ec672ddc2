package io.srm4j.runtime.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * llama.cpp's tokenizer test vectors (test-tokenizer-0: add_special = false, parse_special = false): every case
 * of every vocab must give exactly llama.cpp's ids, and decoding must give the input back where llama.cpp's
 * detokenizer would.
 */
class VocabVectorsTest {

    @TestFactory
    List<DynamicTest> everyVectorMatchesLlamaCpp() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path gguf : VocabFixtures.vocabsWithVectors()) {
            tests.add(DynamicTest.dynamicTest(gguf.getFileName().toString(), () -> {
                Tokenizer tok = VocabFixtures.load(gguf);
                List<VocabFixtures.Case> cases = VocabFixtures.cases(gguf);
                assertTrue(cases.size() > 10, "too few vectors in " + gguf);
                List<String> failures = new ArrayList<>();
                for (VocabFixtures.Case c : cases) {
                    int[] got = tok.encode(c.input(), false, false);
                    if (!Arrays.equals(got, c.expected())) {
                        failures.add("input " + show(c.input()) + "\n  expected " + Arrays.toString(c.expected())
                                + "\n  got      " + Arrays.toString(got));
                    }
                }
                System.out.printf("%s: %d/%d vectors match%n", gguf.getFileName(), cases.size() - failures.size(), cases.size());
                if (!failures.isEmpty()) fail(failures.size() + " of " + cases.size() + " vectors differ:\n" + String.join("\n", failures));
            }));
        }
        assertTrue(tests.size() >= 1, "no vocab files with vectors found");
        return tests;
    }

    @TestFactory
    List<DynamicTest> decodeGivesTheInputBack() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path gguf : VocabFixtures.vocabsWithVectors()) {
            tests.add(DynamicTest.dynamicTest(gguf.getFileName().toString(), () -> {
                Tokenizer tok = VocabFixtures.load(gguf);
                for (VocabFixtures.Case c : VocabFixtures.cases(gguf)) {
                    // llama.cpp's BPE detokenizer tidies " ," and " 's" for some vocabularies (clean_spaces); the
                    // input comes back only up to that clean-up.
                    byte[] in = c.input().getBytes(StandardCharsets.UTF_8);
                    String expected = tok.cleansSpaces() ? new String(Tokenizer.cleanUpSpaces(in), StandardCharsets.UTF_8) : c.input();
                    assertEquals(expected, tok.decode(c.expected()), "decode of llama.cpp's ids for " + show(c.input()));
                    // streaming gives the same text without the clean-up
                    Detokenizer d = tok.detokenizer(true, true);
                    StringBuilder sb = new StringBuilder();
                    for (int id : c.expected()) sb.append(d.push(id));
                    sb.append(d.flush());
                    assertEquals(c.input(), sb.toString(), "streamed decode of " + show(c.input()));
                }
            }));
        }
        return tests;
    }

    static String show(String s) {
        return "\"" + s.replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }
}
