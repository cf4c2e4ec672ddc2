package io.srm4j.train.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.train.autograd.Elementwise;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.autograd.Tensor;
import io.srm4j.train.data.DataException;
import io.srm4j.train.data.PackedRow;
import io.srm4j.train.data.PackedStream;
import io.srm4j.train.data.Packer;
import io.srm4j.train.data.SftDataset;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.optim.Checkpoint;
import io.srm4j.train.optim.LearningRateSchedule;
import io.srm4j.train.optim.Trainer;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Supervised fine-tuning on packed chat examples, with checkpoints that resume exactly.
 *
 * <p>Each optimiser step takes the next {@link SftOptions#rowsPerStep()} rows of the {@link PackedStream} as
 * micro-batches; each row's loss is weighted by its share of the step's trained tokens, so the step minimises the
 * mean loss per trained token whatever the packing. The checkpoint ({@code checkpoint.gguf} in the run folder)
 * holds the weights, AdamW's moments and step (which is also the schedule's step), the stream position, and the
 * settings and data fingerprint a resumed run must match; it is written to a temporary file and renamed. The data
 * order depends only on (seed, epoch), so restoring all that and going on gives the same losses and bit-identical
 * weights as never stopping. {@code loss.jsonl} logs every step (and eval); a resumed run first drops the lines
 * after its checkpoint, so none is duplicated.
 */
public final class SftTrainer {
    public static final String CHECKPOINT = "checkpoint.gguf", LOSS_LOG = "loss.jsonl";
    static final String KEY = "srm4j.sft.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one step did, with throughput measured over this process's steps. */
    public record StepReport(int step, int totalSteps, double loss, double gradNorm, float learningRate, int tokens,
                             int trainedTokens, double tokensPerSecond, double etaSeconds, PackedStream.Position position) {}

    /** Progress callbacks; every method has a no-op default. */
    public interface Listener {
        default void onStep(StepReport r) {}

        default void onEval(int step, double loss) {}

        default void onResume(int step, int totalSteps) {}

        default void onCheckpoint(int step, Path file) {}
    }

    /** How a run ended: steps completed in all (across resumes), the last train/eval losses (NaN if none). */
    public record Result(int steps, int totalSteps, int resumedFrom, double lastLoss, double evalLoss) {
        public boolean finished() {
            return steps >= totalSteps;
        }
    }

    private final TransformerModel model;
    private final SftDataset train;
    private final SftDataset eval;
    private final SftOptions options;
    private final int padId;
    private final PackedStream stream;
    private final AdamW optimizer;
    private final int totalSteps;
    private final long rowLimit; // rows the whole run may take (epochs mode), else unbounded

    /**
     * @param eval  examples to measure held-out loss on, or null
     * @param padId the token filling the end of rows (never trained on, never attended to by examples)
     */
    public SftTrainer(TransformerModel model, SftDataset train, SftDataset eval, SftOptions options, int padId) {
        if (options.seqLen() > model.config().context()) {
            throw new IllegalArgumentException("sequence length " + options.seqLen() + " exceeds the model's context of " + model.config().context());
        }
        if (padId < 0 || padId >= model.config().vocab()) throw new IllegalArgumentException("pad id " + padId + " is outside the vocabulary");
        checkVocab(train, model);
        if (eval != null) checkVocab(eval, model);
        this.model = model;
        this.train = train;
        this.eval = eval;
        this.options = options;
        this.padId = padId;
        this.stream = new PackedStream(train, options.seqLen(), options.seed(), padId);
        this.optimizer = new AdamW(model.parameters(), options.adamw());
        if (options.steps() > 0) {
            totalSteps = options.steps();
            rowLimit = Long.MAX_VALUE;
        } else {
            long rows = 0;
            for (int e = 0; e < options.epochs(); e++) rows += stream.epochRows(e).size();
            rowLimit = rows;
            totalSteps = (int) ((rows + options.rowsPerStep() - 1) / options.rowsPerStep());
        }
        if (options.warmup() >= totalSteps && options.warmup() > 0) {
            throw new IllegalArgumentException("warm-up of " + options.warmup() + " steps does not fit a run of " + totalSteps + " steps");
        }
    }

    private static void checkVocab(SftDataset d, TransformerModel m) {
        int vocab = m.config().vocab();
        for (var e : d.examples()) {
            for (int t : e.tokens()) {
                if (t < 0 || t >= vocab) throw new DataException("token id " + t + " is outside the model's vocabulary of " + vocab + " (wrong tokenizer?)");
            }
        }
    }

    public int totalSteps() {
        return totalSteps;
    }

    public TransformerModel model() {
        return model;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /** Runs (or resumes) to the end. */
    public Result run(Path dir, Listener listener) throws IOException {
        return run(dir, listener, Integer.MAX_VALUE);
    }

    /**
     * Runs at most {@code maxSteps} steps in this call, resuming from {@code dir}'s checkpoint when there is one, and
     * checkpoints where it stops (and every {@link SftOptions#saveEvery()} steps).
     */
    public Result run(Path dir, Listener listener, int maxSteps) throws IOException {
        Files.createDirectories(dir);
        Path ckpt = dir.resolve(CHECKPOINT), log = dir.resolve(LOSS_LOG);
        int start = 0;
        if (Files.exists(ckpt)) {
            start = restore(ckpt);
            keepLogThrough(log, start);
            listener.onResume(start, totalSteps);
        } else {
            Files.deleteIfExists(log);
        }
        LearningRateSchedule schedule = options.warmup() == 0 && totalSteps == 1
                ? LearningRateSchedule.constant(options.learningRate())
                : LearningRateSchedule.warmupCosine(options.learningRate(), options.minLearningRate(), options.warmup(), totalSteps);
        Trainer<Weighted> trainer = new Trainer<>(model, this::weightedLoss, optimizer, schedule, options.clipNorm());
        double lastLoss = Double.NaN, evalLoss = Double.NaN;
        long t0 = System.nanoTime(), tokensDone = 0;
        int step = start, end = (int) Math.min(totalSteps, (long) start + maxSteps);
        try (Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (step < end) {
                long consumed = (long) step * options.rowsPerStep();
                int take = (int) Math.min(options.rowsPerStep(), rowLimit - consumed);
                List<PackedRow> rows = stream.next(take);
                int trained = 0, tokens = 0;
                for (PackedRow r : rows) {
                    trained += r.targetCount();
                    tokens += r.realTokens();
                }
                List<Weighted> batch = new ArrayList<>(rows.size());
                for (PackedRow r : rows) batch.add(new Weighted(r, (float) ((double) rows.size() * r.targetCount() / trained)));
                Trainer.StepResult res = trainer.step(batch);
                step++;
                lastLoss = res.loss();
                tokensDone += tokens;
                double secs = (System.nanoTime() - t0) / 1e9;
                double eta = secs / (step - start) * (totalSteps - step);
                ObjectNode line = JSON.createObjectNode().put("step", step).put("loss", res.loss()).put("lr", res.learningRate())
                        .put("grad_norm", res.gradNorm()).put("tokens", tokens).put("trained_tokens", trained)
                        .put("epoch", stream.position().epoch()).put("tokens_per_s", tokensDone / secs);
                out.write(JSON.writeValueAsString(line) + "\n");
                out.flush();
                listener.onStep(new StepReport(step, totalSteps, res.loss(), res.gradNorm(), res.learningRate(), tokens, trained,
                        tokensDone / secs, eta, stream.position()));
                boolean last = step == totalSteps;
                if (eval != null && (last || (options.evalEvery() > 0 && step % options.evalEvery() == 0))) {
                    evalLoss = evalLoss(eval);
                    out.write(JSON.writeValueAsString(JSON.createObjectNode().put("step", step).put("eval_loss", evalLoss)) + "\n");
                    out.flush();
                    listener.onEval(step, evalLoss);
                }
                if (last || step == end || step % options.saveEvery() == 0) {
                    save(ckpt);
                    listener.onCheckpoint(step, ckpt);
                }
            }
        }
        return new Result(step, totalSteps, start, lastLoss, evalLoss);
    }

    /** A row with its weight in the step's mean (its share of trained tokens × rows). */
    private record Weighted(PackedRow row, float weight) {}

    private Tensor weightedLoss(Tape tape, Weighted w) {
        PackedRow r = w.row();
        Tensor loss = model.loss(tape, r.tokens(), r.positions(), r.targets(), 1, r.length());
        return Elementwise.mul(tape, loss, Tensor.constant(new float[]{w.weight()}, 1));
    }

    /** Mean loss per trained token over {@code data}, packed in file order (no gradients). */
    public double evalLoss(SftDataset data) {
        double sum = 0;
        long count = 0;
        for (PackedRow r : Packer.pack(data.examples(), options.seqLen(), padId)) {
            int n = r.targetCount();
            sum += (double) model.loss(Tape.NO_GRAD, r.tokens(), r.positions(), r.targets(), 1, r.length()).item() * n;
            count += n;
        }
        return sum / count;
    }

    private void save(Path ckpt) throws IOException {
        PackedStream.Position p = stream.position();
        Checkpoint.save(model, optimizer, ckpt, Map.of(
                KEY + "settings", options.signature(),
                KEY + "data", Long.toHexString(train.fingerprint()),
                KEY + "epoch", Integer.toString(p.epoch()),
                KEY + "row", Integer.toString(p.row())));
    }

    private int restore(Path ckpt) throws IOException {
        PackedStream.Position p;
        try (GgufFile f = GgufFile.open(ckpt)) {
            var md = f.metadata();
            String settings = md.getString(KEY + "settings").orElseThrow(() -> new DataException(ckpt + " is not an SFT checkpoint"));
            if (!settings.equals(options.signature())) {
                throw new DataException(ckpt + " was written with other settings (" + settings + "), now " + options.signature()
                        + ": resume with the same settings or use another output folder");
            }
            String data = md.getString(KEY + "data").orElse("");
            if (!data.equals(Long.toHexString(train.fingerprint()))) {
                throw new DataException(ckpt + " was written for other training data (or another tokenizer/template): resume with the same data or use another output folder");
            }
            p = new PackedStream.Position(Integer.parseInt(md.requireString(KEY + "epoch")), Integer.parseInt(md.requireString(KEY + "row")));
        }
        int step = Checkpoint.restore(model, optimizer, ckpt);
        stream.seek(p);
        return step;
    }

    /** Keeps the log lines of steps up to {@code step} (a killed run may have logged steps after its checkpoint). */
    private static void keepLogThrough(Path log, int step) throws IOException {
        if (!Files.exists(log)) return;
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue; // a line cut short by the kill
            }
            if (n != null && n.has("step") && n.get("step").asInt() <= step) keep.add(line);
        }
        Path tmp = log.resolveSibling(log.getFileName() + ".tmp");
        Files.write(tmp, keep, StandardCharsets.UTF_8);
        Files.move(tmp, log, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
