package io.srm4j.train.autograd;

/**
 * {@code y = x·Wᵀ} with W stored [out][in] as the runtime stores weight matrices.
 * Backward: {@code dx += dy·W} and {@code dW += dyᵀ·x}, both computed by the same A·Bᵀ kernel on transposed copies.
 */
public final class Linear {
    private Linear() {}

    public static Tensor apply(Tape tape, Tensor x, Tensor w, MatMulKernel kernel) {
        if (w.rank() != 2) throw new IllegalArgumentException("weight must be a matrix, got " + w);
        int rows = x.rows(), in = x.cols(), out = w.dim(0);
        if (w.dim(1) != in) throw new IllegalArgumentException("x has rows of " + in + " but weight " + w + " expects " + w.dim(1));
        Tensor y = Tensor.result(x.requiresGrad() || w.requiresGrad(), rows, out);
        kernel.multiplyTransposed(x.data(), w.data(), y.data(), rows, in, out, false);
        if (tape.records(y)) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (x.requiresGrad()) {
                    float[] wT = transpose(w.data(), out, in);
                    kernel.multiplyTransposed(dy, wT, x.grad(), rows, out, in, true);
                }
                if (w.requiresGrad()) {
                    float[] dyT = transpose(dy, rows, out);
                    float[] xT = transpose(x.data(), rows, in);
                    kernel.multiplyTransposed(dyT, xT, w.grad(), out, rows, in, true);
                }
            });
        }
        return y;
    }

    /** A [rows×cols] → Aᵀ [cols×rows], in cache-sized tiles. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[rows * cols];
        final int tile = 32;
        for (int i0 = 0; i0 < rows; i0 += tile) {
            int i1 = Math.min(rows, i0 + tile);
            for (int j0 = 0; j0 < cols; j0 += tile) {
                int j1 = Math.min(cols, j0 + tile);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) t[j * rows + i] = a[i * cols + j];
                }
            }
        }
        return t;
    }
}
