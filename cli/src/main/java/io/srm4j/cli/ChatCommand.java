package io.srm4j.cli;

import io.srm4j.runtime.chat.ChatMessage;
import io.srm4j.runtime.chat.ChatTemplate;
import io.srm4j.runtime.chat.ReasoningParser;
import io.srm4j.runtime.engine.Generation;
import io.srm4j.runtime.engine.GenerationParams;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.engine.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "chat", description = {
        "Chat with a model through its own chat template. Reasoning (<think>...</think>) is shown apart from the answer.",
        "Commands: /reset starts over, /exit (or end of input) quits."})
final class ChatCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
    Path model;

    @Option(names = {"-s", "--system"}, description = "system prompt")
    String system;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "4096", description = "most tokens per reply (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"-c", "--context"}, defaultValue = "8192", description = "context size (default: ${DEFAULT-VALUE}, capped at the model's)")
    int context;

    @Option(names = "--template", description = "a Jinja chat template file to use instead of the model's")
    Path templateFile;

    @Option(names = "--enable-thinking", arity = "1", description = "template argument enable_thinking (true/false)")
    Boolean enableThinking;

    @Option(names = "--hide-thinking", description = "don't print the reasoning, only the answer")
    boolean hideThinking;

    @Mixin
    SamplingOptions sampling;

    @picocli.CommandLine.Mixin
    KvCacheOption kv = new KvCacheOption();

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        boolean tty = System.console() != null;
        String dim = tty ? "\u001b[2m" : "", reset = tty ? "\u001b[0m" : "";
        try (LanguageModel lm = LanguageModel.load(model)) {
            if (templateFile != null) {
                ChatTemplate t = lm.chatTemplate();
                lm.setChatTemplate(ChatTemplate.of(Files.readString(templateFile), t.bosToken(), t.eosToken()));
            }
            if (lm.chatTemplate().isFallback()) System.err.println("(the model has no chat template; using ChatML)");
            Map<String, Object> args = new HashMap<>();
            if (enableThinking != null) args.put("enable_thinking", enableThinking);
            Session session = lm.newSession(context, kv.precision);
            List<ChatMessage> history = new ArrayList<>();
            if (system != null) history.add(ChatMessage.system(system));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            long seed = sampling.resolvedSeed();
            int turn = 0;
            while (true) {
                if (tty) out.print("\n> ");
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) break;
                if (line.strip().equals("/reset")) {
                    history.removeIf(m -> !m.role().equals("system"));
                    session.reset();
                    out.println("(conversation reset)");
                    continue;
                }
                if (line.isBlank()) continue;
                history.add(ChatMessage.user(line));
                String promptText = lm.renderChat(history, args);
                int[] prompt = lm.tokenizeTemplated(promptText);
                ReasoningParser parser = lm.chatTemplate().reasoningParserFor(promptText);
                boolean[] inThinking = {false};
                GenerationParams params = new GenerationParams(sampling.toParams().withSeed(seed + turn++), maxTokens, sampling.stops, Set.of(), false);
                Generation g = session.generate(prompt, params, (t, delta) -> {
                    ReasoningParser.Delta d = parser.feed(delta);
                    show(out, d, inThinking, dim, reset);
                    return true;
                });
                show(out, parser.finish(), inThinking, dim, reset);
                out.println();
                ReasoningParser.Result r = ReasoningParser.parse(g.text(), parser.startsInReasoning());
                history.add(ChatMessage.assistant(r.content(), r.reasoning().isEmpty() ? null : r.reasoning()));
                if (tty) {
                    System.err.printf("%s[%d tokens, %.1f tok/s, %s]%s%n", dim, g.tokens().length,
                            g.timings().generatedTokensPerSecond(), g.finishReason().name().toLowerCase(), reset);
                }
            }
        }
        return 0;
    }

    private void show(PrintStream out, ReasoningParser.Delta d, boolean[] inThinking, String dim, String reset) {
        if (!d.reasoning().isEmpty() && !hideThinking) {
            if (!inThinking[0]) {
                out.print(dim + "[thinking] ");
                inThinking[0] = true;
            }
            out.print(d.reasoning());
        }
        if (!d.content().isEmpty()) {
            if (inThinking[0]) {
                out.print(reset + "\n[answer] ");
                inThinking[0] = false;
            }
            out.print(d.content());
        }
        out.flush();
    }
}
