package io.srm4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.engine.BatchEngine;
import io.srm4j.runtime.engine.Generation;
import io.srm4j.runtime.engine.GenerationParams;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.engine.TokenListener;
import io.srm4j.runtime.model.KvBlockPool;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.sampling.SamplingParams;
import io.srm4j.runtime.tensor.WorkerPool;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * srm4j's batched decode: aggregate tokens/s of B samples of one prompt decoded together by {@link BatchEngine},
 * next to single-sequence decode of the same prompt in the same JVM. Prints one JSON line. {@link SideBySide} forks it.
 *
 * <p>Aggregate = all samples' generated tokens after their first (which comes out of the shared prompt pass), over
 * the longest sample's decode time; single = a {@code Session}'s decode tokens/s. Both greedy, end-of-generation
 * ignored, so every sample does the same number of steps.
 *
 * <p>Usage: {@code BatchDecodeBench MODEL THREADS PROMPT_TOKENS GEN_TOKENS BATCH REPETITIONS}
 */
public final class BatchDecodeBench {
    private BatchDecodeBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: BatchDecodeBench MODEL THREADS PROMPT_TOKENS GEN_TOKENS BATCH REPETITIONS");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]), promptTokens = Integer.parseInt(args[2]);
        int genTokens = Integer.parseInt(args[3]), batch = Integer.parseInt(args[4]), reps = Integer.parseInt(args[5]);
        if (promptTokens < 1 || genTokens < 2 || batch < 1 || reps < 1) {
            throw new IllegalArgumentException("prompt tokens >= 1, gen tokens >= 2, batch >= 1, repetitions >= 1 needed");
        }
        System.setProperty(WorkerPool.THREADS_PROPERTY, Integer.toString(threads));
        try (LanguageModel lm = LanguageModel.load(model)) {
            int vocab = lm.tokenizer().vocabSize();
            // the same kind of prompt as `srm4j bench`: fixed pseudo-random ordinary tokens
            SplittableRandom r = new SplittableRandom(1234);
            int[] prompt = new int[promptTokens];
            for (int i = 0; i < prompt.length; i++) prompt[i] = r.nextInt(Math.min(vocab, 30000));
            GenerationParams params = GenerationParams.of(SamplingParams.GREEDY, genTokens).ignoringEndOfGeneration();
            int ctx = promptTokens + genTokens + 8;
            long perBlock = KvBlockPool.bytesPerBlock(lm.config(), KvCache.Precision.F16, KvBlockPool.DEFAULT_BLOCK_SIZE);
            long blocksPerSeq = (ctx + KvBlockPool.DEFAULT_BLOCK_SIZE - 1) / KvBlockPool.DEFAULT_BLOCK_SIZE + 1;
            long kvBytes = perBlock * blocksPerSeq * (batch + 1); // each sample's worst case plus the shared prompt

            double[] single = new double[reps], aggregate = new double[reps];
            for (int rep = -1; rep < reps; rep++) { // rep -1 warms the JIT up
                Generation g = lm.newSession(ctx).generate(prompt, params, TokenListener.NONE);
                if (rep >= 0) single[rep] = g.timings().generatedTokensPerSecond();
            }
            try (BatchEngine engine = new BatchEngine(lm, batch, kvBytes, ctx, KvCache.Precision.F16)) {
                for (int rep = -1; rep < reps; rep++) {
                    List<Generation> gens = engine.generate(prompt, params, batch);
                    if (rep >= 0) aggregate[rep] = aggregateDecode(gens);
                }
            }
            double s = Ratios.median(single), a = Ratios.median(aggregate);
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("engine", "srm4j BatchEngine");
            o.put("threads", threads);
            o.put("prompt_tokens", promptTokens);
            o.put("gen_tokens", genTokens);
            o.put("batch", batch);
            o.put("single_decode_tokens_per_s", s);
            o.put("batch_decode_tokens_per_s", a);
            o.put("batch_over_single", Ratios.ratio(a, s));
            System.out.println(new ObjectMapper().writeValueAsString(o));
        }
    }

    /** Tokens decoded after each sample's first, over the longest decode time: what the batch delivered per second. */
    static double aggregateDecode(List<Generation> gens) {
        long tokens = 0, nanos = 0;
        for (Generation g : gens) {
            tokens += Math.max(0, g.timings().generatedTokens() - 1);
            nanos = Math.max(nanos, g.timings().generateNanos());
        }
        return nanos == 0 ? Double.NaN : tokens * 1e9 / nanos;
    }
}
