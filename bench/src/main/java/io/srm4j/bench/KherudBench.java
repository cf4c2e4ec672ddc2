package io.srm4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;

import java.util.ArrayList;
import java.util.List;

/**
 * Prefill and decode speed of the llama.cpp inside {@code de.kherud:llama} (an AVX2 build). Meant to run in a forked
 * JVM ({@link SideBySide} starts it): it prints one JSON line and halts, because {@code LlamaModel.close()} can hang.
 *
 * <p>Speeds come from llama.cpp's own timing log lines ({@link LlamaTimings}); when the library does not log them,
 * from wall-clock times of {@code complete()} with 1 and with G tokens to predict (prefill ≈ the first, decode ≈ the
 * difference). Prompt caching is off and end-of-generation ignored, so every run does the same work.
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
        StringBuilder log = new StringBuilder();
        LlamaModel.setLogger(LogFormat.TEXT, (level, msg) -> {
            synchronized (log) {
                log.append(msg).append('\n');
            }
        });
        LlamaModel llama = new LlamaModel(new ModelParameters().setModel(model).setCtxSize(promptTokens + genTokens + 64)
                .setBatchSize(512).setThreads(threads).setThreadsBatch(threads));
        // " hello" is one token in the Qwen2 / Llama 3 vocabularies: a prompt of the wanted length without tokenizing ids.
        String prompt = trimToTokens(llama, " hello".repeat(promptTokens), promptTokens);
        int actualPromptTokens = llama.encode(prompt).length;
        List<Double> prefill = new ArrayList<>(), decode = new ArrayList<>();
        String source = "llama.cpp log";
        for (int rep = -1; rep < reps; rep++) { // rep -1 warms up
            synchronized (log) {
                log.setLength(0);
            }
            long t0 = System.nanoTime();
            llama.complete(params(prompt, 1));
            long t1 = System.nanoTime();
            synchronized (log) {
                log.setLength(0);
            }
            long t2 = System.nanoTime();
            llama.complete(params(prompt, genTokens));
            long t3 = System.nanoTime();
            LlamaTimings t;
            synchronized (log) {
                t = LlamaTimings.parseLast(log.toString());
            }
            if (rep < 0) continue;
            if (t != null && t.promptTokens() > 0 && t.evalTokens() > 1) {
                prefill.add(t.promptTokensPerSecond());
                decode.add(t.evalTokensPerSecond());
            } else {
                source = "wall clock of complete()";
                double single = (t1 - t0) / 1e9, full = (t3 - t2) / 1e9;
                prefill.add(actualPromptTokens / single);
                decode.add((genTokens - 1) / Math.max(full - single, 1e-9));
            }
        }
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("engine", "de.kherud:llama:4.2.0");
        o.put("prompt_tokens", actualPromptTokens);
        o.put("gen_tokens", genTokens);
        o.put("threads", threads);
        o.put("prefill_tokens_per_s", Ratios.median(prefill.stream().mapToDouble(Double::doubleValue).toArray()));
        o.put("decode_tokens_per_s", Ratios.median(decode.stream().mapToDouble(Double::doubleValue).toArray()));
        o.put("timing_source", source);
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
