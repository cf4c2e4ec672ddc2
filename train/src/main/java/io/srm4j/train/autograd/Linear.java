package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;

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

    private static final int TILE = 32;

    /** A [rows×cols] → Aᵀ [cols×rows], in cache-sized tiles, bands of rows spread over the worker pool. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[rows * cols];
        int bands = (rows + TILE - 1) / TILE;
        WorkerPool.shared().parallelFor(0, bands, (long) rows * cols < 65_536 ? bands : 1, (b0, b1) -> {
            for (int i0 = b0 * TILE; i0 < Math.min(rows, b1 * TILE); i0 += TILE) {
                int i1 = Math.min(rows, i0 + TILE);
                for (int j0 = 0; j0 < cols; j0 += TILE) {
                    int j1 = Math.min(cols, j0 + TILE);
                    for (int i = i0; i < i1; i++) {
                        for (int j = j0; j < j1; j++) t[j * rows + i] = a[i * cols + j];
                    }
                }
            }
        });
        return t;
    }
}
