package io.srm4j.runtime.tokenizer;

import io.srm4j.runtime.gguf.GgufArray;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.gguf.GgufValueType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerTest {

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    @Test
    void controlTokenTextIsParsedOnlyOnRequestAndSplitsTheText() {
        Tokenizer qwen = VocabFixtures.load("qwen2");
        String a = "system\nYou are helpful.", b = "\nHi there";
        int[] parsed = qwen.encode("<|im_start|>" + a + "<|im_end|>" + b, false, true);
        assertArrayEquals(concat(new int[]{151644}, qwen.encode(a, false, false), new int[]{151645}, qwen.encode(b, false, false)), parsed);
        int[] plain = qwen.encode("<|im_start|>" + a, false, false);
        assertFalse(Arrays.stream(plain).anyMatch(qwen::isSpecial), Arrays.toString(plain));
        assertEquals("<|im_start|>" + a, qwen.decode(plain));
    }

    @Test
    void userDefinedTokensAreMatchedEvenWithoutParseSpecial() {
        Tokenizer qwen = VocabFixtures.load("qwen2");
        assertEquals(TokenType.USER_DEFINED, qwen.type(151667));
        assertEquals("<think>", qwen.tokenText(151667));
        int[] ids = qwen.encode("Hi<think>x</think>", false, false);
        assertArrayEquals(concat(qwen.encode("Hi", false, false), new int[]{151667}, qwen.encode("x", false, false), new int[]{151668}), ids);
    }

    @Test
    void specialIdsAndEndOfGenerationFollowLlamaCpp() {
        Tokenizer qwen = VocabFixtures.load("qwen2");
        assertEquals(151643, qwen.bosId());
        assertEquals(151645, qwen.eosId());
        assertEquals(151645, qwen.eotId());
        assertFalse(qwen.shouldAddBos());
        // <|endoftext|>, <|im_end|> and the FIM pad/repo/file-sep tokens end generation; <|im_start|> does not
        assertArrayEquals(new int[]{151643, 151645, 151662, 151663, 151664}, qwen.endOfGenerationIds());
        assertFalse(qwen.isEndOfGeneration(151644));
        assertEquals(TokenType.NORMAL, qwen.type(qwen.tokenId("</s>")), "</s> is plain text in Qwen's vocabulary");
        assertEquals(TokenType.UNUSED, qwen.type(151669));
        assertEquals(0, qwen.tokenBytes(151669).length);

        Tokenizer llama3 = VocabFixtures.load("llama-bpe");
        assertTrue(llama3.shouldAddBos());
        assertEquals(128009, llama3.eotId());
        assertArrayEquals(new int[]{128001, 128009}, llama3.endOfGenerationIds());
        assertTrue(llama3.cleansSpaces());

        Tokenizer phi3 = VocabFixtures.load("phi-3");
        assertEquals(32007, phi3.eotId());
        assertTrue(phi3.isEndOfGeneration(32007) && phi3.isEndOfGeneration(32000));

        Tokenizer spm = VocabFixtures.load("llama-spm");
        assertArrayEquals(new int[]{2}, spm.endOfGenerationIds());
        assertEquals(TokenType.UNKNOWN, spm.type(0));
        assertEquals(TokenType.CONTROL, spm.type(1));
        assertEquals(TokenType.BYTE, spm.type(3));
        assertEquals(TokenType.NORMAL, spm.type(15043));
        assertEquals("▁Hello", spm.tokenText(15043));
        assertEquals(32000, spm.vocabSize());
        assertEquals(15043, spm.tokenId("▁Hello"));
        assertEquals(-1, spm.tokenId("no such token text"));
    }

    @Test
    void addSpecialAddsBosWhereTheVocabularyWantsIt() {
        Tokenizer llama3 = VocabFixtures.load("llama-bpe");
        assertArrayEquals(concat(new int[]{128000}, llama3.encode("Hello", false, false)), llama3.encode("Hello", true, false));
        Tokenizer spm = VocabFixtures.load("llama-spm");
        assertArrayEquals(new int[]{1, 15043}, spm.encode("Hello", true, false));
        assertArrayEquals(new int[]{1}, spm.encode("", true, false));
        assertArrayEquals(new int[0], spm.encode("", false, false));
        Tokenizer qwen = VocabFixtures.load("qwen2");
        assertArrayEquals(qwen.encode("Hello", false, false), qwen.encode("Hello", true, false));
    }

    @Test
    void sentencePieceAddsASpacePrefixAfterEachSpecialToken() {
        Tokenizer spm = VocabFixtures.load("llama-spm");
        // "Hello" -> ▁Hello; after </s> the text " world" becomes "▁▁world"
        assertArrayEquals(new int[]{15043, 2, 29871, 3186}, spm.encode("Hello</s> world", false, true));
    }

    @Test
    void phi3SpecialTokensSwallowTheWhiteSpaceAfterThem() {
        Tokenizer phi3 = VocabFixtures.load("phi-3");
        int[] withNewline = phi3.encode("<|user|>\nHi<|end|>\n<|assistant|>", false, true);
        assertArrayEquals(phi3.encode("<|user|>Hi<|end|><|assistant|>", false, true), withNewline);
        assertEquals(32010, withNewline[0]);
        assertEquals(32001, withNewline[withNewline.length - 1]);
    }

    @Test
    void decodeHandlesSpecialTokensAndTheLeadingSpaceLikeLlamaCpp() {
        Tokenizer spm = VocabFixtures.load("llama-spm");
        assertEquals("Hello", spm.decode(new int[]{15043}));
        // llama.cpp keeps the space when it removes a leading BOS (remove_space is reset), and strips it otherwise
        assertEquals(" Hello", spm.decode(new int[]{1, 15043}, true, true));
        assertEquals("<s> Hello", spm.decode(new int[]{1, 15043}));
        assertEquals(" Hello", spm.decode(new int[]{1, 15043}, false, false));
        assertArrayEquals(new byte[]{'\n'}, spm.tokenBytes(13)); // <0x0A>
        assertArrayEquals(new byte[0], spm.tokenPiece(1, false));

        Tokenizer qwen = VocabFixtures.load("qwen2");
        int[] ids = qwen.encode("<|im_start|>user\nHi<|im_end|>", false, true);
        assertEquals("<|im_start|>user\nHi<|im_end|>", qwen.decode(ids));
        assertEquals("user\nHi", qwen.decode(ids, false, false));
        assertArrayEquals(" world".getBytes(StandardCharsets.UTF_8), qwen.tokenBytes(qwen.tokenId("Ġworld")));
        assertThrows(IllegalArgumentException.class, () -> qwen.decode(new int[]{-1}));
        assertThrows(IllegalArgumentException.class, () -> qwen.tokenText(qwen.vocabSize()));
    }

    @Test
    void detokenizerHoldsBackPartialCharacters() {
        Tokenizer spm = VocabFixtures.load("llama-spm");
        int[] ids = spm.encode("🦙!", false, false); // ▁, four byte tokens, !
        assertArrayEquals(new int[]{29871, 243, 162, 169, 156, 29991}, ids);
        Detokenizer d = spm.detokenizer(false);
        assertEquals(" ", d.push(29871));
        assertEquals("", d.push(243));
        assertEquals("", d.push(162));
        assertEquals("", d.push(169));
        assertEquals(3, d.pendingBytes());
        assertEquals("🦙", d.push(156));
        assertEquals("!", d.push(29991));
        assertEquals("", d.flush());
        // an unfinished character comes out as U+FFFD at the end
        assertEquals("", d.push(243, 162));
        assertEquals("\uFFFD", d.flush());
        // with stripLeadingSpace the stream equals decode()
        assertEquals(spm.decode(ids), spm.detokenizer(true, true).push(ids));
    }

    @Test
    void completePrefixStopsOnlyBeforeAnUnfinishedSequence() {
        assertEquals(1, Detokenizer.completePrefix(new byte[]{'A'}));
        assertEquals(0, Detokenizer.completePrefix(new byte[]{(byte) 0xF0, (byte) 0x9F}));
        assertEquals(1, Detokenizer.completePrefix(new byte[]{'A', (byte) 0xE2, (byte) 0x82}));
        assertEquals(3, Detokenizer.completePrefix(new byte[]{'A', (byte) 0xC3, (byte) 0xA9}));
        assertEquals(4, Detokenizer.completePrefix(new byte[]{(byte) 0xF0, (byte) 0x9F, (byte) 0xA6, (byte) 0x99}));
        assertEquals(1, Detokenizer.completePrefix(new byte[]{(byte) 0x80}), "a stray continuation byte is released");
        assertEquals(2, Detokenizer.completePrefix(new byte[]{(byte) 0xC3, 'A'}), "a broken sequence is released");
        assertEquals(0, Detokenizer.completePrefix(new byte[0]));
    }

    @Test
    void cleanUpSpacesMatchesLlamaCppRules() {
        String in = "Hello , world ! It 's ok . I 'm here ' quoted ' we 're you 'll they 'd it 't";
        String out = new String(Tokenizer.cleanUpSpaces(in.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        assertEquals("Hello, world! It's ok. I'm here'quoted'we're you 'll they 'd it 't", out);
        assertEquals("", new String(Tokenizer.cleanUpSpaces(new byte[0]), StandardCharsets.UTF_8));
    }

    // ---- synthetic vocabularies ----------------------------------------------------------------------------

    static final class Meta {
        final Map<String, Object> values = new LinkedHashMap<>();
        final Map<String, GgufValueType> types = new LinkedHashMap<>();

        Meta str(String k, String v) {
            values.put(k, v);
            types.put(k, GgufValueType.STRING);
            return this;
        }

        Meta strings(String k, String... v) {
            values.put(k, new GgufArray(GgufValueType.STRING, v));
            types.put(k, GgufValueType.ARRAY);
            return this;
        }

        Meta ints(String k, int... v) {
            values.put(k, new GgufArray(GgufValueType.INT32, v));
            types.put(k, GgufValueType.ARRAY);
            return this;
        }

        Meta floats(String k, float... v) {
            values.put(k, new GgufArray(GgufValueType.FLOAT32, v));
            types.put(k, GgufValueType.ARRAY);
            return this;
        }

        Meta u32(String k, int v) {
            values.put(k, v);
            types.put(k, GgufValueType.UINT32);
            return this;
        }

        Meta bool(String k, boolean v) {
            values.put(k, v);
            types.put(k, GgufValueType.BOOL);
            return this;
        }

        Tokenizer build() throws GgufFormatException {
            return Tokenizer.fromGguf(new GgufMetadata(values, types));
        }
    }

    static Meta bpe(String[] tokens, String... merges) {
        return new Meta().str("tokenizer.ggml.model", "gpt2").str("tokenizer.ggml.pre", "gpt-2")
                .strings("tokenizer.ggml.tokens", tokens).strings("tokenizer.ggml.merges", merges);
    }

    @Test
    void bpeAppliesTheLowestRankedMergeFirstAndLeftmostOnTies() throws Exception {
        String[] tokens = {"a", "b", "c", "ab", "bc", "abc", "aa"};
        // "b c" outranks "a b": a + bc, then "a bc"
        assertArrayEquals(new int[]{5}, bpe(tokens, "b c", "a bc").build().encode("abc", false, false));
        assertArrayEquals(new int[]{0, 4}, bpe(tokens, "b c", "ab c").build().encode("abc", false, false));
        assertArrayEquals(new int[]{3, 2}, bpe(tokens, "a b", "b c", "a bc").build().encode("abc", false, false));
        // equal ranks: the leftmost pair merges first
        assertArrayEquals(new int[]{6, 0}, bpe(tokens, "a a").build().encode("aaa", false, false));
        // a merge string without a separating space never applies
        assertArrayEquals(new int[]{0, 1}, bpe(tokens, "ab").build().encode("ab", false, false));
    }

    static Meta spm(float scoreOfA_B, float scoreOfSpaceA) {
        String[] tokens = {"<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "ab", "<0x63>"};
        return new Meta().str("tokenizer.ggml.model", "llama").strings("tokenizer.ggml.tokens", tokens)
                .floats("tokenizer.ggml.scores", 0, 0, 0, -3, -4, -4, scoreOfSpaceA, scoreOfA_B, 0)
                .ints("tokenizer.ggml.token_type", 2, 3, 3, 1, 1, 1, 1, 1, 6);
    }

    @Test
    void sentencePieceMergesTheBestScoringPairAndFallsBackToBytes() throws Exception {
        assertArrayEquals(new int[]{3, 7}, spm(-1, -2).build().encode("ab", false, false)); // ▁ + ab
        assertArrayEquals(new int[]{6, 5}, spm(-2, -1).build().encode("ab", false, false)); // ▁a + b
        Tokenizer t = spm(-1, -2).build();
        assertArrayEquals(new int[]{3, 8}, t.encode("c", false, false), "c has only its byte token");
        assertArrayEquals(new int[]{3, 0}, t.encode("d", false, false), "no byte token: unknown");
        assertEquals("ab c", t.decode(t.encode("ab c", false, false)));
        assertArrayEquals(new int[]{1, 3, 7}, t.encode("ab", true, false));
    }

    @Test
    void badMetadataIsRejectedWithTheReason() {
        assertTrue(assertThrows(GgufFormatException.class, () -> new Meta().build()).getMessage().contains("tokenizer.ggml.model"));
        assertTrue(assertThrows(GgufFormatException.class, () -> new Meta().str("tokenizer.ggml.model", "bert")
                .strings("tokenizer.ggml.tokens", "a").build()).getMessage().contains("bert"));
        assertTrue(assertThrows(GgufFormatException.class, () -> bpe(new String[]{"a"}).str("tokenizer.ggml.pre", "martian").build())
                .getMessage().contains("martian"));
        assertTrue(assertThrows(GgufFormatException.class, () -> new Meta().str("tokenizer.ggml.model", "gpt2")
                .strings("tokenizer.ggml.tokens", "a").build()).getMessage().contains("merges"));
        assertTrue(assertThrows(GgufFormatException.class, () -> bpe(new String[]{"a", "b", "a"}).build())
                .getMessage().contains("duplicate"));
        assertTrue(assertThrows(GgufFormatException.class, () -> bpe(new String[]{"a", "b"}).ints("tokenizer.ggml.token_type", 1).build())
                .getMessage().contains("token_type"));
        assertTrue(assertThrows(GgufFormatException.class, () -> bpe(new String[]{"a", "b"}).bool("tokenizer.ggml.add_bos_token", true).build())
                .getMessage().contains("bos_token_id"));
        assertTrue(assertThrows(GgufFormatException.class, () -> new Meta().str("tokenizer.ggml.model", "llama").build())
                .getMessage().contains("tokenizer.ggml.tokens"));
    }

    @Test
    void specialIdsOutsideTheVocabularyAreIgnored() throws Exception {
        Tokenizer t = bpe(new String[]{"a", "b"}).u32("tokenizer.ggml.eos_token_id", 99).u32("tokenizer.ggml.bos_token_id", 1).build();
        assertEquals(-1, t.eosId(), "default EOS 11 is beyond a 2-token vocabulary, and 99 is ignored");
        assertEquals(1, t.bosId());
    }
}
