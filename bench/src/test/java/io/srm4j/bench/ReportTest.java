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

    private static final String KHERUD_STDERR = """
            llama_model_loader: loaded meta data with 26 key-value pairs
            prompt eval time =     200.00 ms /    64 tokens (    3.13 ms per token,   320.00 tokens per second)
                   eval time =       0.00 ms /     1 tokens (    0.00 ms per token,      inf tokens per second)
            prompt eval time =     400.00 ms /    64 tokens (    6.25 ms per token,   160.00 tokens per second)
                   eval time =    3200.00 ms /    32 tokens (  100.00 ms per token,    10.00 tokens per second)
            prompt eval time =     100.00 ms /    64 tokens (    1.56 ms per token,   640.00 tokens per second)
                   eval time =      50.00 ms /     1 tokens (   50.00 ms per token,    20.00 tokens per second)
            prompt eval time =     320.00 ms /    64 tokens (    5.00 ms per token,   200.00 tokens per second)
                   eval time =    1600.00 ms /    32 tokens (   50.00 ms per token,    20.00 tokens per second)
            prompt eval time =     160.00 ms /    64 tokens (    2.50 ms per token,   400.00 tokens per second)
                   eval time =     800.00 ms /    32 tokens (   25.00 ms per token,    40.00 tokens per second)
            prompt eval time =     999.00 ms /    64 tokens
            """;

    @Test
    void parsesEveryPairOfLlamaCppTimingLines() {
        List<LlamaTimings> all = LlamaTimings.parseAll(KHERUD_STDERR);
        assertEquals(5, all.size(), "the last prompt line has no eval line and is skipped");
        assertEquals(64, all.get(1).promptTokens());
        assertEquals(160.0, all.get(1).promptTokensPerSecond(), 1e-9);
        assertEquals(32, all.get(1).evalTokens());
        assertEquals(10.0, all.get(1).evalTokensPerSecond(), 1e-9);
        assertTrue(Double.isNaN(all.get(0).evalTokensPerSecond()), "0 ms is not a speed");
        assertTrue(LlamaTimings.parseAll("nothing logged").isEmpty());
    }

    @Test
    void kherudSpeedsComeFromTheMeasuredRunsInItsLog() {
        Measurement wallClock = Measurement.ok("kherud", 1, 1, "forked JVM");
        // 3 multi-token completions: the first is the warm-up; the last 2 are the measured runs
        Measurement m = Report.withLlamaLogTimings(wallClock, KHERUD_STDERR, 2);
        assertEquals(300.0, m.prefillTokensPerSecond(), 1e-9); // median of 200 and 400
        assertEquals(30.0, m.decodeTokensPerSecond(), 1e-9);   // median of 20 and 40
        assertTrue(m.note().contains("llama.cpp's own timings"), m.note());
        // too few timing lines, or a failed run: the wall-clock measurement stands
        assertSame(wallClock, Report.withLlamaLogTimings(wallClock, KHERUD_STDERR, 4));
        Measurement failed = Measurement.failed("kherud", "exit 134");
        assertSame(failed, Report.withLlamaLogTimings(failed, KHERUD_STDERR, 2));
    }

    @Test
    void aReferenceThatIsNotInstalledIsMissingNotFailed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        SideBySide s = new SideBySide();
        new picocli.CommandLine(s).parseArgs("--node-dir", dir.toString(), "--repo", dir.toString(), "model.gguf");
        s.repo = dir;
        Measurement m = s.runNode(java.time.Duration.ofSeconds(5), new com.fasterxml.jackson.databind.ObjectMapper().createArrayNode());
        assertEquals(Measurement.Status.MISSING, m.status());
        assertTrue(m.note().contains("setup-references"), m.note());
    }

    @Test
    void gigabytesPerSecondOfWeights() {
        long bytes = MatVecBench.weightBytes(GgmlType.Q8_0);
        assertEquals(896L * (4864 / 32) * 34, bytes); // rows x blocks per row x 34-byte Q8_0 blocks
        assertEquals(bytes / 1e3 / 100, MatVecBench.gigabytesPerSecond(GgmlType.Q8_0, 100), 1e-9);
    }
}
