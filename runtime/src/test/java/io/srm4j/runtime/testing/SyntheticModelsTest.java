package io.srm4j.runtime.testing;

import io.srm4j.runtime.SharedAssets;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.gguf.GgufTensorInfo;
import io.srm4j.runtime.tensor.Dequantize;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.runtime.testing.SyntheticModels.Arch;
import io.srm4j.runtime.testing.SyntheticModels.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The synthetic models are what llama.cpp expects: names, shapes, types and keys, checked here without llama.cpp. */
class SyntheticModelsTest {
    @TempDir
    Path tmp;

    /** The 32000-token SPM vocab keeps these files at ~8 MB; real pairings (qwen2/llama-bpe) run in the conformance suite. */
    private static Path smallVocab() {
        return SharedAssets.require("models/vocab/ggml-vocab-llama-spm.gguf");
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void writesLlamaCppTensorNamesShapesAndKeys(Arch arch) throws IOException {
        Spec spec = Spec.tiny(arch, smallVocab()).withType(GgmlType.F16);
        Path file = SyntheticModels.write(spec, tmp.resolve("m.gguf"));
        try (GgufFile f = GgufFile.open(file)) {
            GgufMetadata m = f.metadata();
            String a = arch.ggufName;
            assertEquals(a, m.requireString("general.architecture"));
            assertEquals(spec.dim(), m.requireInt(a + ".embedding_length"));
            assertEquals(spec.layers(), m.requireInt(a + ".block_count"));
            assertEquals(spec.ffn(), m.requireInt(a + ".feed_forward_length"));
            assertEquals(spec.heads(), m.requireInt(a + ".attention.head_count"));
            assertEquals(spec.kvHeads(), m.requireInt(a + ".attention.head_count_kv"));
            assertEquals(spec.contextLength(), m.requireInt(a + ".context_length"));
            assertEquals(spec.rmsEps(), m.getFloat(a + ".attention.layer_norm_rms_epsilon", Float.NaN));
            assertEquals(spec.ropeTheta(), m.getFloat(a + ".rope.freq_base", Float.NaN));
            assertEquals(arch == Arch.QWEN3, m.contains(a + ".attention.key_length"));
            if (arch == Arch.QWEN3) assertEquals(spec.headDim(), m.requireInt(a + ".attention.value_length"));
            // Only tokenizer.* keys come from the vocab file (llama-spm also carries a 4096-wide llama's shape).
            assertTrue(m.asMap().keySet().stream().filter(k -> !k.startsWith("tokenizer.") && !k.startsWith("general."))
                    .allMatch(k -> k.startsWith(a + ".")), () -> m.asMap().keySet().toString());
            int vocab = m.getStringArray("tokenizer.ggml.tokens").orElseThrow().length;
            assertEquals(32000, vocab);
            assertEquals(vocab, m.requireInt(a + ".vocab_size"));

            int q = spec.heads() * spec.headDim(), kv = spec.kvHeads() * spec.headDim();
            assertTensor(f, "token_embd.weight", GgmlType.F16, spec.dim(), vocab);
            assertTensor(f, "output_norm.weight", GgmlType.F32, spec.dim());
            assertEquals(!spec.tiedEmbeddings(), f.hasTensor("output.weight"));
            if (!spec.tiedEmbeddings()) assertTensor(f, "output.weight", GgmlType.F16, spec.dim(), vocab);
            Set<String> expected = new TreeSet<>(List.of("token_embd.weight", "output_norm.weight"));
            if (!spec.tiedEmbeddings()) expected.add("output.weight");
            for (int i = 0; i < spec.layers(); i++) {
                String p = "blk." + i + ".";
                assertTensor(f, p + "attn_norm.weight", GgmlType.F32, spec.dim());
                assertTensor(f, p + "attn_q.weight", GgmlType.F16, spec.dim(), q);
                assertTensor(f, p + "attn_k.weight", GgmlType.F16, spec.dim(), kv);
                assertTensor(f, p + "attn_v.weight", GgmlType.F16, spec.dim(), kv);
                assertTensor(f, p + "attn_output.weight", GgmlType.F16, q, spec.dim());
                assertTensor(f, p + "ffn_norm.weight", GgmlType.F32, spec.dim());
                assertTensor(f, p + "ffn_gate.weight", GgmlType.F16, spec.dim(), spec.ffn());
                assertTensor(f, p + "ffn_up.weight", GgmlType.F16, spec.dim(), spec.ffn());
                assertTensor(f, p + "ffn_down.weight", GgmlType.F16, spec.ffn(), spec.dim());
                expected.addAll(List.of(p + "attn_norm.weight", p + "attn_q.weight", p + "attn_k.weight", p + "attn_v.weight",
                        p + "attn_output.weight", p + "ffn_norm.weight", p + "ffn_gate.weight", p + "ffn_up.weight", p + "ffn_down.weight"));
                if (arch == Arch.QWEN2) {
                    assertTensor(f, p + "attn_q.bias", GgmlType.F32, q);
                    assertTensor(f, p + "attn_k.bias", GgmlType.F32, kv);
                    assertTensor(f, p + "attn_v.bias", GgmlType.F32, kv);
                    expected.addAll(List.of(p + "attn_q.bias", p + "attn_k.bias", p + "attn_v.bias"));
                }
                if (arch == Arch.QWEN3) {
                    assertTensor(f, p + "attn_q_norm.weight", GgmlType.F32, spec.headDim());
                    assertTensor(f, p + "attn_k_norm.weight", GgmlType.F32, spec.headDim());
                    expected.addAll(List.of(p + "attn_q_norm.weight", p + "attn_k_norm.weight"));
                }
            }
            Set<String> actual = new TreeSet<>();
            for (GgufTensorInfo t : f.tensors()) actual.add(t.name());
            assertEquals(expected, actual);
        }
    }

    private static void assertTensor(GgufFile f, String name, GgmlType type, long... shape) {
        assertTrue(f.hasTensor(name), () -> "missing " + name);
        GgufTensorInfo t = f.tensor(name);
        assertEquals(type, t.type(), name);
        assertArrayEquals(shape, t.shape(), name);
    }

    @Test
    void typesStoreTheSameValuesRoundedAsGgmlRoundsThem() throws IOException {
        Spec f32 = Spec.tiny(Arch.LLAMA, smallVocab());
        Map<GgmlType, Path> files = Map.of(
                GgmlType.F32, SyntheticModels.write(f32, tmp.resolve("f32.gguf")),
                GgmlType.F16, SyntheticModels.write(f32.withType(GgmlType.F16), tmp.resolve("f16.gguf")),
                GgmlType.BF16, SyntheticModels.write(f32.withType(GgmlType.BF16), tmp.resolve("bf16.gguf")));
        String name = "blk.1.ffn_down.weight";
        float[] exact = read(files.get(GgmlType.F32), name);
        float[] half = read(files.get(GgmlType.F16), name);
        float[] brain = read(files.get(GgmlType.BF16), name);
        for (int i = 0; i < exact.length; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(exact[i])), half[i], 0f, "F16 element " + i);
            assertEquals(Float.intBitsToFloat(SyntheticModels.toBf16(exact[i]) << 16), brain[i], 0f, "BF16 element " + i);
            assertTrue(Math.abs(brain[i] - exact[i]) <= Math.abs(exact[i]) / 256, "BF16 keeps 8 significant bits");
        }
        // Norms stay F32 whatever the weight type.
        assertArrayEquals(read(files.get(GgmlType.F32), "blk.0.attn_norm.weight"), read(files.get(GgmlType.BF16), "blk.0.attn_norm.weight"));
    }

    private static float[] read(Path file, String tensor) throws IOException {
        try (GgufFile f = GgufFile.open(file)) {
            GgufTensorInfo t = f.tensor(tensor);
            float[] out = new float[Math.toIntExact(t.elementCount())];
            MemorySegment data = f.data(t);
            Dequantize.row(t.type(), data, 0, out, 0, out.length);
            return out;
        }
    }

    @Test
    void blockTypesHoldTheQuantisedWeights() throws IOException {
        Spec spec = Spec.tiny(Arch.QWEN2, smallVocab());
        float[] exact = read(SyntheticModels.write(spec, tmp.resolve("f32.gguf")), "blk.0.ffn_up.weight");
        Path q8 = SyntheticModels.write(spec.withType(GgmlType.Q8_0), tmp.resolve("q8.gguf"));
        try (GgufFile f = GgufFile.open(q8)) {
            assertEquals(GgmlType.Q8_0, f.tensor("blk.0.ffn_up.weight").type());
            assertEquals(GgmlType.F32, f.tensor("blk.0.attn_q.bias").type(), "biases stay F32");
        }
        float[] back = read(q8, "blk.0.ffn_up.weight");
        for (int i = 0; i < exact.length; i += 32) {
            float max = 0;
            for (int j = i; j < i + 32; j++) max = Math.max(max, Math.abs(exact[j]));
            for (int j = i; j < i + 32; j++) assertEquals(exact[j], back[j], max / 127 * 0.5 + max * 1e-3 + 1e-6, "Q8_0 element " + j); // half a step + F16 scale
        }
    }

    @Test
    void bf16RoundsToNearestEvenLikeGgml() {
        assertEquals((short) 0x3f80, SyntheticModels.toBf16(1.0f));
        // 1 + 2^-8 is exactly half-way between 1 and 1 + 2^-7: ties go to the even mantissa (1.0).
        assertEquals((short) 0x3f80, SyntheticModels.toBf16(1.00390625f));
        // 1 + 3 * 2^-8 is half-way between 1 + 2^-7 (odd) and 1 + 2^-6 (even): up.
        assertEquals((short) 0x3f82, SyntheticModels.toBf16(1.01171875f));
        assertEquals((short) 0x3f81, SyntheticModels.toBf16(1.0040f)); // just above half-way: up
        assertEquals((short) 0xbf80, SyntheticModels.toBf16(-1.0f));
        assertEquals((short) 0x7f80, SyntheticModels.toBf16(Float.POSITIVE_INFINITY));
        short nan = SyntheticModels.toBf16(Float.NaN);
        assertTrue(Float.isNaN(Float.intBitsToFloat(nan << 16)), "NaN stays NaN");
    }

    @Test
    void sameSpecGivesIdenticalBytesAndSeedsDiffer() throws IOException {
        Spec spec = Spec.tiny(Arch.QWEN2, smallVocab());
        Path a = SyntheticModels.write(spec, tmp.resolve("a.gguf"));
        Path b = SyntheticModels.write(spec, tmp.resolve("b.gguf"));
        Path c = SyntheticModels.write(spec.withSeed(2), tmp.resolve("c.gguf"));
        assertEquals(ReferenceCache.sha256(a), ReferenceCache.sha256(b));
        assertNotEquals(ReferenceCache.sha256(a), ReferenceCache.sha256(c));
        // A type change keeps every other tensor's values: the streams are per tensor name.
        Path d = SyntheticModels.write(spec.withEmbeddingTypes(GgmlType.F16, null), tmp.resolve("d.gguf"));
        assertArrayEquals(read(a, "blk.0.attn_q.weight"), read(d, "blk.0.attn_q.weight"));
    }

    @Test
    void activationsStaySane() throws IOException {
        Path file = SyntheticModels.write(Spec.tiny(Arch.LLAMA, smallVocab()), tmp.resolve("m.gguf"));
        float[] q = read(file, "blk.0.attn_q.weight");
        double sumSq = 0;
        for (float v : q) sumSq += v * v;
        double std = Math.sqrt(sumSq / q.length);
        assertEquals(1.5 / Math.sqrt(64), std, 0.01, "q projection scale keeps attention scores O(1)");
        float[] norm = read(file, "blk.0.attn_norm.weight");
        for (float g : norm) assertTrue(g > 0 && g < 2, "norm gains near 1");
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void kQuantFriendlyShapesHaveRowsOf256(Arch arch) throws IOException {
        Path file = SyntheticModels.write(Spec.kQuantFriendly(arch, smallVocab()).withType(GgmlType.BF16), tmp.resolve("m.gguf"));
        try (GgufFile f = GgufFile.open(file)) {
            for (GgufTensorInfo t : f.tensors()) {
                if (t.shape().length == 2) assertEquals(0, t.shape()[0] % 256, t.name() + " row length " + t.shape()[0]);
            }
        }
    }

    @Test
    void ropeScalingKeysAreWrittenWhenAsked() throws IOException {
        Spec spec = Spec.tiny(Arch.LLAMA, smallVocab()).withRope(10000f, new SyntheticModels.RopeScaling("linear", 4f, 1024));
        try (GgufFile f = GgufFile.open(SyntheticModels.write(spec, tmp.resolve("m.gguf")))) {
            assertEquals("linear", f.metadata().requireString("llama.rope.scaling.type"));
            assertEquals(4f, f.metadata().getFloat("llama.rope.scaling.factor", 0));
            assertEquals(1024, f.metadata().requireInt("llama.rope.scaling.original_context_length"));
            assertEquals(10000f, f.metadata().getFloat("llama.rope.freq_base", 0));
        }
    }

    @Test
    void badSpecsAreRejectedWithTheReason() {
        Path v = smallVocab();
        Spec ok = Spec.tiny(Arch.LLAMA, v);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ok.withShape(64, 2, 4, 3, 16, 128)).getMessage().contains("kv heads"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ok.withShape(64, 2, 4, 2, 32, 128)).getMessage().contains("headDim * heads"));
        // Qwen3 allows a head dimension other than dim / heads.
        Spec.tiny(Arch.QWEN3, v).withShape(64, 2, 4, 2, 48, 128);
        // K-quants need rows of 256.
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class, () -> SyntheticModels.write(ok.withType(GgmlType.Q4_K), tmp.resolve("x.gguf")));
        assertTrue(rows.getMessage().contains("block size 256"), rows.getMessage());
        UnsupportedOperationException quant = assertThrows(UnsupportedOperationException.class, () -> SyntheticModels.write(ok.withType(GgmlType.IQ4_NL), tmp.resolve("y.gguf")));
        assertTrue(quant.getMessage().contains("IQ4_NL"), quant.getMessage());
        assertFalse(Files.exists(tmp.resolve("y.gguf")), "no half-written file");
        // A vocab that is not a GGUF file is named as such, not a crash.
        Spec badVocab = new Spec(Arch.LLAMA, SharedAssets.require("models/vocab/ggml-vocab-llama-spm.gguf.inp"),
                64, 2, 4, 2, 16, 128, 4096, 1e4f, 1e-5f, false, GgmlType.F32, null, null, 1f, 1, null);
        IOException notGguf = assertThrows(IOException.class, () -> SyntheticModels.write(badVocab, tmp.resolve("z.gguf")));
        assertTrue(notGguf.getMessage().contains("not a GGUF file"), notGguf.getMessage());
    }

    /** Files parse with the independent Python reader too (gguf.py in ../shared/tools). */
    @Test
    void pythonReaderParsesTheFile() throws IOException {
        Path tool = SharedAssets.require("tools/gguf.py");
        Path file = SyntheticModels.write(Spec.tiny(Arch.QWEN3, smallVocab()).withType(GgmlType.BF16), tmp.resolve("m.gguf"));
        ExternalProcess.Result r;
        try {
            r = ExternalProcess.run(List.of("python3", tool.toString(), file.toString(), "100"), Map.of(), new byte[0], Duration.ofMinutes(2));
        } catch (IOException e) {
            assumeTrue(false, "python3 not runnable: " + e.getMessage());
            return;
        }
        assumeTrue(!r.stderr().contains("No module named 'numpy'"), "numpy missing");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("tensors 24"), r.stdout().lines().findFirst().orElse(""));
        assertTrue(r.stdout().contains("blk.1.attn_k_norm.weight"), "tensor list printed");
        assertTrue(r.stdout().contains("BF16"), "BF16 tensors recognised");
    }

    /** llama-quantize's Q4_K_M choices: Q6_K classifier, Q6_K attn_v / ffn_down in use_more_bits layers, Q4_K else. */
    @Test
    void q4_K_MFollowsLlamaQuantize() throws IOException {
        Spec spec = Spec.kQuantFriendly(Arch.QWEN2, smallVocab()).withShape(256, 8, 4, 2, 64, 512).withQ4_K_M();
        Path file = SyntheticModels.write(spec, tmp.resolve("m.gguf"));
        Set<Integer> moreBits = Set.of(0, 3, 6, 7); // n/8 = 1: layers 0 and 7, and (i - 1) % 3 == 2
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(GgmlType.Q6_K, f.tensor("token_embd.weight").type());
            for (int i = 0; i < 8; i++) {
                GgmlType more = moreBits.contains(i) ? GgmlType.Q6_K : GgmlType.Q4_K;
                assertEquals(more, f.tensor("blk." + i + ".attn_v.weight").type(), "attn_v " + i);
                assertEquals(more, f.tensor("blk." + i + ".ffn_down.weight").type(), "ffn_down " + i);
                for (String name : List.of("attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up")) {
                    assertEquals(GgmlType.Q4_K, f.tensor("blk." + i + "." + name + ".weight").type(), name + " " + i);
                }
            }
        }
    }

    /** Rows that are not a multiple of 256 fall back as llama.cpp's do: Q4_K to Q5_0, Q6_K to Q8_0 (Qwen2.5-0.5B's 896). */
    @Test
    void q4_K_MFallsBackOnRowsNotAMultipleOf256() {
        Spec spec = Spec.tiny(Arch.QWEN2, smallVocab()).withShape(128, 8, 4, 2, 32, 512).withQ4_K_M();
        assertEquals(GgmlType.Q8_0, spec.effectiveEmbeddingType());
        assertEquals(GgmlType.Q5_0, spec.layerType(1, "attn_q"));
        assertEquals(GgmlType.Q8_0, spec.layerType(0, "attn_v"));
        assertEquals(GgmlType.Q6_K, spec.layerType(0, "ffn_down"));
        assertEquals(GgmlType.Q4_K, spec.layerType(1, "ffn_down"));
    }
}
