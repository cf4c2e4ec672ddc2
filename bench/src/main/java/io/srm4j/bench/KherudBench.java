package io.srm4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;


/**
 * Prefill and decode speed of the llama.cpp inside {@code de.kherud:llama} (an AVX2 build). Meant to run in a forked
 * JVM ({@link SideBySide} starts it): it prints one JSON line and halts, because {@code LlamaModel.close()} can hang.
 *
 * <p>Speeds printed here are wall-clock times of {@code complete()} with 1 and with G tokens to predict (prefill ≈ the
 * first, decode ≈ the difference). llama.cpp also prints its own timings to this process's stderr after every
 * completion; {@link SideBySide} prefers those ({@link Report#withLlamaLogTimings}). Prompt caching is off and
 * end-of-generation ignored, so every run does the same work.
 *
 * <p>Usage: {@code KherudBench MODEL THREADS PROMPT_TOKENS GEN_TOKENS REPETITIONS}
 */
public final class KherudBench {
    private KherudBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: KherudBench MODEL THREADS PROMPT_TOKENS GEN_TOKENS REPETITIONS");
            System.exit(2);
        }
        String model = args[0];
        int threads = Integer.parseInt(args[1]), promptTokens = Integer.parseInt(args[2]);
        int genTokens = Integer.parseInt(args[3]), reps = Integer.parseInt(args[4]);
        // no Java logger: llama.cpp then prints its load log and per-completion timings to stderr, which SideBySide reads
        LlamaModel llama = new LlamaModel(new ModelParameters().setModel(model).setCtxSize(promptTokens + genTokens + 64)
                .setBatchSize(512).setThreads(threads).setThreadsBatch(threads));
        // " hello" is one token in the Qwen2 / Llama 3 vocabularies: a prompt of the wanted length without tokenizing ids.
        String prompt = trimToTokens(llama, " hello".repeat(promptTokens), promptTokens);
        int actualPromptTokens = llama.encode(prompt).length;
        double[] prefill = new double[reps], decode = new double[reps];
        for (int rep = -1; rep < reps; rep++) { // rep -1 warms up
            long t0 = System.nanoTime();
            llama.complete(params(prompt, 1));
            long t1 = System.nanoTime();
            llama.complete(params(prompt, genTokens));
            long t2 = System.nanoTime();
            if (rep < 0) continue;
            double single = (t1 - t0) / 1e9, full = (t2 - t1) / 1e9;
            prefill[rep] = actualPromptTokens / single;
            decode[rep] = (genTokens - 1) / Math.max(full - single, 1e-9);
        }
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("engine", "de.kherud:llama:4.2.0");
        o.put("prompt_tokens", actualPromptTokens);
        o.put("gen_tokens", genTokens);
        o.put("threads", threads);
        o.put("prefill_tokens_per_s", Ratios.median(prefill));
        o.put("decode_tokens_per_s", Ratios.median(decode));
        o.put("timing_source", "wall clock of complete()");
        System.out.println(new ObjectMapper().writeValueAsString(o));
        System.out.flush();
        Runtime.getRuntime().halt(0); // LlamaModel.close() can hang: end the process instead
    }

    private static InferenceParameters params(String prompt, int n) {
        return new InferenceParameters(prompt).setNPredict(n).setTemperature(0f).setCachePrompt(false).setIgnoreEos(true)
                .setSeed(1);
    }

    private static String trimToTokens(LlamaModel llama, String text, int tokens) {
        String s = text;
        while (llama.encode(s).length > tokens && s.length() > 6) s = s.substring(0, s.length() - 6);
        return s;
    }
}
