package io.srm4j.train.data;

import java.util.List;
import java.util.Objects;

/**
 * One training conversation: messages in order, the assistant turns being what the model learns to write.
 *
 * @param messages system, user and assistant turns
 */
public record ChatExample(List<Message> messages) {
    /**
     * @param role      "system", "user" or "assistant"
     * @param content   the visible text
     * @param reasoning the assistant's step-by-step reasoning before its answer, or null
     */
    public record Message(String role, String content, String reasoning) {
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
            if (!role.equals("system") && !role.equals("user") && !role.equals("assistant")) {
                throw new IllegalArgumentException("role must be system, user or assistant, got '" + role + "'");
            }
            if (reasoning != null && !role.equals("assistant")) throw new IllegalArgumentException("only assistant messages carry reasoning, not " + role);
        }

        public static Message system(String content) {
            return new Message("system", content, null);
        }

        public static Message user(String content) {
            return new Message("user", content, null);
        }

        public static Message assistant(String content) {
            return new Message("assistant", content, null);
        }

        public static Message assistant(String content, String reasoning) {
            return new Message("assistant", content, reasoning);
        }
    }

    public ChatExample {
        messages = List.copyOf(messages);
        if (messages.isEmpty()) throw new IllegalArgumentException("a conversation needs at least one message");
        if (!messages.getLast().role().equals("assistant")) {
            throw new IllegalArgumentException("the conversation must end with an assistant message (the text to learn), it ends with " + messages.getLast().role());
        }
    }

    /** A single exchange: an optional system prompt, a question, and the answer with optional reasoning. */
    public static ChatExample of(String system, String user, String reasoning, String answer) {
        var ms = new java.util.ArrayList<Message>();
        if (system != null) ms.add(Message.system(system));
        ms.add(Message.user(user));
        ms.add(Message.assistant(answer, reasoning));
        return new ChatExample(ms);
    }
}
