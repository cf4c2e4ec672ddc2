/**
 * Training small models on the CPU.
 *
 * <ul>
 *   <li>{@link io.srm4j.train.autograd}: float tensors with gradient buffers, a {@link io.srm4j.train.autograd.Tape}
 *       that records each op's backward step, and one class per layer with its forward and backward side by side
 *       (Linear, Embedding, RmsNorm, Rope, Attention, Elementwise, CrossEntropy). Every matrix product, attention's
 *       per-head products included, goes through {@link io.srm4j.train.autograd.MatMulKernel}: a packed,
 *       register-blocked Vector API GEMM by default, a scalar twin for tests. A tape may take its arrays from a
 *       {@link io.srm4j.train.autograd.BufferPool} and give them back on release, so steps do not churn the heap.</li>
 *   <li>{@link io.srm4j.train.model}: named {@link io.srm4j.train.model.Parameter}s in a
 *       {@link io.srm4j.train.model.Module}; {@link io.srm4j.train.model.TransformerModel} is the runtime's
 *       transformer, created from a config or loaded from GGUF.</li>
 *   <li>{@link io.srm4j.train.optim}: AdamW with decay groups, learning-rate schedules, clipping, checkpoints, and a
 *       {@link io.srm4j.train.optim.Trainer} that knows nothing of the model — an objective maps a micro-batch to a
 *       loss, so supervised fine-tuning, GRPO and LoRA (a module exposing only adapter parameters, the base frozen
 *       as constant tensors) plug in without changing it.</li>
 *   <li>{@link io.srm4j.train.export}: GGUF in F32, F16, BF16, Q8_0, Q4_0 or Q6_K that the runtime and llama.cpp
 *       load and agree on, and Hugging Face folders (safetensors, config.json, tokenizer files), from a trained
 *       model or any GGUF the runtime reads ({@link io.srm4j.train.export.ExportSource}).</li>
 * </ul>
 */
package io.srm4j.train;
