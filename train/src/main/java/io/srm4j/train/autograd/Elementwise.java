package io.srm4j.train.autograd;

import java.util.Arrays;

/**
 * Same-shape elementwise ops: the residual add, the SwiGLU product (fused, or as SiLU and a product), on the Vector
 * API and spread over the worker pool in chunks (see {@link VectorMath}).
 */
public final class Elementwise {
    private Elementwise() {}

    /** {@code a + b}; backward passes dy to both. */
    public static Tensor add(Tape tape, Tensor a, Tensor b) {
        sameShape(a, b);
        Tensor y = Tensor.result(tape, a.requiresGrad() || b.requiresGrad(), a.shape());
        float[] as = a.data(), bs = b.data(), ys = y.data();
        VectorMath.forRange(ys.length, (from, to) -> VectorMath.add(as, bs, ys, from, to));
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad();
                float[] da = a.requiresGrad() ? a.grad() : null, db = b.requiresGrad() ? b.grad() : null;
                VectorMath.forRange(dy.length, (from, to) -> {
                    if (da != null) VectorMath.addProduct(da, dy, null, from, to);
                    if (db != null) VectorMath.addProduct(db, dy, null, from, to);
                });
            });
        }
        return y;
    }

    /** {@code a ⊙ b}; backward {@code da += dy⊙b}, {@code db += dy⊙a}. */
    public static Tensor mul(Tape tape, Tensor a, Tensor b) {
        sameShape(a, b);
        Tensor y = Tensor.result(tape, a.requiresGrad() || b.requiresGrad(), a.shape());
        float[] as = a.data(), bs = b.data(), ys = y.data();
        VectorMath.forRange(ys.length, (from, to) -> VectorMath.mul(as, bs, ys, from, to));
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad();
                float[] da = a.requiresGrad() ? a.grad() : null, db = b.requiresGrad() ? b.grad() : null;
                VectorMath.forRange(dy.length, (from, to) -> {
                    if (da != null) VectorMath.addProduct(da, dy, bs, from, to);
                    if (db != null) VectorMath.addProduct(db, dy, as, from, to);
                });
            });
        }
        return y;
    }

    /**
     * {@code silu(x) = x·σ(x)}, computed as {@code x / (1 + exp(-x))} like the runtime.
     * Backward: {@code dx += dy · σ(x)·(1 + x·(1 − σ(x)))}.
     */
    public static Tensor silu(Tape tape, Tensor x) {
        Tensor y = Tensor.result(tape, x.requiresGrad(), x.shape());
        float[] xs = x.data(), ys = y.data();
        VectorMath.forRange(ys.length, (from, to) -> VectorMath.swiglu(xs, null, ys, from, to));
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad(), dx = x.grad();
                VectorMath.forRange(dy.length, (from, to) -> VectorMath.swigluBackward(xs, null, dy, dx, null, from, to));
            });
        }
        return y;
    }

    /**
     * The feed-forward gate in one pass: {@code silu(gate) ⊙ up}, without materialising silu(gate).
     * Backward: {@code dgate += dy·up·σ·(1 + gate·(1 − σ))}, {@code dup += dy·silu(gate)}.
     */
    public static Tensor swiglu(Tape tape, Tensor gate, Tensor up) {
        sameShape(gate, up);
        Tensor y = Tensor.result(tape, gate.requiresGrad() || up.requiresGrad(), gate.shape());
        float[] gs = gate.data(), us = up.data(), ys = y.data();
        VectorMath.forRange(ys.length, (from, to) -> VectorMath.swiglu(gs, us, ys, from, to));
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad();
                float[] dg = gate.requiresGrad() ? gate.grad() : null, du = up.requiresGrad() ? up.grad() : null;
                VectorMath.forRange(dy.length, (from, to) -> VectorMath.swigluBackward(gs, us, dy, dg, du, from, to));
            });
        }
        return y;
    }

    private static void sameShape(Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("shapes differ: " + Arrays.toString(a.shape()) + " vs " + Arrays.toString(b.shape()));
        }
    }
}
