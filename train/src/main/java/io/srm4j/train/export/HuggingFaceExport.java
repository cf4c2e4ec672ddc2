package io.srm4j.train.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.model.ModelConfig;
import io.srm4j.runtime.model.RopeScaling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a model as a Hugging Face transformers folder: {@code model.safetensors} under transformers' tensor names,
 * {@code config.json} (LlamaForCausalLM, Qwen2ForCausalLM or Qwen3ForCausalLM), {@code generation_config.json}, and
 * the tokenizer files of {@link HfTokenizerFiles}.
 *
 * <p>Layout differences undone here (the reverse of llama.cpp's convert_hf_to_gguf.py): GGUF "llama" stores the
 * query and key rows of each head permuted so that RoPE can rotate adjacent pairs, while transformers' Llama rotates
 * the two halves of a head (rotate_half); the rows are put back. Qwen2/Qwen3 rotate halves in both, so nothing moves.
 * transformers' Qwen2 attention always has q/k/v biases, so a bias-free model gets zero ones.
 */
public final class HuggingFaceExport {
    private HuggingFaceExport() {}

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(.+)");

    /** Writes every file into {@code dir} (created if needed); returns the files written. */
    public static List<Path> write(ExportSource source, Safetensors.Dtype dtype, Path dir) throws IOException {
        ModelConfig c = source.config();
        Family family = Family.of(c);
        List<Safetensors.Entry> entries = tensors(source, family, dtype);
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Path weights = dir.resolve("model.safetensors");
        Safetensors.write(entries, Map.of("format", "pt"), weights);
        written.add(weights);
        GgufMetadata md = source.metadata();
        written.add(json(dir.resolve("config.json"), config(source, family, dtype)));
        written.add(json(dir.resolve("generation_config.json"), generationConfig(md)));
        for (var e : HfTokenizerFiles.of(md, c.contextLength()).entrySet()) written.add(json(dir.resolve(e.getKey()), e.getValue()));
        return written;
    }

    private static Path json(Path p, Object value) throws IOException {
        Files.writeString(p, JSON.writeValueAsString(value) + "\n");
        return p;
    }

    /** transformers' model class for a GGUF architecture. */
    enum Family {
        LLAMA("LlamaForCausalLM", "llama"), QWEN2("Qwen2ForCausalLM", "qwen2"), QWEN3("Qwen3ForCausalLM", "qwen3");

        final String className, modelType;

        Family(String className, String modelType) {
            this.className = className;
            this.modelType = modelType;
        }

        static Family of(ModelConfig c) throws GgufFormatException {
            Family f = switch (c.architecture()) {
                case "llama", "mistral" -> LLAMA;
                case "qwen2" -> QWEN2;
                case "qwen3" -> QWEN3;
                default -> throw new GgufFormatException("architecture '" + c.architecture() + "' has no Hugging Face export (llama, mistral, qwen2, qwen3)");
            };
            if (c.ropeDims() != c.headDim()) {
                throw new GgufFormatException("partial RoPE (" + c.ropeDims() + " of " + c.headDim() + " dimensions) has no " + f.className + " equivalent");
            }
            if (c.valueDim() != c.headDim()) throw new GgufFormatException("value head size " + c.valueDim() + " differs from key head size " + c.headDim());
            return f;
        }
    }

    /** The tensors under transformers' names, in transformers' order (per layer, then norm and lm_head). */
    static List<Safetensors.Entry> tensors(ExportSource source, Family family, Safetensors.Dtype dtype) throws GgufFormatException {
        ModelConfig c = source.config();
        Map<String, Safetensors.Entry> byName = new LinkedHashMap<>();
        for (ExportSource.Tensor t : source.tensors()) {
            String hf = hfName(t.name());
            if (hf == null) throw new GgufFormatException("tensor " + t.name() + " has no Hugging Face counterpart in " + family.className
                    + (t.name().equals("rope_freqs.weight") ? " (Llama 3 RoPE scaling is not exported)" : ""));
            Supplier<float[]> values = t.values();
            if (family == Family.LLAMA) {
                if (t.name().endsWith(".attn_q.weight") || t.name().endsWith(".attn_q.bias")) values = unpermuted(values, c.heads(), t.isMatrix() ? t.cols() : 1);
                if (t.name().endsWith(".attn_k.weight") || t.name().endsWith(".attn_k.bias")) values = unpermuted(values, c.kvHeads(), t.isMatrix() ? t.cols() : 1);
            }
            long[] shape = t.isMatrix() ? new long[]{t.rows(), t.cols()} : new long[]{t.cols()};
            byName.put(hf, new Safetensors.Entry(hf, dtype, shape, values));
        }
        boolean anyBias = byName.keySet().stream().anyMatch(n -> n.endsWith("_proj.bias"));
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".self_attn.";
            if (family == Family.QWEN2) {
                addZeros(byName, p + "q_proj.bias", c.queryDim(), dtype);
                addZeros(byName, p + "k_proj.bias", c.kvDim(), dtype);
                addZeros(byName, p + "v_proj.bias", c.kvDim(), dtype);
            } else if (anyBias) { // transformers' attention_bias puts a bias on all four projections
                if (family == Family.QWEN3) throw new GgufFormatException("qwen3 with attention biases has no Qwen3ForCausalLM equivalent");
                addZeros(byName, p + "q_proj.bias", c.queryDim(), dtype);
                addZeros(byName, p + "k_proj.bias", c.kvDim(), dtype);
                addZeros(byName, p + "v_proj.bias", c.kvDim(), dtype);
                addZeros(byName, p + "o_proj.bias", c.embeddingLength(), dtype);
            }
            if (family == Family.QWEN3 && (!byName.containsKey(p + "q_norm.weight") || !byName.containsKey(p + "k_norm.weight"))) {
                throw new GgufFormatException("qwen3 layer " + l + " lacks its q/k norms");
            }
        }
        List<Safetensors.Entry> ordered = new ArrayList<>(byName.values());
        ordered.sort(java.util.Comparator.comparingInt(HuggingFaceExport::order));
        return ordered;
    }

    private static int order(Safetensors.Entry e) {
        if (e.name().equals("model.embed_tokens.weight")) return -1;
        Matcher m = Pattern.compile("model\\.layers\\.(\\d+)\\..*").matcher(e.name());
        if (m.matches()) return Integer.parseInt(m.group(1));
        return e.name().equals("model.norm.weight") ? Integer.MAX_VALUE - 1 : Integer.MAX_VALUE;
    }

    private static void addZeros(Map<String, Safetensors.Entry> byName, String name, int n, Safetensors.Dtype dtype) {
        byName.putIfAbsent(name, new Safetensors.Entry(name, dtype, new long[]{n}, () -> new float[n]));
    }

    /** transformers' name of a GGUF tensor, or null when it has none. */
    static String hfName(String gguf) {
        switch (gguf) {
            case "token_embd.weight": return "model.embed_tokens.weight";
            case "output_norm.weight": return "model.norm.weight";
            case "output.weight": return "lm_head.weight";
            default:
        }
        Matcher m = BLOCK.matcher(gguf);
        if (!m.matches()) return null;
        String p = "model.layers." + m.group(1) + ".";
        String rest = switch (m.group(2)) {
            case "attn_norm.weight" -> "input_layernorm.weight";
            case "ffn_norm.weight" -> "post_attention_layernorm.weight";
            case "attn_q.weight" -> "self_attn.q_proj.weight";
            case "attn_k.weight" -> "self_attn.k_proj.weight";
            case "attn_v.weight" -> "self_attn.v_proj.weight";
            case "attn_output.weight" -> "self_attn.o_proj.weight";
            case "attn_q.bias" -> "self_attn.q_proj.bias";
            case "attn_k.bias" -> "self_attn.k_proj.bias";
            case "attn_v.bias" -> "self_attn.v_proj.bias";
            case "attn_output.bias" -> "self_attn.o_proj.bias";
            case "attn_q_norm.weight" -> "self_attn.q_norm.weight";
            case "attn_k_norm.weight" -> "self_attn.k_norm.weight";
            case "ffn_gate.weight" -> "mlp.gate_proj.weight";
            case "ffn_up.weight" -> "mlp.up_proj.weight";
            case "ffn_down.weight" -> "mlp.down_proj.weight";
            default -> null;
        };
        return rest == null ? null : p + rest;
    }

    /**
     * Undoes convert_hf_to_gguf.py's {@code permute}: within each head of {@code headRows} rows, GGUF row
     * {@code 2i + s} is transformers' row {@code s·headRows/2 + i} (s = 0 or 1). {@code rowLen} is 1 for a bias.
     */
    static Supplier<float[]> unpermuted(Supplier<float[]> gguf, int heads, int rowLen) {
        return () -> {
            float[] g = gguf.get();
            int rows = g.length / rowLen;
            if (rows % heads != 0 || (rows / heads) % 2 != 0) {
                throw new IllegalArgumentException(rows + " rows do not split into " + heads + " heads of an even size");
            }
            int headRows = rows / heads, half = headRows / 2;
            float[] hf = new float[g.length];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < half; i++) {
                    for (int s = 0; s < 2; s++) {
                        int from = h * headRows + 2 * i + s, to = h * headRows + s * half + i;
                        System.arraycopy(g, from * rowLen, hf, to * rowLen, rowLen);
                    }
                }
            }
            return hf;
        };
    }

    static ObjectNode config(ExportSource source, Family family, Safetensors.Dtype dtype) throws GgufFormatException {
        ModelConfig c = source.config();
        GgufMetadata md = source.metadata();
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(family.className);
        o.put("model_type", family.modelType);
        o.put("hidden_size", c.embeddingLength());
        o.put("intermediate_size", c.feedForwardLength());
        o.put("num_hidden_layers", c.layers());
        o.put("num_attention_heads", c.heads());
        o.put("num_key_value_heads", c.kvHeads());
        o.put("head_dim", c.headDim());
        o.put("hidden_act", "silu");
        o.put("max_position_embeddings", c.contextLength());
        o.put("rms_norm_eps", c.rmsNormEps());
        o.put("rope_theta", c.ropeTheta());
        RopeScaling rs = c.ropeScaling();
        switch (rs.type()) {
            case NONE -> o.putNull("rope_scaling");
            case LINEAR -> o.putObject("rope_scaling").put("rope_type", "linear").put("factor", rs.factor());
            case YARN -> o.putObject("rope_scaling").put("rope_type", "yarn").put("factor", rs.factor())
                    .put("original_max_position_embeddings", rs.originalContextLength())
                    .put("beta_fast", rs.yarnBetaFast()).put("beta_slow", rs.yarnBetaSlow());
        }
        o.put("tie_word_embeddings", source.tiedOutput());
        o.put("vocab_size", c.vocabSize());
        md.getInt("tokenizer.ggml.bos_token_id").ifPresent(v -> o.put("bos_token_id", v));
        md.getInt("tokenizer.ggml.eos_token_id").ifPresent(v -> o.put("eos_token_id", v));
        md.getInt("tokenizer.ggml.padding_token_id").ifPresent(v -> o.put("pad_token_id", v));
        o.put("initializer_range", 0.02);
        o.put("use_cache", true);
        o.put("torch_dtype", dtype.torchName);
        switch (family) {
            case LLAMA -> {
                boolean bias = source.tensors().stream().anyMatch(t -> t.name().endsWith(".bias"));
                o.put("attention_bias", bias);
                o.put("attention_dropout", 0.0);
                o.put("mlp_bias", false);
                o.put("pretraining_tp", 1);
            }
            case QWEN2 -> {
                o.put("attention_dropout", 0.0);
                o.put("use_sliding_window", false);
                o.putNull("sliding_window");
                o.put("max_window_layers", c.layers());
            }
            case QWEN3 -> {
                o.put("attention_bias", false);
                o.put("attention_dropout", 0.0);
                o.put("use_sliding_window", false);
                o.putNull("sliding_window");
                o.put("max_window_layers", c.layers());
            }
        }
        return o;
    }

    static ObjectNode generationConfig(GgufMetadata md) throws GgufFormatException {
        ObjectNode o = JSON.createObjectNode();
        o.put("_from_model_config", true);
        md.getInt("tokenizer.ggml.bos_token_id").ifPresent(v -> o.put("bos_token_id", v));
        md.getInt("tokenizer.ggml.eos_token_id").ifPresent(v -> o.put("eos_token_id", v));
        md.getInt("tokenizer.ggml.padding_token_id").ifPresent(v -> o.put("pad_token_id", v));
        return o;
    }
}
