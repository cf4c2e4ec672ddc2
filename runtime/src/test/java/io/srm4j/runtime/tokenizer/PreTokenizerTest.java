package io.srm4j.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PreTokenizerTest {

    static List<String> words(PreTokenizer p, String text) {
        int[] cpts = text.codePoints().toArray();
        int[] lengths = p.split(cpts);
        List<String> out = new ArrayList<>();
        int pos = 0;
        for (int len : lengths) {
            out.add(new String(cpts, pos, len));
            pos += len;
        }
        assertEquals(cpts.length, pos, "words must cover the text");
        return out;
    }

    @Test
    void gpt2KeepsOneSpaceForTheNextWordAndSplitsContractions() {
        PreTokenizer p = PreTokenizer.forName("gpt-2");
        assertEquals(List.of("Hello", " ", " world"), words(p, "Hello  world"));
        assertEquals(List.of("I", "'m", " fine", "'s"), words(p, "I'm fine's"));
        assertEquals(List.of("a", "   "), words(p, "a   "));
        assertEquals(List.of(" 123", "abc", " !!", "\n\n"), words(p, " 123abc !!\n\n"));
    }

    @Test
    void llama3GroupsDigitsInThreesAndKeepsNewlinesApart() {
        PreTokenizer p = PreTokenizer.forName("llama-bpe");
        assertEquals(List.of("123", "45"), words(p, "12345"));
        assertEquals(List.of("Hello", "\n\n", "world"), words(p, "Hello\n\nworld"));
        assertEquals(List.of("I", "'M", " here"), words(p, "I'M here"));
        assertEquals(List.of("(normal", ")"), words(p, "(normal)")); // one optional non-letter may lead a word
        assertEquals(List.of(" (", "x"), words(p, " (x"));
        assertEquals(List.of("  ", " Hello"), words(p, "   Hello"));
    }

    @Test
    void qwen2SplitsEveryDigitThroughTheCollapsedRegex() {
        PreTokenizer p = PreTokenizer.forName("qwen2");
        assertEquals(List.of("1", "2", "3", "4", "5"), words(p, "12345"));
        assertEquals(List.of(" über", " Straße"), words(p, " über Straße"));
        assertEquals(List.of("Hello", ",", " world", "!"), words(p, "Hello, world!"));
        // U+00A0 collapses to \v (white space); like any non-letter it may lead a word
        assertEquals(List.of("a", "\u00A0b"), words(p, "a\u00A0b"));
        assertEquals(List.of("a", "\u00A0", " b"), words(p, "a\u00A0 b"));
    }

    @Test
    void gpt4oTreatsNonAsciiLowercaseAsBothCasesLikeLlamaCpp() {
        PreTokenizer p = PreTokenizer.forName("gpt-4o");
        assertEquals(List.of("Hello", "World"), words(p, "HelloWorld"));
        assertEquals(List.of("123", "4"), words(p, "1234"));
        // 'é' collapses to the generic letter byte, which is in both [^a-z] and [^A-Z]
        assertEquals(List.of("éHello"), words(p, "éHello"));
        // long words must not overflow the regex engine's stack
        assertEquals(1, words(p, "a".repeat(100_000)).size());
    }

    @Test
    void everyNamedPreTokenizerCompilesAndCoversText() {
        String sample = "Hello, y'all! How are you 😁 ?我想在apple工作1314151天～ 3.3 \t\n ---=== нещо Cửa Việt";
        for (String name : List.of("default", "gpt-2", "llama-bpe", "qwen2", "deepseek-r1-qwen", "deepseek-llm",
                "deepseek-coder", "deepseek-v3", "smollm", "falcon", "starcoder", "refact", "command-r", "olmo", "dbrx",
                "tekken", "gpt-4o", "chatglm-bpe", "poro-chat", "bloom", "viking", "chameleon", "stablelm2", "mpt",
                "jais", "seed-coder", "bailingmoe", "grok-2", "minicpm5", "ufakzeka", "qwen35", "exaone", "megrez")) {
            List<String> w = words(PreTokenizer.forName(name), sample);
            assertEquals(sample, String.join("", w), name);
        }
        assertThrows(IllegalArgumentException.class, () -> PreTokenizer.forName("no-such-pre"));
    }

    /**
     * llama.cpp runs the GPT-2 and Llama 3 regexes through hand-written scanners; run through the collapsed
     * regex engine instead, the same regexes must split random text identically.
     */
    @Test
    void scannersAgreeWithTheRegexEngine() {
        int[] alphabet = {'a', 'b', 'Z', 's', 't', 'l', 'e', 'r', 'v', 'm', 'd', 'S', 'L', 'E', '0', '7', ' ', ' ', ' ',
                '\n', '\r', '\t', '\'', '!', '.', '-', '~', 'é', 'ß', 'Ж', 'я', '我', '٣', '½', 0x00A0, 0x3000, 0x2028,
                0x1F600, 0x0301, 0x200D, 0xE000, 0x0378, 0x0001};
        Random random = new Random(20260514);
        for (String re : List.of(PreTokenizer.GPT2_REGEX, PreTokenizer.LLAMA3_REGEX)) {
            PreTokenizer scanner = PreTokenizer.forName(re.equals(PreTokenizer.GPT2_REGEX) ? "gpt-2" : "llama-bpe");
            PreTokenizer regex = PreTokenizer.regexOnly(List.of(re));
            for (int iter = 0; iter < 3000; iter++) {
                int n = random.nextInt(14);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < n; i++) sb.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
                String text = sb.toString();
                assertEquals(words(regex, text), words(scanner, text), () -> "split of " + text.codePoints()
                        .mapToObj(c -> String.format("U+%04X", c)).toList());
            }
        }
    }
}
