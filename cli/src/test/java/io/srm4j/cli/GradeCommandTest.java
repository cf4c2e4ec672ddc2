package io.srm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradeCommandTest {
    private final ObjectMapper json = new ObjectMapper();

    private record Run(int code, String out, String err) {}

    private static Run run(String stdin, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            if (stdin != null) System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    @Test
    void singlePairPrintsOneJsonObject() throws Exception {
        Run r = run(null, "grade", "--gold", "\\frac{1}{2}", "--prediction", "so the answer is \\boxed{0.5}");
        assertEquals(0, r.code(), r.err());
        JsonNode j = json.readTree(r.out());
        assertTrue(j.get("correct").asBoolean());
        assertEquals("0.5", j.get("extracted").asText());
        assertTrue(j.has("reason"));
    }

    @Test
    void wrongAnswerIsFalseAndStillExitsZero() throws Exception {
        Run r = run(null, "grade", "--gold", "#### 72", "--prediction", "The answer is 71.");
        assertEquals(0, r.code());
        JsonNode j = json.readTree(r.out());
        assertFalse(j.get("correct").asBoolean());
        assertEquals("71", j.get("extracted").asText());
    }

    @Test
    void choiceKind() throws Exception {
        Run r = run(null, "grade", "--gold", "C", "--prediction", "Option (A) fails, so the correct answer is (C).", "--kind", "choice");
        JsonNode j = json.readTree(r.out());
        assertTrue(j.get("correct").asBoolean());
        assertEquals("C", j.get("extracted").asText());
    }

    @Test
    void noAnswerPrintsNullExtracted() throws Exception {
        Run r = run(null, "grade", "--gold", "5", "--prediction", "<think>still thinking about 5");
        JsonNode j = json.readTree(r.out());
        assertFalse(j.get("correct").asBoolean());
        assertTrue(j.get("extracted").isNull());
    }

    @Test
    void jsonlFileGradesEveryLineInOrderAndReportsMalformedLines(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cases.jsonl");
        Files.write(f, List.of(
                "{\"gold\": \"5\", \"prediction\": \"\\\\boxed{5}\"}",
                "{\"gold\": \"5\", \"prediction\": \"\\\\boxed{6}\", \"kind\": \"math\"}",
                "this is not json",
                "{\"prediction\": \"no gold here\"}",
                "",
                "{\"gold\": \"B\", \"prediction\": \"Answer: B\", \"kind\": \"choice\"}",
                "{\"gold\": \"B\", \"prediction\": \"x\", \"kind\": \"essay\"}",
                "{\"gold\": \"E\", \"prediction\": \"It costs 78.20 dollars\", \"kind\": \"choice\", \"options\": [\"A)$61\", \"B)$65\", \"C)$67.40\", \"D)$70\", \"E)$78.20\"]}"));
        Run r = run(null, "grade", "--jsonl", f.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(7, lines.size(), r.out());
        assertTrue(json.readTree(lines.get(0)).get("correct").asBoolean());
        assertFalse(json.readTree(lines.get(1)).get("correct").asBoolean());
        assertEquals("6", json.readTree(lines.get(1)).get("extracted").asText());
        JsonNode bad = json.readTree(lines.get(2));
        assertEquals(3, bad.get("line").asInt());
        assertTrue(bad.get("error").asText().contains("line 3"), bad.toString());
        assertEquals(4, json.readTree(lines.get(3)).get("line").asInt());
        assertTrue(json.readTree(lines.get(4)).get("correct").asBoolean());
        assertTrue(json.readTree(lines.get(5)).get("error").asText().contains("essay"));
        assertTrue(json.readTree(lines.get(6)).get("correct").asBoolean(), lines.get(6));
    }

    @Test
    void jsonlFromStandardInput() throws Exception {
        Run r = run("{\"gold\": \"x=3\", \"prediction\": \"3\"}\n{\"gold\": \"(1,2)\", \"prediction\": \"[1,2]\"}\n", "grade", "--jsonl", "-");
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(json.readTree(lines.get(0)).get("correct").asBoolean());
        assertFalse(json.readTree(lines.get(1)).get("correct").asBoolean());
    }

    @Test
    void missingArgumentsGiveAClearError() {
        Run r = run(null, "grade", "--gold", "5");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--prediction"), r.err());
    }
}
