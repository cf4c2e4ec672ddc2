package io.srm4j.runtime.chat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReasoningParserTest {

    @Test
    void splitsReasoningFromAnswer() {
        ReasoningParser.Result r = ReasoningParser.parse("<think>\nTwo plus two.\n</think>\n\nThe answer is 4.");
        assertEquals("\nTwo plus two.\n", r.reasoning());
        assertEquals("\n\nThe answer is 4.", r.content());
        assertTrue(r.hadReasoning());
        assertFalse(r.unterminated());
    }

    @Test
    void outputWithoutThinkIsAllAnswer() {
        ReasoningParser.Result r = ReasoningParser.parse("Just 4. </think> stays");
        assertEquals("", r.reasoning());
        assertEquals("Just 4. </think> stays", r.content());
        assertFalse(r.hadReasoning());
        assertFalse(r.unterminated());
    }

    @Test
    void openingTagCountsOnlyAtTheStartAfterWhitespace() {
        assertEquals("r", ReasoningParser.parse("  \n<think>r</think>a").reasoning());
        ReasoningParser.Result mid = ReasoningParser.parse("x <think>r</think>a");
        assertEquals("", mid.reasoning());
        assertEquals("x <think>r</think>a", mid.content());
    }

    @Test
    void promptEndingInsideThinkStartsInReasoning() {
        ReasoningParser.Result r = ReasoningParser.parse("Let me add.\n</think>\n\n4", true);
        assertEquals("Let me add.\n", r.reasoning());
        assertEquals("\n\n4", r.content());
        assertTrue(r.hadReasoning());
        // A model that repeats the opening tag the prompt already gave: the repeat is dropped.
        assertEquals("\nLet me add.", ReasoningParser.parse("<think>\nLet me add.</think>4", true).reasoning());
    }

    @Test
    void reasoningThatNeverClosesIsFlagged() {
        ReasoningParser.Result r = ReasoningParser.parse("<think>still going... </thi");
        assertEquals(" still going... </thi".substring(1), r.reasoning());
        assertEquals("", r.content());
        assertTrue(r.unterminated());
        ReasoningParser.Result fromPrompt = ReasoningParser.parse("all reasoning", true);
        assertEquals("all reasoning", fromPrompt.reasoning());
        assertTrue(fromPrompt.unterminated());
    }

    @Test
    void laterTagsAfterTheAnswerStartsAreAnswerText() {
        ReasoningParser.Result r = ReasoningParser.parse("<think>a</think>b<think>c</think>d");
        assertEquals("a", r.reasoning());
        assertEquals("b<think>c</think>d", r.content());
    }

    @Test
    void incrementalNeverEmitsAPartialTag() {
        ReasoningParser p = new ReasoningParser(false);
        List<ReasoningParser.Delta> deltas = new ArrayList<>();
        for (String piece : List.of("<th", "ink>", "abc</", "thi", "nk", ">ans", "wer")) deltas.add(p.feed(piece));
        deltas.add(p.finish());
        assertEquals(List.of(ReasoningParser.Delta.EMPTY, ReasoningParser.Delta.EMPTY, new ReasoningParser.Delta("abc", ""),
                ReasoningParser.Delta.EMPTY, ReasoningParser.Delta.EMPTY, new ReasoningParser.Delta("", "ans"),
                new ReasoningParser.Delta("", "wer"), ReasoningParser.Delta.EMPTY), deltas);
        assertTrue(p.inContent());
        assertFalse(p.isReasoningUnterminated());
    }

    @Test
    void heldBackTextIsReleasedWhenItTurnsOutNotToBeATag() {
        ReasoningParser p = new ReasoningParser(true);
        assertEquals(new ReasoningParser.Delta("x ", ""), p.feed("x </th"));
        assertEquals(new ReasoningParser.Delta("</th!", ""), p.feed("!"));
        assertEquals(new ReasoningParser.Delta("", ""), p.feed("<"));
        assertEquals(new ReasoningParser.Delta("<", ""), p.finish());
        assertTrue(p.isReasoningUnterminated());
        assertThrows(IllegalStateException.class, () -> p.feed("more"));
    }

    @Test
    void customTags() {
        ReasoningParser p = new ReasoningParser("<|begin_of_thought|>", "<|end_of_thought|>", false);
        ReasoningParser.Result r = p.parseAll("<|begin_of_thought|>hmm<|end_of_thought|>ok");
        assertEquals("hmm", r.reasoning());
        assertEquals("ok", r.content());
        assertThrows(IllegalArgumentException.class, () -> new ReasoningParser("", "</x>", false));
    }

    @Test
    void worksFromARenderedPrompt() {
        ChatTemplate deepseek = ChatTemplate.of("{{ bos_token }}{% for m in messages %}<｜User｜>{{ m.content }}{% endfor %}"
                + "{% if add_generation_prompt %}<｜Assistant｜><think>\n{% endif %}", "<bos>", "<eos>");
        String prompt = deepseek.render(List.of(ChatMessage.user("2+2?")), true, java.util.Map.of());
        assertTrue(deepseek.endsInsideThink(prompt));
        ReasoningParser.Result r = deepseek.reasoningParserFor(prompt).parseAll("2+2=4\n</think>\n\n**4**");
        assertEquals("2+2=4\n", r.reasoning());
        assertEquals("\n\n**4**", r.content());
    }

    /** However the output is cut into deltas, the deltas add up to the whole-string result. */
    @Property(tries = 300)
    void deltasAddUpToTheWholeStringParse(@ForAll("outputs") String output, @ForAll boolean startInReasoning,
                                          @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int seed) {
        ReasoningParser.Result whole = ReasoningParser.parse(output, startInReasoning);
        ReasoningParser p = new ReasoningParser(startInReasoning);
        StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
        Random random = new Random(seed);
        int i = 0;
        while (i < output.length()) {
            int len = 1 + random.nextInt(Math.min(6, output.length() - i));
            ReasoningParser.Delta d = p.feed(output.substring(i, i + len));
            reasoning.append(d.reasoning());
            content.append(d.content());
            i += len;
        }
        ReasoningParser.Delta last = p.finish();
        reasoning.append(last.reasoning());
        content.append(last.content());
        assertEquals(whole.reasoning(), reasoning.toString());
        assertEquals(whole.content(), content.toString());
        assertEquals(whole.unterminated(), p.isReasoningUnterminated());
        // Nothing is lost: reasoning and answer are the output minus at most one opening and one closing tag.
        int removed = output.length() - whole.reasoning().length() - whole.content().length();
        assertTrue(removed >= 0 && removed <= "<think>".length() + "</think>".length() + leadingSpace(output), output);
    }

    private static int leadingSpace(String s) {
        int i = 0;
        while (i < s.length() && PythonStrings.isSpace(s.charAt(i))) i++;
        return i;
    }

    @Provide
    Arbitrary<String> outputs() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.of("<think>", "</think>", "<", "</", "<th", "</thi", "think>", "\n", " ", "é", "🤖"),
                Arbitraries.strings().withChars("ab<>/thinke \n").ofMaxLength(5));
        return piece.list().ofMaxSize(12).map(l -> String.join("", l));
    }
}
