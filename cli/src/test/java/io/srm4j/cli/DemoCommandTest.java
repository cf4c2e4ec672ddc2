package io.srm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** The committed demo model loads from the jar's resources and solves its held-out problems. */
class DemoCommandTest {
    private static String run(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.run(args));
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(oldOut);
        }
    }

    @Test
    void embeddedModelReachesHalfGreedyAccuracyOnHeldOutProblems() throws Exception {
        JsonNode j = new ObjectMapper().readTree(run("demo", "--json", "--problems", "40", "--samples", "4"));
        assertEquals(40, j.get("problems").asInt());
        double greedy = j.get("greedy_accuracy").asDouble();
        assertTrue(greedy >= 0.5, "greedy accuracy " + greedy);
        double sc = j.get("self_consistency_accuracy").asDouble();
        assertTrue(sc >= 0 && sc <= 1);
        assertTrue(j.get("model_command").asText().startsWith("./srm4j lab"), j.toString());
        assertEquals("sum", j.get("task").asText(), "the embedded model is the default lab's");
    }

    @Test
    void liveDisplayShowsTheReasoningTrace() {
        String out = run("demo", "--problems", "3", "--samples", "2");
        assertTrue(out.contains("<think>") && out.contains("</think>"), out);
        assertTrue(out.contains("task: the sum of 5 labelled digits"), out);
        assertTrue(out.contains("greedy accuracy") && out.contains("self-consistency"), out);
    }
}
