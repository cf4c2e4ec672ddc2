package io.srm4j.eval.bench;

import io.srm4j.eval.generation.Prompt;

import java.util.List;
import java.util.Objects;

/**
 * The user message sent for a problem: {@code {question}} is replaced by the problem and {@code {choices}} by
 * the options, one per line. No system prompt: reasoning models (DeepSeek-R1 distills, Qwen3) are evaluated
 * with the instruction in the user turn.
 */
public record PromptTemplate(String text) {
    /** The instruction DeepSeek-R1 and Qwen reasoning models are evaluated with on math. */
    public static final String MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}.";
    public static final PromptTemplate MATH = new PromptTemplate("{question}\n" + MATH_INSTRUCTION);
    public static final PromptTemplate CHOICE = new PromptTemplate("{question}\n\n{choices}\n\n"
            + "Please reason step by step, and answer with the letter of the correct option within \\boxed{} "
            + "(for example \\boxed{A}).");

    public PromptTemplate {
        Objects.requireNonNull(text, "text");
        if (!text.contains("{question}")) throw new IllegalArgumentException("prompt template has no {question} placeholder");
    }

    public Prompt render(String question, List<String> choices) {
        if (text.contains("{choices}") && choices.isEmpty()) {
            throw new IllegalArgumentException("prompt template uses {choices} but the problem has none");
        }
        String rendered = text.replace("{choices}", String.join("\n", choices)).replace("{question}", question);
        return Prompt.user(rendered);
    }
}
