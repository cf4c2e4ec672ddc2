package io.srm4j.train.lab;

import io.srm4j.runtime.chat.ChatMessage;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.tokenizer.Tokenizer;
import io.srm4j.train.export.GgufExport;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class LabTokenizerTest {
    private final LabTokenizer tokenizer = new LabTokenizer();

    @Test
    void roundTripsEveryCharacterOfTheAlphabet() {
        String text = LabTokenizer.CHARACTERS + "7+5=?*3=?-7=?+2=?*6=?";
        int[] ids = tokenizer.encode(text);
        assertEquals(text.length(), ids.length, "one token per character");
        assertEquals(text, tokenizer.decode(ids));
        for (int i = 0; i <= 9; i++) assertEquals(1, tokenizer.encode(Integer.toString(i)).length);
    }

    @Test
    void rejectsCharactersOutsideTheAlphabet() {
        var e = assertThrows(IllegalArgumentException.class, () -> tokenizer.encode("a=é"));
        assertTrue(e.getMessage().contains("é"), e.getMessage());
    }

    @Test
    void runtimeLoadsTheExportedTokenizerAndAgreesIdForId(@TempDir Path dir) throws Exception {
        var c = new TransformerConfig(16, 1, 2, 2, 32, tokenizer.vocabSize(), 128, 10000f, 1e-5f, false);
        Path file = dir.resolve("m.gguf");
        tokenizer.addTokenizerSettings(GgufExport.writer(TransformerModel.create(c, 1), tokenizer.vocabulary(), "t")).write(file);
        try (LanguageModel lm = LanguageModel.load(file)) {
            Tokenizer rt = lm.tokenizer();
            assertEquals(tokenizer.vocabSize(), rt.vocabSize());
            assertEquals(LabTokenizer.BOS, rt.bosId());
            assertTrue(rt.isEndOfGeneration(LabTokenizer.EOS));
            SplittableRandom r = new SplittableRandom(4);
            ChainTask task = new ChainTask(5);
            for (int i = 0; i < 200; i++) {
                LabProblem p = task.generate(r);
                LabTokenizer.Example e = tokenizer.example(p.question(), p.trace(), p.answer());
                // The prompt the chat template renders tokenizes to the example's prompt...
                int[] prompt = lm.tokenizeChat(List.of(ChatMessage.user(p.question())), Map.of());
                int promptLength = 0;
                while (!e.learned()[promptLength]) promptLength++;
                assertArrayEquals(java.util.Arrays.copyOf(e.tokens(), promptLength), prompt, "prompt of " + p.question());
                // ...and the whole conversation, as the template renders it, to the training example.
                String full = lm.chatTemplate().render(List.of(ChatMessage.user(p.question()),
                        ChatMessage.assistant(LabTokenizer.THINK_TAG + p.trace() + LabTokenizer.END_THINK_TAG + p.answer())), false, Map.of());
                assertArrayEquals(e.tokens(), lm.tokenizeTemplated(full), "conversation " + full);
                // Decoding the assistant turn gives back the text the evaluation layer splits at </think>.
                int[] reply = java.util.Arrays.copyOfRange(e.tokens(), promptLength, e.tokens().length);
                assertEquals(LabTokenizer.THINK_TAG + p.trace() + LabTokenizer.END_THINK_TAG + p.answer(), rt.decode(reply, true, false));
                assertEquals(p.question() + " " + p.trace(), tokenizer.decode(tokenizer.encode(p.question() + " " + p.trace())));
            }
        }
    }
}
