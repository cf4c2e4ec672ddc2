package io.srm4j.train.lab;

import io.srm4j.runtime.gguf.GgufWriter;
import io.srm4j.train.export.GgufExport;
import io.srm4j.train.model.TokenBatch;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.optim.Checkpoint;
import io.srm4j.train.optim.LearningRateSchedule;
import io.srm4j.train.optim.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains one lab model (direct-answer or chain-of-thought) from scratch and exports it as a GGUF. A checkpoint is
 * saved every {@link LabConfig#checkpointEvery()} steps; a run that finds one continues from it and, because every
 * step's batch is derived from the step number, ends with exactly the parameters of an uninterrupted run.
 */
public final class LabTraining {
    /** GGUF metadata naming the lab run a model came from, so the demo can rebuild its held-out problems. */
    public static final String TASK_KEY = "srm4j.lab.task", SEED_KEY = "srm4j.lab.seed", MODE_KEY = "srm4j.lab.mode",
            HELD_OUT_KEY = "srm4j.lab.held_out", COMMAND_KEY = "srm4j.lab.command";

    public enum Mode {
        DIRECT, COT;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private LabTraining() {}

    /**
     * Trains (or finishes training) the model of {@code mode} in {@code dir} and returns the exported GGUF;
     * returns the existing export at once when training already completed.
     */
    public static Path train(LabConfig config, Mode mode, LabData data, LabTokenizer tokenizer, Path dir, String command,
                             PrintStream log) throws IOException {
        return train(config, mode, data, tokenizer, dir, command, log, Integer.MAX_VALUE);
    }

    /** As above, but stops (returning null, as a killed run would leave things) once {@code stopAfter} steps are done. */
    static Path train(LabConfig config, Mode mode, LabData data, LabTokenizer tokenizer, Path dir, String command,
                      PrintStream log, int stopAfter) throws IOException {
        Files.createDirectories(dir);
        Path exported = dir.resolve("model.gguf"), checkpoint = dir.resolve("checkpoint.gguf");
        if (Files.exists(exported)) {
            log.printf("[%s] already trained: %s%n", mode.label(), exported);
            return exported;
        }
        TransformerModel model = TransformerModel.create(config.model(tokenizer.vocabSize()), config.seed());
        AdamW optimizer = new AdamW(model.parameters(), new AdamW.Settings(0.9f, 0.95f, 1e-8f, 0.1f));
        var schedule = LearningRateSchedule.warmupCosine(config.learningRate(), config.learningRate() / 10, config.warmup(), config.steps());
        Trainer<TokenBatch> trainer = new Trainer<>(model, model::loss, optimizer, schedule, 1.0);
        int start = 0;
        if (Files.exists(checkpoint)) {
            start = Checkpoint.restore(model, optimizer, checkpoint);
            log.printf("[%s] resuming from step %d (%s)%n", mode.label(), start, checkpoint);
        }
        log.printf("[%s] %,d parameters, %d steps of %d × %d tokens%n", mode.label(), model.parameterCount(),
                config.steps(), config.batch(), config.seqLen());
        long t0 = System.nanoTime();
        double recentLoss = Double.NaN;
        int reportEvery = Math.max(1, config.steps() / 25);
        for (int step = start; step < config.steps(); step++) {
            TokenBatch batch = data.batch(step, mode == Mode.COT, config.batch(), config.seqLen());
            Trainer.StepResult r = trainer.step(List.of(batch));
            recentLoss = Double.isNaN(recentLoss) ? r.loss() : 0.9 * recentLoss + 0.1 * r.loss();
            boolean last = step + 1 == config.steps();
            if ((step + 1) % config.checkpointEvery() == 0 || last) Checkpoint.save(model, optimizer, checkpoint);
            if (step + 1 == stopAfter && !last) return null;
            if ((step + 1) % reportEvery == 0 || last) {
                double secs = (System.nanoTime() - t0) / 1e9;
                int done = step + 1 - start;
                double tokensPerSecond = (double) done * config.batch() * config.seqLen() / secs;
                double eta = secs / done * (config.steps() - step - 1);
                log.printf("[%s] step %d/%d loss %.4f lr %.2e %.0f tok/s ETA %s%n", mode.label(), step + 1,
                        config.steps(), recentLoss, r.learningRate(), tokensPerSecond, duration(eta));
            }
        }
        GgufWriter w = GgufExport.writer(model, tokenizer.vocabulary(), "srm4j-lab-" + config.task() + "-" + mode.label());
        tokenizer.addTokenizerSettings(w)
                .putString(TASK_KEY, config.task())
                .putString(SEED_KEY, Long.toString(config.seed()))
                .putString(MODE_KEY, mode.label())
                .putUInt32(HELD_OUT_KEY, config.heldOut())
                .putString(COMMAND_KEY, command)
                .write(exported);
        log.printf("[%s] exported %s%n", mode.label(), exported);
        return exported;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + "m" + String.format("%02d", s % 60) + "s" : s + "s";
    }
}
