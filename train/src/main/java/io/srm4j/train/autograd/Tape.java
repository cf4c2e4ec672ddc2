package io.srm4j.train.autograd;

import java.util.ArrayList;
import java.util.List;

/**
 * Records, during a forward pass, the backward step of every op whose output needs a gradient, and replays them in
 * reverse. A tape is used for one forward/backward pair and then cleared; {@link #NO_GRAD} records nothing (for
 * evaluation, sampling during GRPO rollouts, and the like).
 */
public final class Tape {
    /** A tape that records nothing: ops run forward only. */
    public static final Tape NO_GRAD = new Tape(false, null);

    private final boolean recording;
    private final List<Runnable> steps = new ArrayList<>();
    private final BufferPool pool; // null: arrays are plain allocations left to the collector
    private final List<float[]> taken = new ArrayList<>();
    private boolean released;

    public Tape() {
        this(true, null);
    }

    /**
     * A recording tape whose ops take their outputs', gradients' and saved arrays from {@code pool}; call
     * {@link #release()} once nothing computed under this tape is read any more.
     */
    public Tape(BufferPool pool) {
        this(true, pool);
    }

    private Tape(boolean recording, BufferPool pool) {
        this.recording = recording;
        this.pool = pool;
    }

    /** A zeroed array for a gradient or saved state: from the pool while this tape may use it. */
    float[] allocate(int n) {
        return allocate(n, true);
    }

    /**
     * An array whose contents are unspecified when it comes from the pool: only for an op that writes every element
     * before anything reads it (its output), which spares a pass over a few hundred MB per step.
     */
    float[] allocateOverwritten(int n) {
        return allocate(n, false);
    }

    private float[] allocate(int n, boolean zeroed) {
        if (pool == null || released) return new float[n];
        float[] a = zeroed ? pool.take(n) : pool.takeDirty(n);
        taken.add(a);
        return a;
    }

    /**
     * Gives every array taken under this tape back to its pool and drops unreplayed steps. Every tensor created
     * under this tape (activations, logits, their gradients) is invalid afterwards; parameters and inputs are not
     * affected. Without a pool it only clears the tape.
     */
    public void release() {
        if (pool != null && !released) for (float[] a : taken) pool.give(a);
        taken.clear();
        steps.clear();
        released = true;
    }

    /** Whether an op producing {@code out} must record its backward step. */
    boolean records(Tensor out) {
        return recording && out.requiresGrad();
    }

    void record(Runnable backward) {
        steps.add(backward);
    }

    public int size() {
        return steps.size();
    }

    /** Back-propagates from a scalar loss with seed gradient 1. */
    public void backward(Tensor loss) {
        backward(loss, 1f);
    }

    /**
     * Back-propagates from a scalar loss whose gradient is {@code seed} (for example 1/accumulationSteps), adding
     * into every leaf's gradient buffer, then clears the tape.
     */
    public void backward(Tensor loss, float seed) {
        if (!recording) throw new IllegalStateException("backward on the NO_GRAD tape");
        if (loss.size() != 1) throw new IllegalArgumentException("backward needs a scalar loss, got " + loss);
        if (!loss.requiresGrad()) throw new IllegalArgumentException("the loss does not depend on any tensor that needs a gradient");
        loss.grad()[0] += seed;
        for (int i = steps.size() - 1; i >= 0; i--) steps.get(i).run();
        steps.clear();
    }

    /** Drops recorded steps without running them. */
    public void clear() {
        steps.clear();
    }
}
