package io.srm4j.runtime.tensor;

/**
 * Matrix products of weights with activations. {@code out[t][r] = dot(W[r], x[t])}.
 * Baseline: scalar, dequantising one row at a time.
 */
public final class MatMul {
    private MatMul() {}

    /** {@code out[outOffset + r] = W[r] · x[xOffset ..]} for every row r. */
    public static void matVec(Matrix w, float[] x, int xOffset, float[] out, int outOffset) {
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.dequantizeRow(r, row, 0);
            float s = 0;
            for (int c = 0; c < row.length; c++) s += row[c] * x[xOffset + c];
            out[outOffset + r] = s;
        }
    }

    /** For {@code n} activation vectors laid out {@code x[t * cols + c]}: {@code out[t * rows + r]}. */
    public static void matMul(Matrix w, float[] x, int n, float[] out) {
        for (int t = 0; t < n; t++) matVec(w, x, t * w.cols(), out, t * w.rows());
    }
}
