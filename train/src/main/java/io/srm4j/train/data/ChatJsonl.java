package io.srm4j.train.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads chat-format JSONL: one object per line, {@code {"messages": [{"role": ..., "content": ...,
 * "reasoning_content": ...}]}} (the reasoning may also be called {@code "reasoning"}). Blank lines are skipped; any
 * other bad line fails with its line number.
 */
public final class ChatJsonl {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatJsonl() {}

    /** A conversation with the (1-based) line it came from. */
    public record Line(int lineNumber, ChatExample example) {}

    public static List<Line> read(Path file) throws IOException {
        List<Line> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                try {
                    out.add(new Line(n, parse(line)));
                } catch (IllegalArgumentException e) {
                    throw new DataException(file + " line " + n + ": " + e.getMessage(), e);
                }
            }
        }
        if (out.isEmpty()) throw new DataException(file + ": no conversations (the file is empty)");
        return out;
    }

    /** One line's conversation. */
    public static ChatExample parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("expected a JSON object with \"messages\"");
        JsonNode ms = root.get("messages");
        if (ms == null || !ms.isArray()) throw new IllegalArgumentException("no \"messages\" array");
        List<ChatExample.Message> messages = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            String where = "message " + (i + 1) + ": ";
            if (!m.isObject()) throw new IllegalArgumentException(where + "expected an object");
            String role = text(m, "role", where, true);
            String content = text(m, "content", where, true);
            String reasoning = text(m, "reasoning_content", where, false);
            String alias = text(m, "reasoning", where, false);
            if (reasoning != null && alias != null && !reasoning.equals(alias)) {
                throw new IllegalArgumentException(where + "both \"reasoning_content\" and \"reasoning\", with different text");
            }
            if (reasoning == null) reasoning = alias;
            if (reasoning != null && reasoning.isEmpty()) reasoning = null;
            try {
                messages.add(new ChatExample.Message(role, content, reasoning));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage());
            }
        }
        return new ChatExample(messages);
    }

    private static String text(JsonNode m, String field, String where, boolean required) {
        JsonNode v = m.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new IllegalArgumentException(where + "no \"" + field + "\"");
            return null;
        }
        if (!v.isTextual()) throw new IllegalArgumentException(where + "\"" + field + "\" must be a string, got " + v.getNodeType().name().toLowerCase());
        return v.textValue();
    }
}
