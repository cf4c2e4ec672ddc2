package io.srm4j.train.autograd;

/** The plain reference for {@link MatMulKernel}: one float dot product per output, summed in index order. */
public final class ScalarMatMul implements MatMulKernel {
    public static final ScalarMatMul INSTANCE = new ScalarMatMul();

    @Override
    public void multiplyTransposed(float[] a, float[] b, float[] c, int m, int k, int n, boolean accumulate) {
        MatMulKernel.checkSizes(a, b, c, m, k, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
                c[i * n + j] = accumulate ? c[i * n + j] + s : s;
            }
        }
    }
}
