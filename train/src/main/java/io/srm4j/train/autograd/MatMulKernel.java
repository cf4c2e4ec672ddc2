package io.srm4j.train.autograd;

/**
 * The one matrix product training needs: {@code C[m×n] (+)= A[m×k] · B[n×k]ᵀ}, all row-major. With weights stored
 * [out][in] as the runtime stores them, the forward pass is {@code y = x·Wᵀ}; the two backward products are the same
 * kernel on transposed copies ({@code dx = dy·(Wᵀ)ᵀ}, {@code dW = dyᵀ·(xᵀ)ᵀ}), so one fast kernel serves all three.
 */
public interface MatMulKernel {
    /**
     * @param accumulate add into {@code c} rather than overwrite it
     */
    void multiplyTransposed(float[] a, float[] b, float[] c, int m, int k, int n, boolean accumulate);

    /** The Vector API kernel, parallel over {@link io.srm4j.runtime.tensor.WorkerPool#shared()}. */
    static MatMulKernel defaultKernel() {
        return VectorMatMul.INSTANCE;
    }

    static void checkSizes(float[] a, float[] b, float[] c, int m, int k, int n) {
        if (m <= 0 || k <= 0 || n <= 0) throw new IllegalArgumentException("matmul sizes must be positive: m=" + m + " k=" + k + " n=" + n);
        if (a.length < (long) m * k) throw new IllegalArgumentException("A has " + a.length + " values, needs " + (long) m * k);
        if (b.length < (long) n * k) throw new IllegalArgumentException("B has " + b.length + " values, needs " + (long) n * k);
        if (c.length < (long) m * n) throw new IllegalArgumentException("C has " + c.length + " values, needs " + (long) m * n);
    }
}
