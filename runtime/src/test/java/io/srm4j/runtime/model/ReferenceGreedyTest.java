package io.srm4j.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.runtime.SharedAssets;
import io.srm4j.runtime.gguf.GgufFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The greedy ids that llama.cpp (and the numpy reference) produce on the tiny real models in ../shared,
 * reproduced exactly with both KV cache precisions; with an F32 cache the top logits after the prompt agree with
 * the float reference (tools/ref_forward.py) within 1e-3 absolute, with llama.cpp's default F16 cache within 1e-2.
 */
class ReferenceGreedyTest {
    @TestFactory
    List<DynamicTest> greedyIdsMatchLlamaCpp() throws Exception {
        Path json = SharedAssets.require("models/reference/java-llama-cpp-4.2.0-greedy.json");
        JsonNode cases = new ObjectMapper().readTree(json.toFile()).get("cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (KvCache.Precision p : List.of(KvCache.Precision.F16, KvCache.Precision.F32)) { // these models' heads are too small for Q8_0
            cases.properties().forEach(e -> tests.add(DynamicTest.dynamicTest(e.getKey() + " kv=" + p, () -> check(e.getValue(), p))));
        }
        return tests;
    }

    private static int[] ints(JsonNode arr) {
        int[] r = new int[arr.size()];
        for (int i = 0; i < r.length; i++) r[i] = arr.get(i).asInt();
        return r;
    }

    private static void check(JsonNode c, KvCache.Precision precision) throws Exception {
        Path model = SharedAssets.require("models/" + c.get("model").asText());
        int[] prompt = ints(c.get("prompt_token_ids_with_bos"));
        int[] expected = ints(c.get("greedy_token_ids"));
        try (GgufFile f = GgufFile.open(model)) {
            Transformer tf = Transformer.fromGguf(f);
            KvCache cache = new KvCache(tf.config(), 1024, precision);
            double tol = precision == KvCache.Precision.F32 ? 1e-3 : 1e-2;
            Transformer.Scratch s = tf.newScratch();
            float[] logits = tf.forward(cache, prompt, 0, prompt.length, s);
            for (JsonNode top : c.get("top5_logits_after_prompt")) {
                assertEquals(top.get(1).asDouble(), logits[top.get(0).asInt()], tol, "logit of token " + top.get(0));
            }
            int[] got = new int[expected.length];
            for (int i = 0; i < got.length; i++) {
                int best = 0;
                for (int v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
                got[i] = best;
                logits = tf.forward(cache, new int[]{best}, 0, 1, s);
            }
            assertArrayEquals(expected, got);
        }
    }
}
