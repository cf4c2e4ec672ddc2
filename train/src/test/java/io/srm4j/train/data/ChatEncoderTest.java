package io.srm4j.train.data;

import io.srm4j.runtime.chat.ChatTemplate;
import io.srm4j.runtime.tokenizer.Tokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Loss masks on real chat templates and real vocabularies (from ../shared): the trained tokens decode to exactly the
 * assistant's turn (answer, reasoning where the model writes it, end of turn), nothing of the prompt.
 */
class ChatEncoderTest {
    private static final Map<String, Tokenizer> TOKENIZERS = new java.util.concurrent.ConcurrentHashMap<>();

    static Path shared() {
        Path p = Path.of(System.getProperty("srm4j.shared", "../shared"));
        Assumptions.assumeTrue(Files.isDirectory(p.resolve("models/templates")), "skipped: ../shared (chat templates, vocabularies) not found");
        return p;
    }

    static ChatEncoder encoder(String template, String vocab, String bos, String eos) throws IOException {
        Path s = shared();
        ChatTemplate t = ChatTemplate.of(Files.readString(s.resolve("models/templates/" + template)), bos, eos);
        return new ChatEncoder(t, TOKENIZERS.computeIfAbsent(vocab, v -> {
            try {
                return Tokenizer.fromGguf(s.resolve("models/vocab/" + v));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }), Map.of());
    }

    /** The trained tokens decoded, one string per contiguous span. */
    static List<String> spans(ChatEncoder enc, TokenizedExample e) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < e.length()) {
            if (!e.trained()[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < e.length() && e.trained()[j]) j++;
            out.add(enc.tokenizer().decode(java.util.Arrays.copyOfRange(e.tokens(), i, j), false, true));
            i = j;
        }
        return out;
    }

    @Test
    void qwen25MultiTurnTrainsEveryAssistantTurnInPlace() throws IOException {
        ChatEncoder enc = encoder("Qwen-Qwen2.5-7B-Instruct.jinja", "ggml-vocab-qwen2.gguf", "", "<|im_end|>");
        assertFalse(enc.hasReasoningSlot());
        assertEquals("<|im_end|>\n", enc.endOfTurn());
        ChatExample ex = new ChatExample(List.of(ChatExample.Message.user("What is 2+3?"), ChatExample.Message.assistant("5"),
                ChatExample.Message.user("And times 4?"), ChatExample.Message.assistant("20, since 5·4 = 20.")));
        ChatEncoder.Encoded e = enc.encode(ex);
        assertNull(e.fallbackReason());
        assertEquals(List.of("5<|im_end|>\n", "20, since 5·4 = 20.<|im_end|>\n"), spans(enc, e.example()));
        // the whole sequence is the template's rendering, token for token
        String full = enc.tokenizer().decode(e.example().tokens(), false, true);
        assertTrue(full.startsWith("<|im_start|>system\nYou are Qwen"), full);
        assertTrue(full.endsWith("<|im_start|>assistant\n20, since 5·4 = 20.<|im_end|>\n"), full);
    }

    @Test
    void reasoningGoesInsideThinkTagsWhenTheTemplateHasNoSlot() throws IOException {
        ChatEncoder enc = encoder("Qwen-Qwen2.5-7B-Instruct.jinja", "ggml-vocab-qwen2.gguf", "", "<|im_end|>");
        ChatEncoder.Encoded e = enc.encode(ChatExample.of("Be brief.", "What is 6*7?", "6*7 = 42.", "42"));
        assertNull(e.fallbackReason());
        assertEquals(List.of("<think>\n6*7 = 42.\n</think>\n\n42<|im_end|>\n"), spans(enc, e.example()));
    }

    @Test
    void qwen3PutsReasoningInItsOwnSlot() throws IOException {
        ChatEncoder enc = encoder("Qwen-Qwen3-0.6B.jinja", "ggml-vocab-qwen2.gguf", "", "<|im_end|>");
        assertTrue(enc.hasReasoningSlot());
        ChatEncoder.Encoded e = enc.encode(ChatExample.of(null, "What is 6*7?", "6*7 = 42.", "42"));
        assertNull(e.fallbackReason());
        assertEquals(List.of("<think>\n6*7 = 42.\n</think>\n\n42<|im_end|>\n"), spans(enc, e.example()));
    }

    @Test
    void qwen3MultiTurnWithReasoningFallsBackToTheLastTurn() throws IOException {
        // Qwen3 drops the reasoning of earlier turns from history: the prefix property breaks, only the last turn trains
        ChatEncoder enc = encoder("Qwen-Qwen3-0.6B.jinja", "ggml-vocab-qwen2.gguf", "", "<|im_end|>");
        ChatExample ex = new ChatExample(List.of(ChatExample.Message.user("2+3?"), ChatExample.Message.assistant("5", "2+3 = 5."),
                ChatExample.Message.user("times 4?"), ChatExample.Message.assistant("20", "5*4 = 20.")));
        ChatEncoder.Encoded e = enc.encode(ex);
        assertNotNull(e.fallbackReason());
        assertTrue(e.fallbackReason().contains("message 2"), e.fallbackReason());
        assertEquals(List.of("<think>\n5*4 = 20.\n</think>\n\n20<|im_end|>\n"), spans(enc, e.example()));
        String prompt = enc.tokenizer().decode(e.example().tokens(), false, true);
        assertTrue(prompt.contains("<|im_start|>assistant\n5<|im_end|>"), "history as the template writes it: " + prompt);
    }

    @Test
    void deepSeekR1FallsBackToPromptPlusThinkingCompletion() throws IOException {
        // R1 distills: the generation prompt ends in "<think>\n" and history drops reasoning, so the prefix property
        // breaks; training uses the inference prompt followed by reasoning, </think>, answer and end of sentence.
        ChatEncoder enc = encoder("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "ggml-vocab-qwen2.gguf",
                "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        assertFalse(enc.hasReasoningSlot());
        assertEquals("<｜end▁of▁sentence｜>", enc.endOfTurn());
        ChatEncoder.Encoded e = enc.encode(ChatExample.of(null, "What is 6*7?", "6*7 = 42.", "The answer is 42."));
        assertNotNull(e.fallbackReason());
        assertEquals(List.of("6*7 = 42.\n</think>\n\nThe answer is 42.<｜end▁of▁sentence｜>"), spans(enc, e.example()));
        String all = enc.tokenizer().decode(e.example().tokens(), false, true);
        assertEquals("<｜begin▁of▁sentence｜><｜User｜>What is 6*7?<｜Assistant｜><think>\n6*7 = 42.\n</think>\n\nThe answer is 42.<｜end▁of▁sentence｜>", all);
    }

    @Test
    void deepSeekR1WithoutReasoningLearnsAnEmptyThinkBlock() throws IOException {
        // "<think>\n" ends the prompt and "\n</think>" starts the answer: a "\n\n" token would span the boundary, so the
        // prompt is tokenized alone, as at inference, and the answer's tokens follow
        ChatEncoder enc = encoder("deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", "ggml-vocab-llama-bpe.gguf",
                "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        ChatEncoder.Encoded e = enc.encode(ChatExample.of(null, "Hi", null, "Hello there."));
        assertNotNull(e.fallbackReason());
        assertEquals(List.of("\n</think>\n\nHello there.<｜end▁of▁sentence｜>"), spans(enc, e.example()));
        int[] prompt = enc.tokenize(enc.prompt(ChatExample.of(null, "Hi", null, "Hello there.")));
        assertArrayEquals(prompt, java.util.Arrays.copyOf(e.example().tokens(), prompt.length));
    }

    @Test
    void qwqReasoningAfterItsThinkingPromptTrainsInPlace() throws IOException {
        ChatEncoder enc = encoder("Qwen-QwQ-32B.jinja", "ggml-vocab-qwen2.gguf", "", "<|im_end|>");
        ChatEncoder.Encoded e = enc.encode(ChatExample.of(null, "What is 6*7?", "6*7 = 42.", "42"));
        assertNull(e.fallbackReason());
        assertEquals(List.of("6*7 = 42.\n</think>\n\n42<|im_end|>\n"), spans(enc, e.example()));
    }

    @Test
    void phi35EndsTheFinalTurnWithEndOfTextAndEarlierTurnsWithout() throws IOException {
        ChatEncoder enc = encoder("microsoft-Phi-3.5-mini-instruct.jinja", "ggml-vocab-phi-3.gguf", "<s>", "<|endoftext|>");
        ChatExample ex = new ChatExample(List.of(ChatExample.Message.user("2+3?"), ChatExample.Message.assistant("5"),
                ChatExample.Message.user("times 4?"), ChatExample.Message.assistant("20")));
        ChatEncoder.Encoded e = enc.encode(ex);
        assertNull(e.fallbackReason());
        assertEquals(List.of("5<|end|>", "20<|end|><|endoftext|>"), spans(enc, e.example()));
    }

    @Test
    void gemmaMultiTurn() throws IOException {
        ChatEncoder enc = encoder("google-gemma-2-2b-it.jinja", "ggml-vocab-llama-spm.gguf", "<bos>", "<eos>");
        ChatExample ex = new ChatExample(List.of(ChatExample.Message.user("2+3?"), ChatExample.Message.assistant("5"),
                ChatExample.Message.user("times 4?"), ChatExample.Message.assistant("20")));
        ChatEncoder.Encoded e = enc.encode(ex);
        assertNull(e.fallbackReason());
        assertEquals(List.of("5<end_of_turn>\n", "20<end_of_turn>\n"), spans(enc, e.example()));
        // gemma's template refuses a system role: the error says so
        var err = assertThrows(RuntimeException.class, () -> enc.encode(ChatExample.of("sys", "q", null, "a")));
        assertTrue(err.getMessage().toLowerCase().contains("system"), err.getMessage());
    }

    @Test
    void llama31HeadersStayOutOfTheLoss() throws IOException {
        ChatEncoder enc = encoder("meta-llama-Llama-3.1-8B-Instruct.jinja", "ggml-vocab-llama-bpe.gguf", "<|begin_of_text|>", "<|eot_id|>");
        ChatEncoder.Encoded e = enc.encode(ChatExample.of("Be brief.", "Capital of France?", null, "Paris."));
        assertNull(e.fallbackReason());
        assertEquals(List.of("Paris.<|eot_id|>"), spans(enc, e.example()));
        assertEquals(enc.tokenizer().tokenId("<|begin_of_text|>"), e.example().tokens()[0]);
    }
}
