package io.srm4j.runtime.engine;

import io.srm4j.runtime.SharedAssets;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.*;

class BatchEngineTest {
    static LanguageModel lm;

    @BeforeAll
    static void load() throws Exception {
        lm = LanguageModel.load(SharedAssets.require("models/tiny/stories260K.gguf"));
    }

    @AfterAll
    static void close() {
        if (lm != null) lm.close();
    }

    private static Generation single(int[] prompt, GenerationParams p) {
        return lm.newSession(512, KvCache.Precision.F32).generate(prompt, p, TokenListener.NONE);
    }

    @Test
    void greedySamplesEqualSingleSequenceGeneration() {
        int[] prompt = lm.tokenizePrompt("Once upon a time");
        GenerationParams p = GenerationParams.of(SamplingParams.GREEDY, 40).ignoringEndOfGeneration();
        Generation expected = single(prompt, p);
        try (BatchEngine engine = new BatchEngine(lm, 16, 64L << 20, 512, KvCache.Precision.F32)) {
            List<Generation> gs = engine.generate(prompt, p, 8);
            assertEquals(8, gs.size());
            for (Generation g : gs) {
                assertArrayEquals(expected.tokens(), g.tokens());
                assertEquals(expected.text(), g.text());
                assertEquals(FinishReason.LENGTH, g.finishReason());
            }
            assertEquals(engine.pool().maxBlocks(), engine.pool().freeBlocks(), "every block returned");
        }
    }

    @Test
    void sampledRunsAreReproducibleAndDiverse() {
        int[] prompt = lm.tokenizePrompt("One day, Lily");
        GenerationParams p = GenerationParams.of(SamplingParams.defaults(7).withTemperature(1.2f).withTopK(0).withTopP(1f).withMinP(0f), 24)
                .ignoringEndOfGeneration();
        try (BatchEngine engine = new BatchEngine(lm, 16, 64L << 20, 512, KvCache.Precision.F32)) {
            List<Generation> a = engine.generate(prompt, p, 6);
            List<Generation> b = engine.generate(prompt, p, 6);
            Set<String> distinct = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(a.get(i).tokens(), b.get(i).tokens(), "same seed, same sample " + i);
                distinct.add(a.get(i).text());
            }
            assertTrue(distinct.size() >= 4, "samples should differ: " + distinct.size() + " distinct of 6");
            // sample i is the single-sequence generation with seed + i
            Generation s3 = single(prompt, new GenerationParams(p.sampling().withSeed(7 + 3), 24, List.of(), Set.of(), true));
            assertArrayEquals(s3.tokens(), a.get(3).tokens());
        }
    }

    @Test
    void concurrentRequestsAreBatchedContinuously() {
        String[] prompts = {"Once upon a time", "One day, Lily", "The cat", "A big dog ran", "Tom had a ball", "She said"};
        int[] budgets = {10, 30, 5, 20, 15, 25};
        try (BatchEngine engine = new BatchEngine(lm, 4, 64L << 20, 512, KvCache.Precision.F32)) {
            List<CompletableFuture<List<Generation>>> futures = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                GenerationParams p = GenerationParams.of(SamplingParams.GREEDY, budgets[i]).ignoringEndOfGeneration();
                futures.add(engine.submit(lm.tokenizePrompt(prompts[i]), p, i % 2 + 1, BatchEngine.SampleListener.NONE));
            }
            for (int i = 0; i < prompts.length; i++) {
                GenerationParams p = GenerationParams.of(SamplingParams.GREEDY, budgets[i]).ignoringEndOfGeneration();
                Generation expected = single(lm.tokenizePrompt(prompts[i]), p);
                for (Generation g : futures.get(i).join()) assertArrayEquals(expected.tokens(), g.tokens(), prompts[i]);
            }
        }
    }

    @Test
    void stopStringsAndListenersWorkPerSample() {
        int[] prompt = lm.tokenizePrompt("Once upon a time");
        GenerationParams p = GenerationParams.of(SamplingParams.GREEDY, 40).ignoringEndOfGeneration().withStopStrings(List.of("Once"));
        StringBuilder[] streamed = {new StringBuilder(), new StringBuilder()};
        try (BatchEngine engine = new BatchEngine(lm, 16, 64L << 20, 512, KvCache.Precision.F16)) {
            List<Generation> gs = engine.submit(prompt, p, 2, (i, t, d) -> {
                streamed[i].append(d);
                return true;
            }).join();
            for (int i = 0; i < 2; i++) {
                assertEquals(FinishReason.STOP_STRING, gs.get(i).finishReason());
                assertFalse(gs.get(i).text().contains("Once"));
                assertEquals(gs.get(i).text(), streamed[i].toString());
            }
        }
    }

    @Test
    void requestsThatCannotFitFailClearly() {
        try (BatchEngine engine = new BatchEngine(lm, 4, 1L << 20, 512, KvCache.Precision.F32)) {
            var e = assertThrows(CompletionException.class,
                    () -> engine.generate(lm.tokenizePrompt("Once"), GenerationParams.of(SamplingParams.GREEDY, 500), 4));
            assertInstanceOf(KvCache.OutOfBlocksException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("raise the KV memory"), e.getCause().getMessage());
            // a small one still runs afterwards
            assertEquals(5, engine.generate(lm.tokenizePrompt("Once"), GenerationParams.of(SamplingParams.GREEDY, 5).ignoringEndOfGeneration(), 1).get(0).tokens().length);
        }
    }
}
