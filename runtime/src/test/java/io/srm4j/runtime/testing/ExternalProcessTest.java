package io.srm4j.runtime.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference runners must never hang a test run or lose the child's error output. */
class ExternalProcessTest {
    @Test
    void killsAChildThatOverrunsItsDeadline() {
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> ExternalProcess.run(
                List.of("sh", "-c", "echo started >&2; sleep 30"), Map.of(), new byte[0], Duration.ofMillis(500)));
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(e.getMessage().contains("started"), "stderr tail is reported: " + e.getMessage());
        assertTrue(System.nanoTime() - start < 15_000_000_000L, "returned promptly");
    }

    @Test
    void passesStdinAndEnvironmentAndReportsTheExitCode() throws IOException {
        ExternalProcess.Result r = ExternalProcess.run(List.of("sh", "-c", "cat; echo \" $SRM4J_X\"; exit 3"),
                Map.of("SRM4J_X", "env-ok"), "from-stdin".getBytes(), Duration.ofSeconds(30));
        assertEquals(3, r.exitCode());
        assertEquals("from-stdin env-ok\n", r.stdout());
    }

    @Test
    void findsTheJsonLineAfterNativeChatter() {
        assertEquals("{\"a\":1}", ExternalProcess.lastJsonLine("Extracted 'libjllama.so'\n{\"a\":1}\n"));
        assertNull(ExternalProcess.lastJsonLine("no json here\n"));
    }
}
