package io.srm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.engine.Generation;
import io.srm4j.runtime.engine.GenerationParams;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.engine.Session;
import io.srm4j.runtime.engine.TokenListener;
import io.srm4j.runtime.sampling.SampledToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "generate", description = "Continue a raw prompt (no chat template; BOS as the model's metadata says, as llama.cpp does).")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "the prompt text")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "most tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"-c", "--context"}, defaultValue = "4096", description = "context size in tokens (default: ${DEFAULT-VALUE}, capped at the model's)")
    int context;

    @Option(names = "--ignore-eos", description = "keep generating past end-of-generation tokens")
    boolean ignoreEos;

    @Option(names = "--json", description = "print one JSON object (text, token_ids, timings...) instead of streaming text")
    boolean json;

    @Mixin
    SamplingOptions sampling;

    @picocli.CommandLine.Mixin
    KvCacheOption kv = new KvCacheOption();

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (LanguageModel lm = LanguageModel.load(model)) {
            int[] promptIds = lm.tokenizePrompt(prompt);
            Session session = lm.newSession(Math.max(context, 1), kv.precision);
            GenerationParams params = new GenerationParams(sampling.toParams(), maxTokens, sampling.stops, Set.of(), ignoreEos);
            TokenListener listener = json ? TokenListener.NONE : (t, delta) -> {
                out.print(delta);
                out.flush();
                return true;
            };
            if (!json) out.print(prompt);
            Generation g = session.generate(promptIds, params, listener);
            if (!json) {
                out.println();
                System.err.printf("%n[%d prompt tokens at %.1f tok/s, %d generated at %.1f tok/s, %s]%n",
                        g.timings().promptTokensEvaluated(), g.timings().promptTokensPerSecond(), g.tokens().length,
                        g.timings().generatedTokensPerSecond(), g.finishReason().name().toLowerCase());
                return 0;
            }
            ObjectMapper om = new ObjectMapper();
            ObjectNode o = om.createObjectNode();
            o.put("text", g.text());
            ArrayNode ids = o.putArray("token_ids");
            for (int id : g.tokens()) ids.add(id);
            ArrayNode pids = o.putArray("prompt_token_ids");
            for (int id : g.promptTokens()) pids.add(id);
            o.put("finish_reason", g.finishReason().name().toLowerCase());
            if (g.matchedStop() != null) o.put("stop", g.matchedStop());
            o.put("seed", sampling.resolvedSeed());
            ArrayNode lp = o.putArray("logprobs");
            for (SampledToken t : g.sampled()) {
                ObjectNode e = lp.addObject();
                e.put("id", t.id());
                e.put("logprob", t.logprob());
                if (!t.top().isEmpty()) {
                    ArrayNode top = e.putArray("top");
                    for (SampledToken.Alternative a : t.top()) top.addObject().put("id", a.id()).put("logprob", a.logprob());
                }
            }
            ObjectNode tm = o.putObject("timings");
            tm.put("load_ms", lm.loadNanos() / 1e6);
            tm.put("prompt_tokens", g.timings().promptTokensEvaluated());
            tm.put("prompt_ms", g.timings().promptNanos() / 1e6);
            tm.put("prompt_tokens_per_s", g.timings().promptTokensPerSecond());
            tm.put("generated_tokens", g.tokens().length);
            tm.put("generate_ms", g.timings().generateNanos() / 1e6);
            tm.put("decode_tokens_per_s", g.timings().generatedTokensPerSecond());
            out.println(om.writeValueAsString(o));
        }
        return 0;
    }
}
