package io.srm4j.train.autograd;

/**
 * {@link Rope} with an explicit position per row, for packed sequences whose documents each restart at position 0
 * (so a document sees the same rotations packed as alone). Same table, pairing and backward as {@link Rope}.
 */
public final class PackedRope {
    private PackedRope() {}

    public static Tensor apply(Tape tape, Tensor x, Rope.Table table, int heads, int headDim, int[] positions, boolean neox) {
        if (x.cols() != heads * headDim) throw new IllegalArgumentException("rows of " + x.cols() + " values, expected heads*headDim = " + heads * headDim);
        if (table.ropeDims() > headDim) throw new IllegalArgumentException("rope dimensions " + table.ropeDims() + " exceed the head dimension " + headDim);
        if (positions.length != x.rows()) throw new IllegalArgumentException(positions.length + " positions for " + x.rows() + " rows");
        for (int p : positions) {
            if (p < 0 || p >= table.positions()) throw new IllegalArgumentException("position " + p + " is outside the rope table's 0.." + (table.positions() - 1));
        }
        int[] pos = positions.clone();
        Tensor y = Tensor.result(x.requiresGrad(), x.shape());
        System.arraycopy(x.data(), 0, y.data(), 0, x.size());
        rotate(y.data(), table, heads, headDim, pos, neox, 1f);
        if (tape.records(y)) {
            tape.record(() -> {
                float[] g = y.grad().clone();
                rotate(g, table, heads, headDim, pos, neox, -1f);
                float[] dx = x.grad();
                for (int i = 0; i < g.length; i++) dx[i] += g[i];
            });
        }
        return y;
    }

    private static void rotate(float[] v, Rope.Table table, int heads, int headDim, int[] positions, boolean neox, float direction) {
        int pairs = table.ropeDims() / 2;
        float[] cosT = table.cos(), sinT = table.sin();
        for (int r = 0; r < positions.length; r++) {
            int base = positions[r] * pairs;
            for (int h = 0; h < heads; h++) {
                int off = (r * heads + h) * headDim;
                for (int i = 0; i < pairs; i++) {
                    float cos = cosT[base + i], sin = direction * sinT[base + i];
                    int i0 = neox ? off + i : off + 2 * i;
                    int i1 = neox ? off + i + pairs : i0 + 1;
                    float x0 = v[i0], x1 = v[i1];
                    v[i0] = x0 * cos - x1 * sin;
                    v[i1] = x0 * sin + x1 * cos;
                }
            }
        }
    }
}
