package io.srm4j.eval.run;

import io.srm4j.eval.grading.ExactMatchTestGrader;

import java.nio.file.Path;

/** TEST ONLY: the child JVM of EvalRunnerResumeTest, killed while it runs. Args: runDir specFile delayMs samples. */
public final class ResumeChild {
    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[0]);
        Path spec = Path.of(args[1]);
        long delay = Long.parseLong(args[2]);
        int samples = Integer.parseInt(args[3]);
        EvalRunner runner = new EvalRunner(new ArithmeticTestGenerator(delay), new ExactMatchTestGrader());
        runner.run(RunFixtures.benchmark(spec), new EvalRunner.Options(samples, RunFixtures.params(), 0, runDir, true));
    }
}
