package io.srm4j.train.optim;

import io.srm4j.train.autograd.BufferPool;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.autograd.Tensor;
import io.srm4j.train.model.Module;

import java.util.List;

/**
 * The optimisation loop, separate from any model and any objective: for one optimiser step it runs the objective on
 * each micro-batch, back-propagates each loss scaled by 1/micro-batches (so gradients accumulate to those of the
 * mean), clips by global norm, and lets AdamW update with the scheduled learning rate. SFT, GRPO and LoRA differ only
 * in the objective and in which parameters the module exposes.
 *
 * <p>Each micro-batch runs on a {@link Tape} over the trainer's {@link BufferPool}, released after its backward pass:
 * tensors the objective creates (activations, logits) must not be kept past its return, only the parameters.
 *
 * @param <B> a micro-batch
 */
public final class Trainer<B> {
    /** The scalar loss of one micro-batch, recorded on {@code tape}. */
    @FunctionalInterface
    public interface Objective<B> {
        Tensor loss(Tape tape, B microBatch);
    }

    /** What one optimiser step did. */
    public record StepResult(int step, double loss, double gradNorm, float learningRate) {}

    private final Module module;
    private final Objective<B> objective;
    private final AdamW optimizer;
    private final LearningRateSchedule schedule;
    private final double clipNorm;
    private final BufferPool buffers = new BufferPool();

    /** @param clipNorm maximum global gradient norm, or {@code Double.POSITIVE_INFINITY} for none */
    public Trainer(Module module, Objective<B> objective, AdamW optimizer, LearningRateSchedule schedule, double clipNorm) {
        if (!(clipNorm > 0)) throw new IllegalArgumentException("clip norm must be positive (infinite for none), got " + clipNorm);
        this.module = module;
        this.objective = objective;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.clipNorm = clipNorm;
    }

    /** Accumulates gradients over {@code microBatches} and applies one update. */
    public StepResult step(List<B> microBatches) {
        if (microBatches.isEmpty()) throw new IllegalArgumentException("a step needs at least one micro-batch");
        module.zeroGrad();
        double loss = accumulate(microBatches);
        if (!Double.isFinite(loss)) throw new IllegalStateException("loss is " + loss + " at step " + optimizer.stepCount() + ": training diverged");
        double norm = Double.isInfinite(clipNorm) ? GradientClipping.globalNorm(module.parameters())
                : GradientClipping.clip(module.parameters(), clipNorm);
        int step = optimizer.stepCount();
        float lr = schedule.at(step);
        optimizer.step(lr);
        return new StepResult(step, loss, norm, lr);
    }

    /** Forward and backward over the micro-batches without updating; returns the mean loss. */
    public double accumulate(List<B> microBatches) {
        double loss = 0;
        float seed = 1f / microBatches.size();
        for (B mb : microBatches) {
            Tape tape = new Tape(buffers);
            Tensor l = objective.loss(tape, mb);
            tape.backward(l, seed);
            loss += l.item() * (double) seed;
            tape.release(); // the step's activations and gradients go back to the pool for the next micro-batch
        }
        return loss;
    }

    public AdamW optimizer() {
        return optimizer;
    }
}
