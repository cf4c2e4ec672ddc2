package io.srm4j.eval.generation;

import io.srm4j.runtime.chat.ChatMessage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GenerationTest {

    @Test
    void thinkSplitHandlesTheCommonShapes() {
        assertEquals(new ThinkSplit("step 1", "\\boxed{2}"), ThinkSplit.of("<think>\nstep 1\n</think>\n\n\\boxed{2}"));
        // template put <think> in the prompt: generation starts inside the thought
        assertEquals(new ThinkSplit("step 1", "\\boxed{2}"), ThinkSplit.of("step 1\n</think>\\boxed{2}"));
        // cut off by max_tokens while thinking: no answer
        assertEquals(new ThinkSplit("step 1 and", ""), ThinkSplit.of("<think>step 1 and"));
        // a model that does not think
        assertEquals(new ThinkSplit("", "It is 4."), ThinkSplit.of("It is 4."));
        // only the first </think> ends the thought
        assertEquals(new ThinkSplit("a", "b </think> c"), ThinkSplit.of("<think>a</think>b </think> c"));
    }

    @Test
    void requestsCarryOneSeedPerSample() {
        SamplingParams params = SamplingParams.reasoningDefaults().withSeed(10);
        GenerationRequest request = GenerationRequest.of(Prompt.user("hi"), params, 3);
        assertEquals(3, request.n());
        assertEquals(List.of(10L, 11L, 12L), request.sampleSeeds());
        assertEquals(12L, request.paramsFor(2).seed());
        assertEquals(0.6, request.paramsFor(2).temperature());
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.of(Prompt.user("hi"), params, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-1, 1, 0, 0, 10, 0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(0.6, 1.5, 0, 0, 10, 0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(0.6, 1, 0, 0, 0, 0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(0.6, 1, 0, 0, 10, 0, List.of("")));
        assertEquals("[system]\nbe brief\n\n[user]\nhi",
                new Prompt.Chat(List.of(ChatMessage.system("be brief"), ChatMessage.user("hi"))).display());
    }

    @Test
    void generateAllChecksTheGeneratorKeptItsContract() throws IOException {
        Completion c = Completion.of("<think>x</think>y", 3, 2, 1, FinishReason.STOP, 0.1);
        Generator good = new Generator() {
            public void generate(GenerationRequest r, SampleSink sink) throws IOException {
                for (int i = r.n() - 1; i >= 0; i--) sink.accept(i, c);
            }
            public String describe() { return "good"; }
        };
        assertEquals(3, good.generateAll(GenerationRequest.of(Prompt.raw("p"), SamplingParams.greedy(5), 3)).size());
        Generator lazy = new Generator() {
            public void generate(GenerationRequest r, SampleSink sink) throws IOException { sink.accept(0, c); }
            public String describe() { return "lazy"; }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> lazy.generateAll(GenerationRequest.of(Prompt.raw("p"), SamplingParams.greedy(5), 2)));
        assertTrue(e.getMessage().contains("lazy"));
        Generator twice = new Generator() {
            public void generate(GenerationRequest r, SampleSink sink) throws IOException { sink.accept(0, c); sink.accept(0, c); }
            public String describe() { return "twice"; }
        };
        assertThrows(IllegalStateException.class, () -> twice.generateAll(GenerationRequest.of(Prompt.raw("p"), SamplingParams.greedy(5), 2)));
        assertEquals(3, c.generatedTokens());
        assertEquals("x", c.reasoning());
        assertEquals("y", c.answer());
    }
}
