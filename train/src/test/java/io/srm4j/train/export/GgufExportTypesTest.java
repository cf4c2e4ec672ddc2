package io.srm4j.train.export;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufTensorInfo;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.model.Transformer;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every weight type: the tensor types llama.cpp's quantiser would pick, and logits close to the float model's. */
class GgufExportTypesTest {
    @TempDir
    Path dir;

    static final Vocabulary VOCAB = Vocabulary.withBytes(RuntimeParityTest.PIECES);
    // rows of 256: every type's blocks fit, so nothing falls back
    static final TransformerConfig CONFIG = new TransformerConfig(256, 1, 4, 2, 256, VOCAB.size(), 32, 10000f, 1e-5f, false);
    static TransformerModel model;

    @BeforeAll
    static void createModel() {
        model = ExportFixtures.decisiveModel(CONFIG, 3);
    }

    /** Largest RMS(dequantised - original) / RMS(original) over the matrices: about 2^-(bits+1) for each type. */
    static final Map<WeightType, Double> WEIGHT_ERROR = Map.of(WeightType.F32, 0.0, WeightType.F16, 3e-4,
            WeightType.BF16, 3e-3, WeightType.Q8_0, 6e-3, WeightType.Q6_K, 3e-2, WeightType.Q4_0, 0.12);

    /**
     * Largest |Δlogit| / largest |logit| between the runtime on the export and the export's own weights run in float by
     * the training model. Like llama.cpp, the runtime rounds activations to the weights' partner format (F16, BF16, Q8_0,
     * Q8_K) before each product, and this small model amplifies that rounding about sixfold into its logits.
     */
    static final Map<WeightType, Double> RUNTIME_ERROR = Map.of(WeightType.F32, 2e-5, WeightType.F16, 5e-3,
            WeightType.BF16, 3e-2, WeightType.Q8_0, 6e-2, WeightType.Q6_K, 6e-2, WeightType.Q4_0, 6e-2);

    @ParameterizedTest
    @EnumSource(value = WeightType.class, names = {"F32", "F16", "Q8_0"})
    void exportHoldsTheWeightsAndRunsInTheRuntime(WeightType type) throws Exception {
        check(type);
    }

    @Tag("conformance")
    @ParameterizedTest
    @EnumSource(value = WeightType.class, names = {"BF16", "Q4_0", "Q6_K"})
    void otherTypesToo(WeightType type) throws Exception {
        check(type);
    }

    void check(WeightType type) throws Exception {
        Path file = dir.resolve(type + ".gguf");
        GgufExport.write(model, VOCAB, "types", type, file);
        int[] tokens = {1, 259, 262, 260, 263, 72, 105, 2};
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(type.fileType, f.metadata().requireInt("general.file_type"));
            for (GgufTensorInfo t : f.tensors()) {
                GgmlType expected = t.shape().length == 1 ? GgmlType.F32
                        : type == WeightType.Q4_0 && t.name().equals("token_embd.weight") ? GgmlType.Q6_K // tied: it is the output
                        : type.ggmlType;
                assertEquals(expected, t.type(), t.name());
            }
            TransformerModel back = TransformerModel.fromGguf(f);
            double worstWeight = 0;
            for (int i = 0; i < model.parameters().size(); i++) {
                float[] a = model.parameters().get(i).tensor().data(), b = back.parameters().get(i).tensor().data();
                double err = 0, norm = 0;
                for (int j = 0; j < a.length; j++) {
                    err += (a[j] - b[j]) * (double) (a[j] - b[j]);
                    norm += a[j] * (double) a[j];
                }
                worstWeight = Math.max(worstWeight, Math.sqrt(err / norm));
            }
            double own = relativeGap(back, Transformer.fromGguf(f), tokens);
            System.out.printf("export %s: weights' relative RMS error %.2g; runtime logits vs the export's float weights %.2g%n", type, worstWeight, own);
            assertTrue(worstWeight <= WEIGHT_ERROR.get(type), type + ": weight error " + worstWeight);
            assertTrue(own <= RUNTIME_ERROR.get(type), type + ": runtime vs the export's weights " + own);
        }
    }

    /** Largest |Δlogit| over every position / largest |logit|, with a check that the logits are not trivially small. */
    static double relativeGap(TransformerModel model, Transformer rt, int[] tokens) {
        float[] ours = model.forward(Tape.NO_GRAD, tokens, 1, tokens.length).data();
        double maxErr = 0, maxAbs = 0;
        int V = model.config().vocab();
        try (KvCache cache = new KvCache(rt.config(), tokens.length, KvCache.Precision.F32)) {
            Transformer.Scratch s = rt.newScratch();
            for (int t = 0; t < tokens.length; t++) {
                float[] theirs = rt.forward(cache, tokens, t, 1, s);
                for (int i = 0; i < V; i++) {
                    maxErr = Math.max(maxErr, Math.abs(theirs[i] - ours[t * V + i]));
                    maxAbs = Math.max(maxAbs, Math.abs(ours[t * V + i]));
                }
            }
        }
        assertTrue(maxAbs > 2, "logits too small to compare: " + maxAbs);
        return maxErr / maxAbs;
    }

    @Test
    void typeChoicesFollowLlamaCpp() {
        // vectors stay F32 whatever the type
        for (WeightType t : WeightType.values()) assertEquals(GgmlType.F32, t.typeFor("blk.0.attn_norm.weight", 256, false, false));
        // Q4_0: the output layer gets Q6_K, or Q8_0 when its rows are not whole 256-blocks; the embedding only when tied
        assertEquals(GgmlType.Q6_K, WeightType.Q4_0.typeFor("output.weight", 512, true, false));
        assertEquals(GgmlType.Q8_0, WeightType.Q4_0.typeFor("output.weight", 96, true, false));
        assertEquals(GgmlType.Q4_0, WeightType.Q4_0.typeFor("token_embd.weight", 512, true, false));
        assertEquals(GgmlType.Q6_K, WeightType.Q4_0.typeFor("token_embd.weight", 512, true, true));
        assertEquals(GgmlType.Q8_0, WeightType.Q8_0.typeFor("output.weight", 512, true, false));
        // rows that do not fit the blocks: Q6_K -> Q8_0, block types -> F16
        assertEquals(GgmlType.Q8_0, WeightType.Q6_K.typeFor("blk.0.ffn_up.weight", 96, true, false));
        assertEquals(GgmlType.F16, WeightType.Q6_K.typeFor("blk.0.ffn_up.weight", 48, true, false));
        assertEquals(GgmlType.F16, WeightType.Q8_0.typeFor("blk.0.ffn_up.weight", 48, true, false));
        assertEquals(GgmlType.BF16, WeightType.BF16.typeFor("blk.0.ffn_up.weight", 48, true, false));
        assertEquals(WeightType.Q8_0, WeightType.parse("q8_0"));
        var e = assertThrows(IllegalArgumentException.class, () -> WeightType.parse("q3_k"));
        assertTrue(e.getMessage().contains("q8_0"), e.getMessage());
    }

    @Test
    void aGgufReExportsInAnotherTypeWithItsMetadata() throws Exception {
        Vocabulary vocab = Vocabulary.withBytes(List.of("a", "b"));
        TransformerConfig c = new TransformerConfig(64, 1, 2, 1, 64, vocab.size(), 16, 10000f, 1e-5f, true);
        Path f32 = dir.resolve("a.gguf"), q8 = dir.resolve("b.gguf");
        GgufExport.write(ExportFixtures.decisiveModel(c, 9), vocab, "again", f32);
        try (GgufFile f = GgufFile.open(f32)) {
            GgufExport.write(ExportSource.of(f), WeightType.Q8_0, q8);
        }
        try (GgufFile a = GgufFile.open(f32); GgufFile b = GgufFile.open(q8)) {
            assertEquals(a.tensors().size(), b.tensors().size());
            for (var k : a.metadata().asMap().keySet()) {
                if (!k.equals("general.file_type")) assertTrue(b.metadata().contains(k), k);
            }
            assertEquals(2, b.metadata().requireInt("general.quantization_version"));
            assertEquals(GgmlType.Q8_0, b.tensor("blk.0.attn_q.weight").type());
            assertEquals(GgmlType.F32, b.tensor("output_norm.weight").type());
        }
    }
}
