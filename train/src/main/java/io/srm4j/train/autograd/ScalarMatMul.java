package io.srm4j.train.autograd;

/** The plain reference for {@link MatMulKernel}: one float dot product per output, summed in index order. */
public final class ScalarMatMul implements MatMulKernel {
    public static final ScalarMatMul INSTANCE = new ScalarMatMul();

    @Override
    public void multiply(View a, View b, float[] c, int cOffset, int ldc, int m, int k, int n, boolean accumulate) {
        MatMulKernel.checkViews(a, b, c, cOffset, ldc, m, k, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) s += a.get(i, p) * b.get(p, j);
                int o = cOffset + i * ldc + j;
                c[o] = accumulate ? c[o] + s : s;
            }
        }
    }
}
