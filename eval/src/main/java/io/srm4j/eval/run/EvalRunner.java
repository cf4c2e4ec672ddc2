package io.srm4j.eval.run;

import io.srm4j.eval.bench.Benchmark;
import io.srm4j.eval.bench.Problem;
import io.srm4j.eval.generation.Completion;
import io.srm4j.eval.generation.GenerationRequest;
import io.srm4j.eval.generation.Generator;
import io.srm4j.eval.generation.SamplingParams;
import io.srm4j.eval.grading.AnswerGrader;
import io.srm4j.eval.grading.GradeResult;
import io.srm4j.eval.metrics.EvalMetrics;
import io.srm4j.eval.metrics.ProblemOutcome;
import io.srm4j.eval.metrics.ScoredSample;
import io.srm4j.eval.report.ReportWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs a benchmark: N samples for each of the first K problems, every sample journaled as it completes
 * ({@link Journal}), then graded, measured and reported into the run directory.
 *
 * <p>Run directory layout: {@code config.json} (what is generated), {@code generations.jsonl} (the journal),
 * and after scoring {@code results.json}, {@code samples.jsonl}, {@code report.html} and its PNG plots.
 * Running again on the same directory resumes: only samples missing from the journal are generated. A directory
 * whose configuration differs is refused.
 */
public final class EvalRunner {
    public static final String JOURNAL = "generations.jsonl";

    /**
     * @param samples  N, samples per problem
     * @param limit    K, evaluate only the first K problems ({@code <= 0}: all)
     * @param outDir   the run directory
     * @param progress draw a progress bar on stderr
     */
    public record Options(int samples, SamplingParams params, int limit, Path outDir, boolean progress) {
        public Options {
            if (samples <= 0) throw new IllegalArgumentException("samples must be > 0, got " + samples);
            Objects.requireNonNull(params, "params");
            Objects.requireNonNull(outDir, "outDir");
        }
    }

    /** What a run or rescore produced. */
    public record RunResult(Path outDir, RunConfig config, EvalMetrics metrics, List<ProblemOutcome> outcomes,
                            int generatedNow, int foundInJournal) {}

    private final Generator generator;
    private final AnswerGrader grader;
    private final PrintStream log;

    public EvalRunner(Generator generator, AnswerGrader grader) {
        this(generator, grader, System.err);
    }

    public EvalRunner(Generator generator, AnswerGrader grader, PrintStream log) {
        this.generator = Objects.requireNonNull(generator, "generator");
        this.grader = Objects.requireNonNull(grader, "grader");
        this.log = Objects.requireNonNull(log, "log");
    }

    public RunResult run(Benchmark benchmark, Options options) throws IOException {
        List<Problem> all = benchmark.load();
        int limit = options.limit() <= 0 ? all.size() : Math.min(options.limit(), all.size());
        List<Problem> problems = all.subList(0, limit);
        RunConfig config = RunConfig.of(benchmark, all.size(), options.samples(), options.params(), limit,
                generator.describe());
        Path dir = options.outDir();
        Path configFile = dir.resolve(RunConfig.FILE);
        if (Files.exists(configFile)) {
            RunConfig existing = RunConfig.read(dir);
            List<String> differences = config.differencesFrom(existing);
            if (!differences.isEmpty()) {
                throw new IllegalStateException("refusing to resume " + dir + ": its configuration differs from this run's:\n  "
                        + String.join("\n  ", differences) + "\nUse a new output directory, or the same settings to resume.");
            }
        } else {
            if (Files.exists(dir.resolve(JOURNAL))) {
                throw new IllegalStateException(dir + " holds " + JOURNAL + " but no " + RunConfig.FILE
                        + ": cannot tell what produced it; use a new output directory");
            }
            config.write(dir);
        }

        int generatedNow = 0;
        int found;
        try (Journal journal = Journal.open(dir.resolve(JOURNAL))) {
            if (journal.tornBytesDropped() > 0) {
                log.println("journal: dropped a torn last line (" + journal.tornBytesDropped()
                        + " bytes) left by an interrupted write; that sample is generated again");
            }
            checkJournalFits(journal, problems, options.samples());
            found = journal.size();
            int total = problems.size() * options.samples();
            Progress progress = options.progress()
                    ? Progress.onStderr(benchmark.name(), total, found) : null;
            if (progress != null) progress.start();
            for (Problem problem : problems) {
                generatedNow += generateMissing(problem, config, journal, progress);
            }
            if (progress != null) progress.finish();
            return score(dir, config, problems, journal, grader, generatedNow, found);
        }
    }

    private int generateMissing(Problem problem, RunConfig config, Journal journal, Progress progress) throws IOException {
        List<Integer> missing = new ArrayList<>();
        for (int s = 0; s < config.samples(); s++) if (!journal.contains(problem.index(), s)) missing.add(s);
        if (missing.isEmpty()) return 0;
        List<Long> seeds = new ArrayList<>(missing.size());
        for (int s : missing) seeds.add(RunConfig.sampleSeed(config.params().seed(), problem.index(), s));
        GenerationRequest request = new GenerationRequest(problem.prompt(), config.params(), seeds);
        int[] delivered = {0};
        Object lock = new Object(); // backends may deliver from their own threads
        generator.generate(request, (index, completion) -> {
            synchronized (lock) {
                deliver(problem, missing, seeds, index, completion, journal, progress);
                delivered[0]++;
            }
        });
        if (delivered[0] != missing.size()) {
            throw new IllegalStateException(generator.describe() + " returned " + delivered[0] + " of the "
                    + missing.size() + " samples asked for problem " + problem.id());
        }
        return missing.size();
    }

    private void deliver(Problem problem, List<Integer> missing, List<Long> seeds, int index, Completion completion,
                         Journal journal, Progress progress) throws IOException {
        if (index < 0 || index >= missing.size()) {
            throw new IllegalStateException(generator.describe() + " delivered sample index " + index
                    + " for a request of " + missing.size());
        }
        Objects.requireNonNull(completion, "generator delivered a null completion");
        int sample = missing.get(index);
        journal.append(new JournalEntry(problem.index(), problem.id(), sample, seeds.get(index), completion));
        if (progress != null) progress.advance(completion.generatedTokens());
    }

    private static void checkJournalFits(Journal journal, List<Problem> problems, int samples) throws IOException {
        for (JournalEntry e : journal.entries()) {
            if (e.problem() < 0 || e.problem() >= problems.size() || e.sample() < 0 || e.sample() >= samples) {
                throw new IOException(journal.file() + " holds problem " + e.problem() + " sample " + e.sample()
                        + ", outside this run's " + problems.size() + " problems x " + samples + " samples");
            }
            Problem p = problems.get(e.problem());
            if (!p.id().equals(e.problemId())) {
                throw new IOException(journal.file() + ": problem " + e.problem() + " is '" + e.problemId()
                        + "' in the journal but '" + p.id() + "' in the dataset");
            }
        }
    }

    /**
     * Grades the saved generations of a finished run again, without generating: for a new or fixed grader.
     * The dataset must be the one the run used (checked by sha256); pass {@code datasetOverride} if it moved.
     */
    public static RunResult rescore(Path runDir, AnswerGrader grader, Path datasetOverride) throws IOException {
        RunConfig config = RunConfig.read(runDir);
        Benchmark benchmark = config.toBenchmark(datasetOverride);
        if (!Files.isRegularFile(benchmark.dataset())) {
            throw new IOException("dataset of this run not found at " + benchmark.dataset() + "; pass its new location");
        }
        String sha = RunConfig.sha256(benchmark.dataset());
        if (!sha.equals(config.datasetSha256())) {
            throw new IOException(benchmark.dataset() + " is not the dataset this run used (sha256 " + sha
                    + ", run used " + config.datasetSha256() + ")");
        }
        List<Problem> problems = benchmark.load().subList(0, config.limit());
        Path journalFile = runDir.resolve(JOURNAL);
        if (!Files.isRegularFile(journalFile)) throw new IOException("no " + JOURNAL + " in " + runDir);
        try (Journal journal = Journal.open(journalFile)) {
            checkJournalFits(journal, problems, config.samples());
            int expected = problems.size() * config.samples();
            if (journal.size() != expected) {
                throw new IOException("run in " + runDir + " is incomplete: " + journal.size() + " of " + expected
                        + " generations; resume it before rescoring");
            }
            return score(runDir, config, problems, journal, grader, 0, journal.size());
        }
    }

    private static RunResult score(Path dir, RunConfig config, List<Problem> problems, Journal journal,
                                   AnswerGrader grader, int generatedNow, int found) throws IOException {
        List<ProblemOutcome> outcomes = new ArrayList<>(problems.size());
        for (Problem problem : problems) {
            List<ScoredSample> samples = new ArrayList<>(config.samples());
            for (int s = 0; s < config.samples(); s++) {
                JournalEntry e = journal.get(problem.index(), s);
                Completion c = e.completion();
                GradeResult grade = grader.grade(problem.gold(), c.answer(), config.benchmark().kind());
                samples.add(new ScoredSample(s, e.seed(), c, grade));
            }
            outcomes.add(EvalMetrics.outcome(problem, samples, grader, config.benchmark().kind()));
        }
        EvalMetrics metrics = EvalMetrics.compute(outcomes, config.params().seed());
        ReportWriter.write(dir, config, metrics, outcomes, grader.describe());
        return new RunResult(dir, config, metrics, outcomes, generatedNow, found);
    }
}
