package io.srm4j.runtime.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One chat message as chat templates see it (the dict transformers passes in {@code messages}).
 *
 * @param role             "system", "user", "assistant", "tool", ...
 * @param content          the text; null only for an assistant message that merely calls tools
 * @param reasoningContent the assistant's separated reasoning ({@code reasoning_content}), or null
 * @param toolCalls        the assistant's tool calls in OpenAI form ({@code [{type, function: {name, arguments}}]}),
 *                         or null
 */
public record ChatMessage(String role, String content, String reasoningContent, List<Map<String, Object>> toolCalls) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        if (toolCalls != null) toolCalls = List.copyOf(toolCalls);
    }

    public ChatMessage(String role, String content) {
        this(role, content, null, null);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    public static ChatMessage assistant(String content, String reasoningContent) {
        return new ChatMessage("assistant", content, reasoningContent, null);
    }

    /**
     * The dict a template receives. Keys for absent optional fields are left out, not set to None, because templates
     * test their presence ({@code 'tool_calls' in message}, {@code message.reasoning_content is defined}).
     */
    public Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        if (reasoningContent != null) m.put("reasoning_content", reasoningContent);
        if (toolCalls != null) m.put("tool_calls", toolCalls);
        return m;
    }
}
