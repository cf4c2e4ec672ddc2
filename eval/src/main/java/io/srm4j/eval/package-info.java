/**
 * Evaluation of reasoning models: benchmarks ({@link io.srm4j.eval.bench.Benchmarks}), a resumable runner
 * ({@link io.srm4j.eval.run.EvalRunner}), metrics (pass@k, maj@k, bootstrap CIs: {@link io.srm4j.eval.metrics})
 * and reports ({@link io.srm4j.eval.report.ReportWriter}).
 *
 * <p>Two seams are implemented outside this module: {@link io.srm4j.eval.generation.Generator} (the local
 * runtime or a server produces completions) and {@link io.srm4j.eval.grading.AnswerGrader} (answer extraction and
 * math verification). A run:
 * <pre>{@code
 * Benchmark bench = Benchmarks.resolve("math500", datasetOrNull, DatasetLocator.fromEnvironment());
 * EvalRunner.RunResult r = new EvalRunner(generator, grader).run(bench,
 *         new EvalRunner.Options(16, SamplingParams.reasoningDefaults(), 0, Path.of("runs/math500"), true));
 * EvalRunner.rescore(Path.of("runs/math500"), grader, null);   // grade saved generations again
 * }</pre>
 */
package io.srm4j.eval;
