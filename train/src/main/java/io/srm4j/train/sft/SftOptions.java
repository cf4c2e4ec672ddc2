package io.srm4j.train.sft;

import io.srm4j.train.optim.AdamW;

/**
 * How to fine-tune: the row length, how many rows make one optimiser step, how long to train (a number of steps,
 * or of epochs when {@code steps} is 0), the warm-up + cosine learning-rate schedule, the data-order seed, and how
 * often to checkpoint and evaluate.
 *
 * @param seqLen      tokens per packed training row (at most the model's context)
 * @param rowsPerStep rows per optimiser step, each a micro-batch whose gradients accumulate
 * @param evalEvery   evaluate on the eval set every so many steps (0: only at the end)
 * @param clipNorm    maximum global gradient norm ({@code Double.POSITIVE_INFINITY} for none)
 */
public record SftOptions(int seqLen, int rowsPerStep, int steps, int epochs, float learningRate, float minLearningRate,
                         int warmup, long seed, int saveEvery, int evalEvery, double clipNorm, AdamW.Settings adamw) {
    public SftOptions {
        if (seqLen < 2) throw new IllegalArgumentException("sequence length must be at least 2, got " + seqLen);
        if (rowsPerStep < 1) throw new IllegalArgumentException("rows per step must be positive, got " + rowsPerStep);
        if (steps < 0 || epochs < 0 || (steps == 0) == (epochs == 0)) {
            throw new IllegalArgumentException("give either a number of steps or of epochs (exactly one positive), got steps " + steps + ", epochs " + epochs);
        }
        if (!(learningRate > 0) || !(minLearningRate >= 0) || minLearningRate > learningRate) {
            throw new IllegalArgumentException("need 0 <= min learning rate <= learning rate, learning rate > 0");
        }
        if (warmup < 0) throw new IllegalArgumentException("warm-up steps must not be negative");
        if (saveEvery < 1) throw new IllegalArgumentException("save-every must be positive");
        if (evalEvery < 0) throw new IllegalArgumentException("eval-every must not be negative");
        if (!(clipNorm > 0)) throw new IllegalArgumentException("clip norm must be positive");
    }

    /** Sensible small-model defaults: lr 3e-4 decaying to 3e-5, 10 warm-up steps, clip 1.0, AdamW defaults. */
    public static SftOptions defaults(int seqLen, int rowsPerStep, int steps) {
        return new SftOptions(seqLen, rowsPerStep, steps, 0, 3e-4f, 3e-5f, 10, 0, 100, 0, 1.0, AdamW.Settings.defaults());
    }

    public SftOptions withSteps(int steps) {
        return new SftOptions(seqLen, rowsPerStep, steps, 0, learningRate, minLearningRate, warmup, seed, saveEvery, evalEvery, clipNorm, adamw);
    }

    public SftOptions withEpochs(int epochs) {
        return new SftOptions(seqLen, rowsPerStep, 0, epochs, learningRate, minLearningRate, warmup, seed, saveEvery, evalEvery, clipNorm, adamw);
    }

    public SftOptions withLearningRate(float peak, float min, int warmup) {
        return new SftOptions(seqLen, rowsPerStep, steps, epochs, peak, min, warmup, seed, saveEvery, evalEvery, clipNorm, adamw);
    }

    public SftOptions withSeed(long seed) {
        return new SftOptions(seqLen, rowsPerStep, steps, epochs, learningRate, minLearningRate, warmup, seed, saveEvery, evalEvery, clipNorm, adamw);
    }

    public SftOptions withSaveEvery(int saveEvery, int evalEvery) {
        return new SftOptions(seqLen, rowsPerStep, steps, epochs, learningRate, minLearningRate, warmup, seed, saveEvery, evalEvery, clipNorm, adamw);
    }

    /** Everything a resumed run must share with the run that wrote the checkpoint, as one comparable line. */
    String signature() {
        return "seq_len=" + seqLen + " rows_per_step=" + rowsPerStep + " steps=" + steps + " epochs=" + epochs
                + " lr=" + learningRate + " min_lr=" + minLearningRate + " warmup=" + warmup + " seed=" + seed
                + " clip=" + clipNorm + " adamw=" + adamw.beta1() + "/" + adamw.beta2() + "/" + adamw.eps() + "/" + adamw.weightDecay();
    }
}
