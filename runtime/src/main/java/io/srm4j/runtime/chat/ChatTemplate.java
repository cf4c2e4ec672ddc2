package io.srm4j.runtime.chat;

import io.srm4j.runtime.gguf.GgufMetadata;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's chat template, rendered as Hugging Face transformers' {@code apply_chat_template} renders it with
 * Python's jinja2 (see {@link HuggingFaceJinja} for the environment and how Jinjava is brought in line).
 *
 * <pre>{@code
 * ChatTemplate t = ChatTemplate.fromGguf(gguf.metadata(), tokens);
 * String prompt = t.render(List.of(ChatMessage.user("2+2?")), true, Map.of("enable_thinking", true));
 * boolean thinking = t.endsInsideThink(prompt); // generation starts inside <think>
 * }</pre>
 */
public final class ChatTemplate {
    /** Where a template came from. */
    public enum Source {
        /** Given by the caller. */
        EXPLICIT,
        /** Read from the GGUF key {@code tokenizer.chat_template}. */
        GGUF,
        /** The model has no template: {@link #CHATML} is used. */
        FALLBACK_CHATML
    }

    /** ChatML, used by many instruction-tuned models and by llama.cpp when a model has no template. */
    public static final String CHATML = """
            {%- for message in messages -%}
            {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
            {{- '<|im_start|>assistant\\n' -}}
            {%- endif -%}
            """;

    public static final String GGUF_TEMPLATE_KEY = "tokenizer.chat_template";

    private final String source;
    private final String preparedSource;
    /** Why the template cannot render (as jinja2 would refuse to compile it), or null. */
    private final String problem;
    private final String bosToken;
    private final String eosToken;
    private final Source origin;
    private final Clock clock;
    private final String thinkOpen;
    private final String thinkClose;

    private ChatTemplate(String source, String bosToken, String eosToken, Source origin, Clock clock,
                         String thinkOpen, String thinkClose) {
        this.source = Objects.requireNonNull(source, "template source");
        TemplateSourcePrepass.Prepared prepared = TemplateSourcePrepass.prepare(source);
        this.preparedSource = prepared.source();
        String unknown = HuggingFaceJinja.unknownNames(prepared);
        this.problem = prepared.problem() != null ? prepared.problem() : unknown;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.origin = origin;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.thinkOpen = thinkOpen;
        this.thinkClose = thinkClose;
    }

    /** A template from its Jinja source; null or blank source falls back to {@link #CHATML}. */
    public static ChatTemplate of(String jinjaSource, String bosToken, String eosToken) {
        boolean missing = jinjaSource == null || jinjaSource.isBlank();
        return new ChatTemplate(missing ? CHATML : jinjaSource, bosToken, eosToken,
                missing ? Source.FALLBACK_CHATML : Source.EXPLICIT, Clock.systemDefaultZone(),
                ReasoningParser.DEFAULT_OPEN, ReasoningParser.DEFAULT_CLOSE);
    }

    /**
     * The template of a GGUF model: {@code tokenizer.chat_template}, with the bos/eos token text looked up from
     * {@code tokenizer.ggml.bos_token_id}/{@code eos_token_id} in {@code tokens} (the vocabulary,
     * {@code tokenizer.ggml.tokens}; read from the metadata when null). Falls back to ChatML when the key is absent.
     */
    public static ChatTemplate fromGguf(GgufMetadata metadata, String[] tokens) {
        Objects.requireNonNull(metadata, "metadata");
        String[] vocab = tokens != null ? tokens : metadata.getStringArray("tokenizer.ggml.tokens").orElse(new String[0]);
        String bos = tokenText(metadata, "tokenizer.ggml.bos_token_id", vocab);
        String eos = tokenText(metadata, "tokenizer.ggml.eos_token_id", vocab);
        Optional<String> template = metadata.getString(GGUF_TEMPLATE_KEY).filter(s -> !s.isBlank());
        return new ChatTemplate(template.orElse(CHATML), bos, eos,
                template.isPresent() ? Source.GGUF : Source.FALLBACK_CHATML, Clock.systemDefaultZone(),
                ReasoningParser.DEFAULT_OPEN, ReasoningParser.DEFAULT_CLOSE);
    }

    private static String tokenText(GgufMetadata metadata, String key, String[] vocab) {
        Optional<Long> id = metadata.getLong(key);
        if (id.isEmpty()) return "";
        if (id.get() < 0 || id.get() >= vocab.length) {
            throw new IllegalArgumentException("GGUF " + key + " = " + id.get() + " is outside the vocabulary of "
                    + vocab.length + " tokens");
        }
        return vocab[(int) (long) id.get()];
    }

    /** The same template with {@code strftime_now} reading {@code clock} (for reproducible prompts and tests). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, bosToken, eosToken, origin, clock, thinkOpen, thinkClose);
    }

    /** The same template with other reasoning delimiters for {@link #endsInsideThink}. */
    public ChatTemplate withThinkTags(String open, String close) {
        if (open == null || open.isEmpty() || close == null || close.isEmpty()) {
            throw new IllegalArgumentException("think tags must be non-empty");
        }
        return new ChatTemplate(source, bosToken, eosToken, origin, clock, open, close);
    }

    /**
     * Renders the conversation.
     *
     * @param addGenerationPrompt end with the header that starts the assistant's reply
     * @param extraArgs           further template variables, e.g. {@code enable_thinking}, {@code tools},
     *                            {@code date_string}; they may override the defaults (tools=None, documents=None)
     * @throws TemplateException when the template raises (e.g. a role it does not support) or is malformed
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> extraArgs) {
        Objects.requireNonNull(messages, "messages");
        List<Map<String, Object>> values = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) values.add(Objects.requireNonNull(m, "null message").toTemplateValue());
        return renderValues(values, addGenerationPrompt, extraArgs);
    }

    /** Renders messages given as plain dicts (as in an OpenAI-style request), for fields ChatMessage lacks. */
    public String renderValues(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
                               Map<String, ?> extraArgs) {
        Objects.requireNonNull(messages, "messages");
        if (problem != null) throw new TemplateException("chat template cannot be compiled: " + problem);
        Map<String, Object> bindings = new HashMap<>();
        // transformers passes tools and documents explicitly, None when absent, so `tools is defined` holds.
        bindings.put("tools", null);
        bindings.put("documents", null);
        if (extraArgs != null) bindings.putAll(extraArgs);
        bindings.put("messages", messages);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        return HuggingFaceJinja.render(preparedSource, bindings, clock);
    }

    /**
     * True when {@code renderedPrompt} ends in an opened think tag (DeepSeek-R1 prompts end in {@code <think>\n},
     * QwQ's in {@code <|im_start|>assistant\n<think>\n}): the model's output then starts inside its reasoning.
     * Only the end of the prompt counts (trailing whitespace ignored), so a {@code <think>} quoted earlier in the
     * conversation does not.
     */
    public boolean endsInsideThink(String renderedPrompt) {
        return PythonStrings.strip(renderedPrompt, null, false, true).endsWith(thinkOpen);
    }

    /** A reasoning parser for output generated after {@code renderedPrompt} (starts in reasoning if needed). */
    public ReasoningParser reasoningParserFor(String renderedPrompt) {
        return new ReasoningParser(thinkOpen, thinkClose, endsInsideThink(renderedPrompt));
    }

    /** Why this template cannot render (a syntax error or a filter/test jinja2 would not find), if so. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    public String source() {
        return source;
    }

    public Source origin() {
        return origin;
    }

    public boolean isFallback() {
        return origin == Source.FALLBACK_CHATML;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }
}
