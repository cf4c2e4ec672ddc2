package io.srm4j.eval.run;

import io.srm4j.eval.grading.ExactMatchTestGrader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Kills a running evaluation (a child JVM, destroyForcibly = SIGKILL) twice and checks the resumed result. */
class EvalRunnerResumeTest {

    @Test
    void killedRunResumesToTheUninterruptedResult(@TempDir Path dir) throws Exception {
        Path spec = RunFixtures.writeBenchmark(dir.resolve("bench"), 8);
        int samples = 4; // 32 generations
        Path reference = dir.resolve("reference");
        EvalRunnerTest.run(spec, reference, new ArithmeticTestGenerator(0), samples);

        Path out = dir.resolve("run");
        Path journal = out.resolve(EvalRunner.JOURNAL);
        killWhenJournalHas(spec, out, samples, 5);
        int afterFirstKill = lines(journal);
        assertTrue(afterFirstKill >= 5 && afterFirstKill < 32, "first kill left " + afterFirstKill);
        killWhenJournalHas(spec, out, samples, afterFirstKill + 8);
        int afterSecondKill = lines(journal);
        assertTrue(afterSecondKill > afterFirstKill && afterSecondKill < 32, "second kill left " + afterSecondKill);
        assertFalse(Files.exists(out.resolve("results.json")), "killed runs never got to scoring");

        ArithmeticTestGenerator rest = new ArithmeticTestGenerator(0);
        EvalRunner.RunResult result = new EvalRunner(rest, new ExactMatchTestGrader(), new PrintStream(OutputStream.nullOutputStream()))
                .run(RunFixtures.benchmark(spec), new EvalRunner.Options(samples, RunFixtures.params(), 0, out, false));
        assertTrue(rest.samplesGenerated <= 32 - afterSecondKill, "only missing samples generated (a torn line counts as missing)");
        assertEquals(32, rest.samplesGenerated + result.foundInJournal());
        EvalRunnerTest.assertSameResults(reference, out);
    }

    private static int lines(Path journal) throws IOException {
        if (!Files.exists(journal)) return 0;
        return (int) Files.readString(journal).chars().filter(c -> c == '\n').count();
    }

    private static void killWhenJournalHas(Path spec, Path out, int samples, int records) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Djava.awt.headless=true", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), ResumeChild.class.getName(),
                out.toString(), spec.toString(), "40", String.valueOf(samples));
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(out.getParent().resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lines(out.resolve(EvalRunner.JOURNAL)) < records) {
                if (!child.isAlive()) {
                    fail("child exited (" + child.exitValue() + ") before being killed:\n"
                            + Files.readString(out.getParent().resolve("child.log")));
                }
                if (System.nanoTime() > deadline) fail("child made no progress in 60 s");
                Thread.sleep(5);
            }
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
        }
    }
}
