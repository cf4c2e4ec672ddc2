/**
 * Chat prompts and reasoning output.
 *
 * <ul>
 *   <li>{@link io.srm4j.runtime.chat.ChatTemplate}: a model's Jinja chat template rendered exactly as Hugging Face
 *       transformers' {@code apply_chat_template} renders it with Python's jinja2 (from a GGUF's
 *       {@code tokenizer.chat_template}, or ChatML when a model has none);</li>
 *   <li>{@link io.srm4j.runtime.chat.ChatMessage}: one message (role, content, optional reasoning and tool calls);</li>
 *   <li>{@link io.srm4j.runtime.chat.ReasoningParser}: splits generated text into reasoning
 *       ({@code <think>...</think>}) and answer, whole or as a stream of deltas.</li>
 * </ul>
 * The other classes adapt Jinjava to jinja2's semantics; each says which gap it closes.
 */
package io.srm4j.runtime.chat;
