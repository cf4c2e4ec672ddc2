package io.srm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.reasoning.answer.AnswerKind;
import io.srm4j.reasoning.verify.GradeResult;
import io.srm4j.reasoning.verify.Grader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "grade", description = {
        "Grade a prediction against a gold answer: prints {\"correct\":…,\"extracted\":…,\"reason\":…}.",
        "With --jsonl, reads lines {\"gold\":…,\"prediction\":…,\"kind\":\"math\"|\"choice\",\"options\":[…]} and prints one result line each."})
final class GradeCommand implements Callable<Integer> {
    @Option(names = "--gold", description = "gold answer (\"5\", \"\\\\boxed{5}\", \"#### 5\", \"B\"...)")
    String gold;

    @Option(names = "--prediction", description = "model response")
    String prediction;

    @Option(names = "--kind", defaultValue = "math", description = "math (default) or choice")
    String kind;

    @Option(names = "--option", description = "a multiple-choice option, in letter order (repeat), e.g. --option 'A)12'")
    List<String> options = new ArrayList<>();

    @Option(names = "--jsonl", description = "JSON Lines file of cases, or - for standard input")
    String jsonl;

    @Option(names = "--timeout-ms", defaultValue = "2000", description = "time budget per verdict (default 2000)")
    long timeoutMs;

    @Option(names = "--allow-unclosed-thinking", description = "grade the text of a response whose <think> never closed (default: no answer)")
    boolean allowUnclosedThinking;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        Grader grader = new Grader(new Grader.Options(timeoutMs, !allowUnclosedThinking));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        if (jsonl != null) {
            if (gold != null || prediction != null) throw new IllegalArgumentException("give either --jsonl or --gold/--prediction, not both");
            try (BufferedReader in = jsonl.equals("-")
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    : Files.newBufferedReader(Path.of(jsonl), StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = in.readLine()) != null) {
                    n++;
                    if (line.isBlank()) continue;
                    out.println(json.writeValueAsString(gradeLine(grader, line, n)));
                }
            }
            out.flush();
            return 0;
        }
        if (gold == null || prediction == null) throw new IllegalArgumentException("--gold and --prediction are required (or use --jsonl FILE)");
        GradeResult r = grader.grade(gold, prediction, AnswerKind.parse(kind), options);
        out.println(json.writeValueAsString(toJson(r)));
        out.flush();
        return 0;
    }

    /** One input line to one output object; a malformed line becomes {"line": n, "error": "..."} and the run goes on. */
    private ObjectNode gradeLine(Grader grader, String line, int n) {
        try {
            JsonNode j = json.readTree(line);
            if (j == null || !j.isObject()) return error(n, "not a JSON object");
            JsonNode g = j.get("gold"), p = j.get("prediction");
            if (g == null || g.isNull()) return error(n, "missing \"gold\"");
            if (p == null || p.isNull()) return error(n, "missing \"prediction\"");
            List<String> opts = new ArrayList<>();
            if (j.has("options") && j.get("options").isArray()) j.get("options").forEach(o -> opts.add(o.asText()));
            AnswerKind k = AnswerKind.parse(j.has("kind") && !j.get("kind").isNull() ? j.get("kind").asText() : "math");
            if (g.asText().isBlank()) return error(n, "empty \"gold\"");
            ObjectNode o = toJson(grader.grade(g.asText(), p.asText(), k, opts));
            if (j.has("id")) o.set("id", j.get("id"));
            return o;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return error(n, "malformed JSON: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            return error(n, e.getMessage());
        }
    }

    private ObjectNode toJson(GradeResult r) {
        ObjectNode o = json.createObjectNode();
        o.put("correct", r.correct());
        if (r.extracted() == null) o.putNull("extracted");
        else o.put("extracted", r.extracted());
        o.put("reason", r.reason());
        return o;
    }

    private ObjectNode error(int line, String message) {
        ObjectNode o = json.createObjectNode();
        o.put("line", line);
        o.put("error", "line " + line + ": " + message);
        return o;
    }
}
