package io.srm4j.train.autograd;

/**
 * {@code y = x·Wᵀ} with W stored [out][in] as the runtime stores weight matrices.
 * Backward: {@code dx += dy·W} and {@code dW += dyᵀ·x}, the kernel reading the transposed operands in place.
 */
public final class Linear {
    private Linear() {}

    public static Tensor apply(Tape tape, Tensor x, Tensor w, MatMulKernel kernel) {
        if (w.rank() != 2) throw new IllegalArgumentException("weight must be a matrix, got " + w);
        int rows = x.rows(), in = x.cols(), out = w.dim(0);
        if (w.dim(1) != in) throw new IllegalArgumentException("x has rows of " + in + " but weight " + w + " expects " + w.dim(1));
        Tensor y = Tensor.result(tape, x.requiresGrad() || w.requiresGrad(), rows, out);
        kernel.multiplyTransposed(x.data(), w.data(), y.data(), rows, in, out, false);
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (x.requiresGrad()) kernel.multiplyPlain(dy, w.data(), x.grad(), rows, out, in, true);
                if (w.requiresGrad()) kernel.multiplyTransposedA(dy, x.data(), w.grad(), out, rows, in, true);
            });
        }
        return y;
    }
}
