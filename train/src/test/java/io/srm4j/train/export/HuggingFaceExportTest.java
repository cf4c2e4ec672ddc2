package io.srm4j.train.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.model.Transformer;
import io.srm4j.runtime.tensor.Dequantize;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.runtime.tensor.Quantize;
import io.srm4j.runtime.testing.SyntheticModels;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Hugging Face folder: a valid safetensors file, a config that describes it, and the same model as the GGUF. */
class HuggingFaceExportTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int[] TOKENS = {1, 259, 262, 260, 263, 72, 105, 2, 45, 200, 3, 7};

    @TempDir
    Path dir;

    /**
     * A numpy forward pass written from transformers' definitions (src/test/python/hf_forward.py) reads the export
     * and must give the runtime's logits on the GGUF of the same model: this is what checks that llama's query/key
     * rows are un-permuted correctly (qwen2 needs no permutation, and gets zero biases).
     */
    @ParameterizedTest
    @CsvSource({"false, F32", "true, F32"})
    void numpyReadingTheExportGivesTheRuntimesLogits(boolean neox, Safetensors.Dtype dtype) throws Exception {
        numpyAgrees(neox, dtype);
    }

    @Tag("conformance")
    @ParameterizedTest
    @CsvSource({"false, BF16", "true, F16"})
    void halfPrecisionExportsHoldTheRoundedWeights(boolean neox, Safetensors.Dtype dtype) throws Exception {
        numpyAgrees(neox, dtype);
    }

    void numpyAgrees(boolean neox, Safetensors.Dtype dtype) throws Exception {
        Vocabulary vocab = Vocabulary.withBytes(RuntimeParityTest.PIECES);
        TransformerConfig c = new TransformerConfig(64, 2, 4, 2, 96, vocab.size(), 32, 10000f, 1e-5f, neox);
        TransformerModel model = ExportFixtures.decisiveModel(c, 5);
        ExportSource source = ExportSource.of(model, vocab, "hf");
        Path hf = dir.resolve("hf");
        HuggingFaceExport.write(source, dtype, hf);
        float[] numpy = numpyLogits(hf, TOKENS, c.vocab());

        // the reference: F32 — the runtime on the F32 GGUF of the same model; F16/BF16 — the training model's float
        // forward with every parameter rounded as the safetensors file holds it (no activation rounding anywhere)
        float[] reference;
        if (dtype == Safetensors.Dtype.F32) {
            Path gguf = dir.resolve("m.gguf");
            GgufExport.write(source, WeightType.F32, gguf);
            try (GgufFile f = GgufFile.open(gguf)) {
                reference = runtimeLogits(Transformer.fromGguf(f), TOKENS);
            }
        } else {
            GgmlType g = dtype == Safetensors.Dtype.F16 ? GgmlType.F16 : GgmlType.BF16;
            for (var p : model.parameters()) {
                float[] v = p.tensor().data();
                System.arraycopy(Dequantize.row(g, Quantize.row(g, v, 0, v.length), v.length), 0, v, 0, v.length);
            }
            reference = model.forward(Tape.NO_GRAD, TOKENS, 1, TOKENS.length).data();
        }
        double maxErr = 0, maxAbs = 0;
        for (int i = 0; i < reference.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(reference[i] - numpy[i]));
            maxAbs = Math.max(maxAbs, Math.abs(reference[i]));
        }
        System.out.printf("HF export %s %s: numpy vs srm4j max |Δlogit| %.3g of largest %.3g%n", c.architecture(), dtype, maxErr, maxAbs);
        assertTrue(maxAbs > 2, "logits too small to compare: " + maxAbs);
        assertTrue(maxErr <= 1e-4 * maxAbs, "numpy on the safetensors vs srm4j on the GGUF: max |Δlogit| " + maxErr);
    }

    /**
     * GGUF files of the three architectures as llama.cpp's converter lays them out (the runtime's synthetic models:
     * qwen2 with real q/k/v biases, qwen3 with q/k norms and a head size apart from dim/heads, tied and separate
     * output layers), exported from the file itself: numpy on the export equals the runtime on the file.
     */
    @Tag("conformance")
    @ParameterizedTest
    @CsvSource({"LLAMA, true", "LLAMA, false", "QWEN2, false", "QWEN3, true"})
    void ggufFilesOfEachArchitectureExportFaithfully(SyntheticModels.Arch arch, boolean tied) throws Exception {
        Path vocab = ExportFixtures.shared("models/vocab/ggml-vocab-llama-spm.gguf");
        Path gguf = SyntheticModels.write(SyntheticModels.Spec.tiny(arch, vocab).withTied(tied).withSeed(3), dir.resolve(arch + ".gguf"));
        Path hf = dir.resolve("hf-" + arch);
        int[] tokens = {1, 450, 4996, 17354, 1701, 29916, 432, 29889};
        float[] reference;
        int vocabSize;
        try (GgufFile f = GgufFile.open(gguf)) {
            HuggingFaceExport.write(ExportSource.of(f), Safetensors.Dtype.F32, hf);
            Transformer rt = Transformer.fromGguf(f);
            vocabSize = rt.config().vocabSize();
            reference = runtimeLogits(rt, tokens);
        }
        JsonNode config = JSON.readTree(hf.resolve("config.json").toFile());
        assertEquals(tied, config.get("tie_word_embeddings").asBoolean());
        float[] numpy = numpyLogits(hf, tokens, vocabSize);
        double maxErr = 0, maxAbs = 0;
        for (int i = 0; i < reference.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(reference[i] - numpy[i]));
            maxAbs = Math.max(maxAbs, Math.abs(reference[i]));
        }
        System.out.printf("HF export of a %s GGUF (%s): numpy vs runtime max |Δlogit| %.3g of largest %.3g%n",
                config.get("architectures").get(0).asText(), tied ? "tied" : "lm_head", maxErr, maxAbs);
        assertTrue(maxAbs > 1, "logits too small to compare: " + maxAbs);
        assertTrue(maxErr <= 1e-4 * maxAbs, arch + ": max |Δlogit| " + maxErr);
    }

    static float[] numpyLogits(Path hf, int[] tokens, int vocab) throws Exception {
        Path script = Path.of("src/test/python/hf_forward.py").toAbsolutePath();
        Path out = hf.resolveSibling("logits.f32");
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), hf.toString(), out.toString()));
        for (int t : tokens) cmd.add(String.valueOf(t));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("python3 is not available: " + e.getMessage());
            throw e;
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        Assumptions.assumeFalse(output.contains("No module named 'numpy'"), "numpy is not installed");
        assertEquals(0, p.exitValue(), "hf_forward.py failed:\n" + output);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] logits = new float[b.remaining() / 4];
        b.asFloatBuffer().get(logits);
        assertEquals(tokens.length * vocab, logits.length);
        return logits;
    }

    static float[] runtimeLogits(Transformer rt, int[] tokens) {
        int V = rt.config().vocabSize();
        float[] all = new float[tokens.length * V];
        try (KvCache cache = new KvCache(rt.config(), tokens.length, KvCache.Precision.F32)) {
            Transformer.Scratch s = rt.newScratch();
            for (int t = 0; t < tokens.length; t++) System.arraycopy(rt.forward(cache, tokens, t, 1, s), 0, all, t * V, V);
        }
        return all;
    }

    /** Reads the safetensors header with nothing from the writer: layout, names, dtypes, shapes, offsets. */
    @Test
    void headerIsValidAndNamesFollowTransformers() throws Exception {
        Vocabulary vocab = Vocabulary.withBytes(List.of("a"));
        TransformerConfig c = new TransformerConfig(32, 2, 4, 2, 48, vocab.size(), 16, 10000f, 1e-6f, false);
        Path hf = dir.resolve("hf");
        List<Path> files = HuggingFaceExport.write(ExportSource.of(TransformerModel.create(c, 1), vocab, "hdr"), Safetensors.Dtype.BF16, hf);
        assertEquals(List.of("model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json"), files.stream().map(p -> p.getFileName().toString()).toList());
        byte[] bytes = Files.readAllBytes(hf.resolve("model.safetensors"));
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
        JsonNode header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        assertEquals("pt", header.get("__metadata__").get("format").asText());
        long expectedOffset = 0;
        int count = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            count++;
            JsonNode t = e.getValue();
            assertEquals("BF16", t.get("dtype").asText(), e.getKey());
            long elements = 1;
            for (JsonNode d : t.get("shape")) elements *= d.asLong();
            assertEquals(expectedOffset, t.get("data_offsets").get(0).asLong(), e.getKey() + " starts where the previous one ended");
            expectedOffset += 2 * elements;
            assertEquals(expectedOffset, t.get("data_offsets").get(1).asLong(), e.getKey());
        }
        assertEquals(bytes.length - 8 - n, expectedOffset, "the data section is exactly the tensors");
        assertEquals(1 + 2 * 9 + 1, count, "embedding, 9 per layer, final norm; tied: no lm_head");
        assertFalse(header.has("lm_head.weight"));
        assertArrayEquals(new long[]{vocab.size(), 32}, shape(header, "model.embed_tokens.weight"));
        assertArrayEquals(new long[]{32, 32}, shape(header, "model.layers.0.self_attn.q_proj.weight"));
        assertArrayEquals(new long[]{16, 32}, shape(header, "model.layers.1.self_attn.k_proj.weight"));
        assertArrayEquals(new long[]{48, 32}, shape(header, "model.layers.1.mlp.gate_proj.weight"));
        assertArrayEquals(new long[]{32, 48}, shape(header, "model.layers.1.mlp.down_proj.weight"));
        assertArrayEquals(new long[]{32}, shape(header, "model.layers.0.post_attention_layernorm.weight"));

        JsonNode config = JSON.readTree(hf.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(32, config.get("hidden_size").asInt());
        assertEquals(48, config.get("intermediate_size").asInt());
        assertEquals(2, config.get("num_hidden_layers").asInt());
        assertEquals(4, config.get("num_attention_heads").asInt());
        assertEquals(2, config.get("num_key_value_heads").asInt());
        assertEquals(1e-6, config.get("rms_norm_eps").asDouble(), 1e-12);
        assertEquals(10000.0, config.get("rope_theta").asDouble());
        assertTrue(config.get("tie_word_embeddings").asBoolean());
        assertEquals(vocab.size(), config.get("vocab_size").asInt());
        assertEquals(16, config.get("max_position_embeddings").asInt());
        assertEquals(1, config.get("bos_token_id").asInt());
        assertEquals(2, config.get("eos_token_id").asInt());
        assertEquals("bfloat16", config.get("torch_dtype").asText());
        JsonNode tok = JSON.readTree(hf.resolve("tokenizer_config.json").toFile());
        assertEquals("<s>", tok.get("bos_token").asText());
        assertTrue(tok.get("add_bos_token").asBoolean());
    }

    static long[] shape(JsonNode header, String name) {
        assertTrue(header.has(name), "missing " + name);
        List<Long> s = new ArrayList<>();
        header.get(name).get("shape").forEach(d -> s.add(d.asLong()));
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    /** convert_hf_to_gguf.py's permute, written here from its definition, and the export's inverse of it. */
    @Test
    void unpermutationInvertsLlamaCppsPermutation() {
        int heads = 3, headRows = 8, cols = 5;
        float[] hf = new float[heads * headRows * cols];
        Random rnd = new Random(1);
        for (int i = 0; i < hf.length; i++) hf[i] = rnd.nextFloat();
        // reshape(heads, 2, headRows/2, cols).swapaxes(1, 2): row (h, s, i) moves to (h, i, s)
        float[] gguf = new float[hf.length];
        for (int h = 0; h < heads; h++)
            for (int s = 0; s < 2; s++)
                for (int i = 0; i < headRows / 2; i++)
                    System.arraycopy(hf, ((h * 2 + s) * headRows / 2 + i) * cols, gguf, ((h * headRows / 2 + i) * 2 + s) * cols, cols);
        assertArrayEquals(hf, HuggingFaceExport.unpermuted(() -> gguf, heads, cols).get());
        assertFalse(java.util.Arrays.equals(hf, gguf));
    }

    @Tag("conformance")
    @Test
    void qwen2VocabularyExportsTheRealTokenizerFiles() throws Exception {
        Path realVocab = ExportFixtures.shared("models/tokenizers/qwen3/vocab.json");
        Path realMerges = ExportFixtures.shared("models/tokenizers/qwen3/merges.txt");
        var md = ExportFixtures.vocab("qwen2");
        var files = HfTokenizerFiles.of(md, 4096);
        JsonNode tj = files.get("tokenizer.json");
        JsonNode model = tj.get("model");
        assertEquals("BPE", model.get("type").asText());
        JsonNode real = JSON.readTree(realVocab.toFile());
        assertEquals(real.size(), model.get("vocab").size(), "the byte-level vocabulary without added tokens");
        for (Iterator<Map.Entry<String, JsonNode>> it = real.fields(); it.hasNext(); ) {
            var e = it.next();
            assertEquals(e.getValue().asInt(), model.get("vocab").path(e.getKey()).asInt(-1), e.getKey());
        }
        List<String> merges = Files.readAllLines(realMerges).stream().filter(l -> !l.startsWith("#version") && !l.isEmpty()).toList();
        assertEquals(merges.size(), model.get("merges").size());
        for (int i = 0; i < merges.size(); i += 997) assertEquals(merges.get(i), model.get("merges").get(i).asText());
        assertEquals(HfTokenizerFiles.QWEN2_REGEX, tj.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern").get("Regex").asText());
        // the Qwen special tokens are added tokens, marked special
        JsonNode addedTokens = JSON.readTree(ExportFixtures.shared("models/tokenizers/qwen3/added_tokens.json").toFile());
        Map<Integer, String> ours = new java.util.HashMap<>();
        tj.get("added_tokens").forEach(t -> ours.put(t.get("id").asInt(), t.get("content").asText()));
        for (JsonNode t : addedTokens) {
            int id = t.get("id").asInt();
            if (id < ExportFixtures.vocabSize(md)) assertEquals(t.get("content").asText(), ours.get(id), "added token " + id);
        }
        assertEquals("<|endoftext|>", files.get("tokenizer_config.json").get("bos_token").asText());
    }

    @Test
    void sentencePieceVocabularyGetsRankedMerges() throws Exception {
        var md = ExportFixtures.vocab("llama-spm");
        JsonNode tj = HfTokenizerFiles.of(md, 4096).get("tokenizer.json");
        JsonNode model = tj.get("model");
        assertTrue(model.get("byte_fallback").asBoolean());
        assertEquals(32000, model.get("vocab").size());
        assertEquals("<unk>", model.get("unk_token").asText());
        // every merge joins two pieces into a piece, best-scored pieces first
        float[] scores = md.getFloatArray("tokenizer.ggml.scores").orElseThrow();
        float previous = Float.POSITIVE_INFINITY;
        int count = 0;
        for (JsonNode m : model.get("merges")) {
            String[] lr = m.asText().split(" ");
            int joined = model.get("vocab").path(lr[0] + lr[1]).asInt(-1);
            assertTrue(joined >= 0 && model.get("vocab").has(lr[0]) && model.get("vocab").has(lr[1]), m.asText());
            assertTrue(scores[joined] <= previous, "ranked by score: " + m.asText());
            previous = scores[joined];
            count++;
        }
        assertTrue(count > 20000, "merges: " + count);
        assertEquals("TemplateProcessing", tj.get("post_processor").get("type").asText(), "Llama adds BOS");
    }

    @Test
    void unsupportedInputsAreNamed() throws Exception {
        Vocabulary vocab = Vocabulary.withBytes(List.of());
        TransformerConfig c = new TransformerConfig(16, 1, 2, 2, 32, vocab.size(), 8, 10000f, 1e-5f, false);
        var w = GgufExport.writer(TransformerModel.create(c, 1), vocab, "extra");
        w.addTensor("rope_freqs.weight", new long[]{4}, new float[4]);
        Path p = dir.resolve("extra.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            var e = assertThrows(GgufFormatException.class, () -> HuggingFaceExport.write(ExportSource.of(f), Safetensors.Dtype.F32, dir.resolve("x")));
            assertTrue(e.getMessage().contains("rope_freqs.weight"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Safetensors.Dtype.parse("q8_0"));
        assertTrue(e.getMessage().contains("f32, f16 or bf16"), e.getMessage());
    }
}
