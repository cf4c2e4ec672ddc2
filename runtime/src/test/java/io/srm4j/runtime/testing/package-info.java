/**
 * Test support for parity with llama.cpp: models to test on, and the reference runtimes to compare with.
 *
 * <ul>
 *   <li>{@link io.srm4j.runtime.testing.SyntheticModels}: seeded random-weight llama / qwen2 / qwen3 GGUF files
 *       (F32, F16, BF16 and the block types {@code Quantize} writes) with real tensor names, metadata and a real
 *       tokenizer vocabulary.</li>
 *   <li>{@link io.srm4j.runtime.testing.LlamaCppNode}: the current llama.cpp (npm node-llama-cpp 3.21.1, installed by
 *       {@code scripts/setup-references.sh}): exact greedy ids from prompt ids, top probabilities, detokenised text.</li>
 *   <li>{@link io.srm4j.runtime.testing.LlamaCppJava}: llama.cpp b4916 inside java-llama.cpp 4.2.0, in a forked JVM:
 *       text only, no qwen3.</li>
 *   <li>{@link io.srm4j.runtime.testing.RefForward}: ../shared/tools/ref_forward.py, an independent numpy forward pass.</li>
 *   <li>{@link io.srm4j.runtime.testing.ReferenceCache}: memoises the above per (file hash, options, prompt, n) within a
 *       test JVM and batches missing requests into one child process.</li>
 * </ul>
 *
 * <p>What llama.cpp does numerically, which a token-for-token runtime must copy (found with these tools):
 * its default KV cache is F16 (K, V stored as half; the query and the softmax weights are rounded to half for the
 * products with them); before every product with an F16 or BF16 weight matrix it rounds the activations to that
 * type (ggml's {@code vec_dot_type}; the numpy pass matches llama.cpp's logit gaps to 1e-5 only when it does the
 * same); its CPU flash-attention path (llama.cpp's default "auto") gives different ids again, so the runner turns it
 * off; the thread count does not change results.
 *
 * <p>A parity test then reads:
 * <pre>{@code
 * LlamaCppNode.assumeAvailable();
 * Path model = SyntheticModels.writeInto(Spec.tiny(Arch.QWEN3, SyntheticModels.defaultVocab(shared, Arch.QWEN3))
 *         .withType(GgmlType.BF16), tmp);
 * int[] expected = ReferenceCache.nodeGreedy(model, prompt, 64);   // F16 KV cache, like llama.cpp's default
 * assertArrayEquals(expected, ourGreedy(model, prompt, 64, KvCache.Precision.F16));
 * }</pre>
 */
package io.srm4j.runtime.testing;
