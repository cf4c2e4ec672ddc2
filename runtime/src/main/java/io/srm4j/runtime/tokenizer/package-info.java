/**
 * Tokenizers built from GGUF metadata that give exactly llama.cpp's token ids.
 *
 * <p>{@link io.srm4j.runtime.tokenizer.Tokenizer#fromGguf(java.nio.file.Path)} (or {@code fromGguf(GgufMetadata)})
 * reads {@code tokenizer.ggml.*}; a vocab-only GGUF is enough. {@code tokenizer.ggml.model = "gpt2"} gives
 * byte-level BPE with the pre-tokenizer named by {@code tokenizer.ggml.pre} (gpt-2, llama-bpe, qwen2,
 * deepseek-r1-qwen, deepseek-llm/coder/v3, smollm, falcon, starcoder, refact, command-r, olmo, dbrx, tekken,
 * gpt-4o, chatglm-bpe and more); {@code "llama"} gives SentencePiece BPE with byte fallback.
 *
 * <ul>
 *   <li>{@code encode(text, addSpecial, parseSpecial)} is llama.cpp's {@code llama_tokenize}: addSpecial adds
 *   BOS/EOS where the metadata asks; parseSpecial turns control-token text into those tokens (user-defined
 *   tokens are always matched, as in llama.cpp).</li>
 *   <li>{@code decode(ids)} is {@code common_detokenize(ids, special = true)}; {@code decode(ids, removeSpecial,
 *   renderSpecial)} is {@code llama_detokenize}, including its space clean-up for some BPE vocabularies.</li>
 *   <li>{@link io.srm4j.runtime.tokenizer.Detokenizer} streams text token by token and never splits a UTF-8
 *   character.</li>
 *   <li>{@code isEndOfGeneration(id)} is llama.cpp's EOG set (EOS, EOT, EOM and end-of-turn tokens found by text).</li>
 * </ul>
 */
package io.srm4j.runtime.tokenizer;
