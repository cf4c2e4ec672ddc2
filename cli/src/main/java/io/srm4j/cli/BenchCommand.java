package io.srm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.engine.BatchEngine;
import io.srm4j.runtime.engine.Generation;
import io.srm4j.runtime.engine.GenerationParams;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.engine.Session;
import io.srm4j.runtime.model.KvBlockPool;
import io.srm4j.runtime.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "bench", description = "Measure load time, prefill and decode speed, time to first token and peak memory on a model.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
    Path model;

    @Option(names = "--threads", description = "worker threads (default: the machine's cores)")
    Integer threads;

    @Option(names = "--prompt-tokens", defaultValue = "256", description = "prompt length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "128", description = "tokens to generate (default: ${DEFAULT-VALUE})")
    int genTokens;

    @Option(names = "--repetitions", defaultValue = "3", description = "measured runs after a warm-up; medians are reported (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = "--batch", defaultValue = "1", description = "also decode this many samples of the prompt together and report their aggregate tokens/s")
    int batch;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @picocli.CommandLine.Mixin
    KvCacheOption kv = new KvCacheOption();

    @Override
    public Integer call() throws Exception {
        if (threads != null) System.setProperty("srm4j.threads", Integer.toString(threads));
        if (promptTokens < 1 || genTokens < 2 || repetitions < 1 || batch < 1) {
            throw new IllegalArgumentException("--prompt-tokens, --batch and --repetitions must be positive, --gen-tokens at least 2");
        }
        long t0 = System.nanoTime();
        try (LanguageModel lm = LanguageModel.load(model)) {
            long loadNanos = System.nanoTime() - t0;
            int vocab = lm.tokenizer().vocabSize();
            // A fixed pseudo-random prompt of ordinary tokens: the work does not depend on the values.
            SplittableRandom r = new SplittableRandom(1234);
            int[] prompt = new int[promptTokens];
            for (int i = 0; i < prompt.length; i++) prompt[i] = r.nextInt(Math.min(vocab, 30000));
            GenerationParams params = GenerationParams.of(SamplingParams.GREEDY, genTokens).ignoringEndOfGeneration();
            int ctx = promptTokens + genTokens + 8;
            double[] prefill = new double[repetitions], decode = new double[repetitions], ttft = new double[repetitions];
            for (int rep = -1; rep < repetitions; rep++) { // rep -1 warms the JIT up
                Session s = lm.newSession(ctx, kv.precision);
                long start = System.nanoTime();
                long[] firstToken = {0};
                Generation g = s.generate(prompt, params, (t, d) -> {
                    if (firstToken[0] == 0) firstToken[0] = System.nanoTime();
                    return true;
                });
                if (rep < 0) {
                    // the warm-up's first single-token products started the decode copies' background build: the
                    // measured runs time the engine, not that thread beside it (a session pays it once per model)
                    io.srm4j.runtime.tensor.MatMul.awaitDecodeCopies();
                    continue;
                }
                prefill[rep] = g.timings().promptTokensPerSecond();
                decode[rep] = g.timings().generatedTokensPerSecond();
                ttft[rep] = (firstToken[0] - start) / 1e9;
                if (!json) System.err.printf("run %d: prefill %.1f tok/s, decode %.1f tok/s%n", rep + 1, prefill[rep], decode[rep]);
            }
            double batchDecode = 0;
            if (batch > 1) {
                double[] agg = new double[repetitions];
                try (BatchEngine engine = new BatchEngine(lm, batch, KvBlockPool.bytesPerBlock(lm.config(), kv.precision, KvBlockPool.DEFAULT_BLOCK_SIZE)
                        * (long) (batch + 1) * ((ctx + KvBlockPool.DEFAULT_BLOCK_SIZE - 1) / KvBlockPool.DEFAULT_BLOCK_SIZE + 1), ctx, kv.precision)) {
                    GenerationParams sampled = GenerationParams.of(SamplingParams.defaults(1), genTokens).ignoringEndOfGeneration();
                    for (int rep = -1; rep < repetitions; rep++) {
                        List<Generation> gs = engine.generate(prompt, sampled, batch);
                        if (rep < 0) continue;
                        long tokens = 0, nanos = 0;
                        for (Generation g : gs) {
                            tokens += g.tokens().length - 1; // the first token comes out of the shared prompt pass
                            nanos = Math.max(nanos, g.timings().generateNanos());
                        }
                        agg[rep] = tokens * 1e9 / nanos;
                        if (!json) System.err.printf("batch run %d: %d samples, %.1f tok/s aggregate%n", rep + 1, batch, agg[rep]);
                    }
                }
                batchDecode = median(agg);
            }
            double loadS = loadNanos / 1e9;
            ObjectMapper om = new ObjectMapper();
            ObjectNode o = om.createObjectNode();
            o.put("model", model.toString());
            o.put("model_bytes", Files.size(model));
            o.put("threads", io.srm4j.runtime.tensor.WorkerPool.shared().threads());
            o.put("kv_type", kv.precision.name());
            o.put("prompt_tokens", promptTokens);
            o.put("gen_tokens", genTokens);
            o.put("load_s", loadS);
            o.put("prefill_tokens_per_s", median(prefill));
            o.put("decode_tokens_per_s", median(decode));
            o.put("time_to_first_token_s", loadS + median(ttft));
            if (batch > 1) {
                o.put("batch", batch);
                o.put("batch_decode_tokens_per_s", batchDecode);
                o.put("batch_speedup", batchDecode / median(decode));
            }
            o.put("peak_rss_bytes", peakRss());
            o.put("heap_used_bytes", Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
            if (json) {
                System.out.println(om.writeValueAsString(o));
            } else {
                System.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(o));
            }
        }
        return 0;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Peak resident set size from /proc (Linux); -1 elsewhere. Includes mapped weight pages that were touched. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return -1;
    }
}
