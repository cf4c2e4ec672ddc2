package io.srm4j.eval.generation;

import io.srm4j.runtime.chat.ChatMessage;
import java.util.List;
import java.util.Objects;

/**
 * What the model is asked: either chat messages (the generator applies the model's chat template) or a raw
 * prompt string used verbatim (already templated, or a base model).
 */
public sealed interface Prompt {

    /** Chat messages; the generator renders them with the model's own chat template. */
    record Chat(List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
            if (messages.isEmpty()) throw new IllegalArgumentException("chat prompt has no messages");
        }
    }

    /** A prompt string passed to the model as is. */
    record Raw(String text) implements Prompt {
        public Raw {
            Objects.requireNonNull(text, "text");
        }
    }

    static Prompt user(String content) { return new Chat(List.of(ChatMessage.user(content))); }

    static Prompt raw(String text) { return new Raw(text); }

    /** A readable rendering for reports and journals (not what the model sees for chat prompts). */
    default String display() {
        return switch (this) {
            case Raw raw -> raw.text();
            case Chat chat -> {
                if (chat.messages().size() == 1 && chat.messages().getFirst().role().equals("user")) {
                    yield chat.messages().getFirst().content();
                }
                StringBuilder out = new StringBuilder();
                for (ChatMessage m : chat.messages()) {
                    if (!out.isEmpty()) out.append("\n\n");
                    out.append('[').append(m.role()).append("]\n").append(m.content());
                }
                yield out.toString();
            }
        };
    }
}
