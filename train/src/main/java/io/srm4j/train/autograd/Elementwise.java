package io.srm4j.train.autograd;

import java.util.Arrays;

/** Same-shape elementwise ops: the residual add, the SwiGLU product, and SiLU. */
public final class Elementwise {
    private Elementwise() {}

    /** {@code a + b}; backward passes dy to both. */
    public static Tensor add(Tape tape, Tensor a, Tensor b) {
        sameShape(a, b);
        Tensor y = Tensor.result(a.requiresGrad() || b.requiresGrad(), a.shape());
        float[] as = a.data(), bs = b.data(), ys = y.data();
        for (int i = 0; i < ys.length; i++) ys[i] = as[i] + bs[i];
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (a.requiresGrad()) addInto(a.grad(), dy);
                if (b.requiresGrad()) addInto(b.grad(), dy);
            });
        }
        return y;
    }

    /** {@code a ⊙ b}; backward {@code da += dy⊙b}, {@code db += dy⊙a}. */
    public static Tensor mul(Tape tape, Tensor a, Tensor b) {
        sameShape(a, b);
        Tensor y = Tensor.result(a.requiresGrad() || b.requiresGrad(), a.shape());
        float[] as = a.data(), bs = b.data(), ys = y.data();
        for (int i = 0; i < ys.length; i++) ys[i] = as[i] * bs[i];
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (a.requiresGrad()) {
                    float[] da = a.grad();
                    for (int i = 0; i < dy.length; i++) da[i] += dy[i] * bs[i];
                }
                if (b.requiresGrad()) {
                    float[] db = b.grad();
                    for (int i = 0; i < dy.length; i++) db[i] += dy[i] * as[i];
                }
            });
        }
        return y;
    }

    /**
     * {@code silu(x) = x·σ(x)}, computed as {@code x / (1 + exp(-x))} like the runtime.
     * Backward: {@code dx += dy · σ(x)·(1 + x·(1 − σ(x)))}.
     */
    public static Tensor silu(Tape tape, Tensor x) {
        Tensor y = Tensor.result(x.requiresGrad(), x.shape());
        float[] xs = x.data(), ys = y.data();
        for (int i = 0; i < ys.length; i++) ys[i] = xs[i] / (1.0f + (float) Math.exp(-xs[i]));
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad(), dx = x.grad();
                for (int i = 0; i < dy.length; i++) {
                    float sig = 1.0f / (1.0f + (float) Math.exp(-xs[i]));
                    dx[i] += dy[i] * sig * (1 + xs[i] * (1 - sig));
                }
            });
        }
        return y;
    }

    private static void addInto(float[] g, float[] dy) {
        for (int i = 0; i < dy.length; i++) g[i] += dy[i];
    }

    private static void sameShape(Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("shapes differ: " + Arrays.toString(a.shape()) + " vs " + Arrays.toString(b.shape()));
        }
    }
}
