package io.srm4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns the engines' JSON outputs into {@link Measurement}s, and the measurements into the printed table and the
 * ratios: srm4j over each reference (prefill, decode) and batched aggregate decode over single-sequence decode.
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Report() {}

    /**
     * Reads {@code prefill_tokens_per_s} and {@code decode_tokens_per_s} from one engine's JSON result line (the
     * format of {@code srm4j bench --json}, {@code llamacpp_bench.mjs} and {@link KherudBench}). A missing line,
     * bad JSON, or a missing / non-positive speed gives {@link Measurement.Status#FAILED} naming what was wrong.
     */
    public static Measurement parse(String engine, String jsonLine, String note) {
        if (jsonLine == null || jsonLine.isBlank()) return Measurement.failed(engine, "printed no JSON result");
        JsonNode o;
        try {
            o = JSON.readTree(jsonLine);
        } catch (Exception e) {
            return Measurement.failed(engine, "result is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (o == null || !o.isObject()) return Measurement.failed(engine, "result is not a JSON object");
        double prefill = speed(o, "prefill_tokens_per_s"), decode = speed(o, "decode_tokens_per_s");
        if (Double.isNaN(prefill) || Double.isNaN(decode)) {
            return Measurement.failed(engine, "result lacks a positive prefill_tokens_per_s / decode_tokens_per_s: " + jsonLine);
        }
        return Measurement.ok(engine, prefill, decode, note);
    }

    private static double speed(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isNumber()) return Double.NaN;
        double d = v.asDouble();
        return Double.isFinite(d) && d > 0 ? d : Double.NaN;
    }

    /** Batched decode: aggregate and single-sequence tokens/s from {@link BatchDecodeBench}'s line; NaN when absent. */
    public record Batch(int size, double singleTokensPerSecond, double aggregateTokensPerSecond, String status) {
        public double ratio() {
            return Ratios.ratio(aggregateTokensPerSecond, singleTokensPerSecond);
        }

        public static Batch parse(int size, String jsonLine) {
            if (jsonLine == null) return new Batch(size, Double.NaN, Double.NaN, "FAILED: printed no JSON result");
            try {
                JsonNode o = JSON.readTree(jsonLine);
                double s = speed(o, "single_decode_tokens_per_s"), a = speed(o, "batch_decode_tokens_per_s");
                if (Double.isNaN(s) || Double.isNaN(a)) return new Batch(size, s, a, "FAILED: speeds missing in " + jsonLine);
                return new Batch(size, s, a, "OK");
            } catch (Exception e) {
                return new Batch(size, Double.NaN, Double.NaN, "FAILED: result is not JSON");
            }
        }
    }

    /**
     * Replaces {@link KherudBench}'s wall-clock speeds with llama.cpp's own timing lines from the child's stderr when
     * there are enough of them: the last {@code repetitions} completions that generated more than one token (the
     * measured runs; one-token completions and the warm-up come before them). Otherwise returns {@code wallClock}.
     */
    public static Measurement withLlamaLogTimings(Measurement wallClock, String stderr, int repetitions) {
        if (!wallClock.ok() || stderr == null) return wallClock;
        List<LlamaTimings> full = LlamaTimings.parseAll(stderr).stream().filter(t -> t.evalTokens() > 1 && t.promptTokens() > 0).toList();
        if (full.size() < repetitions) return wallClock;
        List<LlamaTimings> measured = full.subList(full.size() - repetitions, full.size());
        double prefill = Ratios.median(measured.stream().mapToDouble(LlamaTimings::promptTokensPerSecond).toArray());
        double decode = Ratios.median(measured.stream().mapToDouble(LlamaTimings::evalTokensPerSecond).toArray());
        if (!(prefill > 0) || !(decode > 0)) return wallClock;
        return Measurement.ok(wallClock.engine(), prefill, decode, wallClock.note() + "; llama.cpp's own timings");
    }

    /** srm4j (the first measurement) over every other one. */
    public static List<Ratios.Versus> versus(List<Measurement> all) {
        if (all.isEmpty()) return List.of();
        Measurement srm4j = all.getFirst();
        List<Ratios.Versus> out = new ArrayList<>();
        for (Measurement m : all.subList(1, all.size())) out.add(Ratios.Versus.of(srm4j, m));
        return out;
    }

    /** The human-readable table: one row per engine, then the ratios. */
    public static String table(List<Measurement> all, Batch batch) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-34s %-8s %14s %14s  %s%n", "engine", "status", "prefill tok/s", "decode tok/s", "note"));
        for (Measurement m : all) {
            sb.append(String.format(Locale.ROOT, "%-34s %-8s %14s %14s  %s%n", m.engine(), m.status(),
                    num(m.prefillTokensPerSecond()), num(m.decodeTokensPerSecond()), m.note()));
        }
        sb.append('\n');
        for (Ratios.Versus v : versus(all)) {
            sb.append(String.format(Locale.ROOT, "srm4j / %-30s prefill %7s   decode %7s%n", v.reference(), Ratios.format(v.prefill()), Ratios.format(v.decode())));
        }
        if (batch != null) {
            sb.append(String.format(Locale.ROOT, "srm4j batch of %d: aggregate decode %s tok/s, single %s tok/s, aggregate / single %s  %s%n",
                    batch.size(), num(batch.aggregateTokensPerSecond()), num(batch.singleTokensPerSecond()), Ratios.format(batch.ratio()),
                    batch.status().equals("OK") ? "" : batch.status()));
        }
        return sb.toString();
    }

    /** The ratios as JSON (null where a ratio could not be formed). */
    public static ObjectNode ratiosJson(List<Measurement> all, Batch batch) {
        ObjectNode o = JSON.createObjectNode();
        for (Ratios.Versus v : versus(all)) {
            ObjectNode r = o.putObject("srm4j_over_" + v.reference());
            putFinite(r, "prefill", v.prefill());
            putFinite(r, "decode", v.decode());
        }
        if (batch != null) putFinite(o, "batch_aggregate_over_single", batch.ratio());
        return o;
    }

    static void putFinite(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) o.put(field, v);
        else o.putNull(field);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "-";
    }
}
