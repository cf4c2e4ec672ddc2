package io.srm4j.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ReportTest {
    @Test
    void parsesTheJsonLineOfEveryEngine() {
        Measurement m = Report.parse("srm4j", "{\"model\":\"m.gguf\",\"prefill_tokens_per_s\":120.5,\"decode_tokens_per_s\":30,\"load_s\":0.4}", "cli");
        assertEquals(Measurement.Status.OK, m.status());
        assertEquals(120.5, m.prefillTokensPerSecond());
        assertEquals(30.0, m.decodeTokensPerSecond());
        assertEquals("cli", m.note());
    }

    @Test
    void aMissingOrBrokenResultIsAFailureThatSaysWhy() {
        assertEquals(Measurement.Status.FAILED, Report.parse("x", null, "").status());
        Measurement notJson = Report.parse("x", "{prefill", "");
        assertEquals(Measurement.Status.FAILED, notJson.status());
        assertTrue(notJson.note().contains("not JSON"), notJson.note());
        Measurement noDecode = Report.parse("x", "{\"prefill_tokens_per_s\":100}", "");
        assertEquals(Measurement.Status.FAILED, noDecode.status());
        assertTrue(noDecode.note().contains("decode_tokens_per_s"), noDecode.note());
        // a zero or string speed is not a measurement
        assertEquals(Measurement.Status.FAILED, Report.parse("x", "{\"prefill_tokens_per_s\":0,\"decode_tokens_per_s\":5}", "").status());
        assertEquals(Measurement.Status.FAILED, Report.parse("x", "{\"prefill_tokens_per_s\":\"9\",\"decode_tokens_per_s\":5}", "").status());
    }

    @Test
    void findsTheJsonAmongNativeLogLines() {
        String out = "llama_model_loader: loaded meta data\n{not the result\n{\"decode_tokens_per_s\":1}\nggml: bye\n";
        assertEquals("{\"decode_tokens_per_s\":1}", ChildProcess.lastJsonLine(out));
        assertNull(ChildProcess.lastJsonLine("no json here\n"));
    }

    @Test
    void ratiosAreSrm4jOverEachReferenceAndNaNWhereOneIsMissing() {
        List<Measurement> all = List.of(
                Measurement.ok("srm4j", 200, 60, ""),
                Measurement.ok("node", 800, 40, ""),
                Measurement.missing("kherud", "not installed"));
        List<Ratios.Versus> v = Report.versus(all);
        assertEquals(2, v.size());
        assertEquals(0.25, v.get(0).prefill(), 1e-12);
        assertEquals(1.5, v.get(0).decode(), 1e-12);
        assertTrue(Double.isNaN(v.get(1).prefill()));
        assertTrue(Double.isNaN(v.get(1).decode()));

        Report.Batch b = Report.Batch.parse(16, "{\"single_decode_tokens_per_s\":20,\"batch_decode_tokens_per_s\":170}");
        assertEquals(8.5, b.ratio(), 1e-12);
        ObjectNode json = Report.ratiosJson(all, b);
        assertEquals(1.5, json.get("srm4j_over_node").get("decode").asDouble(), 1e-12);
        assertTrue(json.get("srm4j_over_kherud").get("decode").isNull());
        assertEquals(8.5, json.get("batch_aggregate_over_single").asDouble(), 1e-12);

        String table = Report.table(all, b);
        assertTrue(table.contains("MISSING"), table);
        assertTrue(table.contains("1.50x"), table);
        assertTrue(table.contains("8.50x"), table);
        assertTrue(table.contains("n/a"), table);
    }

    @Test
    void ratioRefusesDivisionByNothing() {
        assertTrue(Double.isNaN(Ratios.ratio(1, 0)));
        assertTrue(Double.isNaN(Ratios.ratio(Double.NaN, 2)));
        assertTrue(Double.isNaN(Ratios.ratio(1, -2)));
        assertEquals("n/a", Ratios.format(Double.NaN));
        assertEquals("2.00x", Ratios.format(2));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3, Ratios.median(5, 1, 3));
        assertEquals(2.5, Ratios.median(4, 1, 3, 2));
        assertThrows(IllegalArgumentException.class, Ratios::median);
    }

    @Test
    void parsesLlamaCppTimingLines() {
        String log = """
                slot print_timing: id  0 | task 0 |
                prompt eval time =     200.00 ms /     4 tokens (   50.00 ms per token,    20.00 tokens per second)
                       eval time =     100.00 ms /     1 tokens (  100.00 ms per token,    10.00 tokens per second)
                      total time =     300.00 ms /     5 tokens
                slot print_timing: id  0 | task 1 |
                prompt eval time =     812.50 ms /   256 tokens (    3.17 ms per token,   315.08 tokens per second)
                       eval time =    5120.00 ms /   128 tokens (   40.00 ms per token,    25.00 tokens per second)
                """;
        LlamaTimings t = LlamaTimings.parseLast(log);
        assertNotNull(t);
        assertEquals(256, t.promptTokens());
        assertEquals(256 * 1000.0 / 812.5, t.promptTokensPerSecond(), 1e-9);
        assertEquals(128, t.evalTokens());
        assertEquals(25.0, t.evalTokensPerSecond(), 1e-9);
        assertNull(LlamaTimings.parseLast("nothing logged"));
        assertNull(LlamaTimings.parseLast("prompt eval time = 10.00 ms / 4 tokens"), "a prompt line without its eval line is incomplete");
    }

    @Test
    void gigabytesPerSecondOfWeights() {
        long bytes = MatVecBench.weightBytes(GgmlType.Q8_0);
        assertEquals(896L * (4864 / 32) * 34, bytes); // rows x blocks per row x 34-byte Q8_0 blocks
        assertEquals(bytes / 1e3 / 100, MatVecBench.gigabytesPerSecond(GgmlType.Q8_0, 100), 1e-9);
    }
}
