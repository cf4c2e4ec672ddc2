package io.srm4j.eval.run;

import io.srm4j.eval.bench.Benchmark;
import io.srm4j.eval.bench.Benchmarks;
import io.srm4j.eval.generation.SamplingParams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** TEST ONLY: a small "What is A + B?" benchmark written to a folder, with its spec file. */
final class RunFixtures {
    private RunFixtures() {}

    static Path writeBenchmark(Path dir, int problems) throws IOException {
        Files.createDirectories(dir);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < problems; i++) {
            int a = 3 + 7 * i, b = 11 + 5 * i;
            jsonl.append("{\"uid\": \"add-").append(i).append("\", \"q\": \"What is ").append(a).append(" + ").append(b)
                    .append("?\", \"a\": ").append(a + b).append("}\n");
        }
        Files.writeString(dir.resolve("adds.jsonl"), jsonl);
        Path spec = dir.resolve("adds.json");
        Files.writeString(spec, """
                {"name": "adds", "dataset": "adds.jsonl", "answer_kind": "number",
                 "fields": {"question": "q", "answer": "a", "id": "uid"}}
                """);
        return spec;
    }

    static Benchmark benchmark(Path spec) throws IOException { return Benchmarks.fromSpecFile(spec, null); }

    static SamplingParams params() { return new SamplingParams(0.6, 0.95, 20, 0.0, 64, 1234, List.of()); }
}
