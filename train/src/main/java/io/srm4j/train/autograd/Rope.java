package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;

/**
 * Rotary position embedding over rows laid out [batch·seq, heads·headDim]; row r sits at position {@code r % seqLen}.
 * Pairs are (i, i + ropeDims/2) in NEOX style (Qwen) or (2i, 2i+1) in normal style (Llama), as in the runtime.
 * A rotation's backward is the rotation by the opposite angle: {@code dx0 = dy0·cos + dy1·sin}, {@code dx1 = −dy0·sin + dy1·cos}.
 */
public final class Rope {
    private Rope() {}

    /** cos/sin per position and rotated pair, computed exactly as the runtime's Transformer does (no scaling). */
    public record Table(int positions, int ropeDims, float[] cos, float[] sin) {
        public static Table of(int positions, int ropeDims, float theta) {
            if (ropeDims <= 0 || ropeDims % 2 != 0) throw new IllegalArgumentException("rope dimensions must be even and positive: " + ropeDims);
            int pairs = ropeDims / 2;
            float[] scales = new float[pairs];
            // the runtime advances the frequency by repeated float multiplication, as ggml does
            float thetaScale = (float) Math.pow(theta, -2.0 / ropeDims);
            float t = 1f;
            for (int i = 0; i < pairs; i++) {
                scales[i] = t;
                t *= thetaScale;
            }
            float[] cos = new float[positions * pairs], sin = new float[positions * pairs];
            for (int p = 0; p < positions; p++) {
                for (int i = 0; i < pairs; i++) {
                    float angle = p * scales[i];
                    cos[p * pairs + i] = (float) Math.cos(angle);
                    sin[p * pairs + i] = (float) Math.sin(angle);
                }
            }
            return new Table(positions, ropeDims, cos, sin);
        }
    }

    public static Tensor apply(Tape tape, Tensor x, Table table, int heads, int headDim, int seqLen, boolean neox) {
        if (x.cols() != heads * headDim) throw new IllegalArgumentException("rows of " + x.cols() + " values, expected heads*headDim = " + heads * headDim);
        if (table.ropeDims() > headDim) throw new IllegalArgumentException("rope dimensions " + table.ropeDims() + " exceed the head dimension " + headDim);
        if (seqLen > table.positions()) throw new IllegalArgumentException("sequence of " + seqLen + " exceeds the rope table's " + table.positions() + " positions");
        if (x.rows() % seqLen != 0) throw new IllegalArgumentException(x.rows() + " rows are not a whole number of sequences of " + seqLen);
        Tensor y = Tensor.result(tape, x.requiresGrad(), x.shape());
        float[] xs = x.data(), ys = y.data();
        WorkerPool.shared().parallelFor(0, x.rows(), 64, (r0, r1) -> {
            System.arraycopy(xs, r0 * heads * headDim, ys, r0 * heads * headDim, (r1 - r0) * heads * headDim);
            rotateRows(ys, null, r0, r1, table, heads, headDim, seqLen, neox, 1f);
        });
        if (tape.records(y)) {
            tape.record(() -> {
                // the rotation back by the same angle, added into dx (unrotated dimensions pass straight through)
                float[] g = y.grad(), dx = x.grad();
                int rows = g.length / (heads * headDim);
                WorkerPool.shared().parallelFor(0, rows, 64, (r0, r1) -> rotateRows(dx, g, r0, r1, table, heads, headDim, seqLen, neox, -1f));
            });
        }
        return y;
    }

    /**
     * For rows [r0, r1): without a {@code source}, rotates each pair of {@code v} in place by +angle (direction 1)
     * or −angle (−1); with one, adds {@code source} rotated into {@code v} (the dimensions past ropeDims, which
     * rotate in neither style, added as they are).
     */
    private static void rotateRows(float[] v, float[] source, int r0, int r1, Table table, int heads, int headDim, int seqLen,
                                   boolean neox, float direction) {
        int nd = table.ropeDims(), pairs = nd / 2;
        float[] cosT = table.cos(), sinT = table.sin();
        for (int r = r0; r < r1; r++) {
            int pos = r % seqLen;
            for (int h = 0; h < heads; h++) {
                int off = (r * heads + h) * headDim;
                for (int i = 0; i < pairs; i++) {
                    float cos = cosT[pos * pairs + i], sin = direction * sinT[pos * pairs + i];
                    int i0 = neox ? off + i : off + 2 * i;
                    int i1 = neox ? off + i + pairs : i0 + 1;
                    if (source == null) {
                        float x0 = v[i0], x1 = v[i1];
                        v[i0] = x0 * cos - x1 * sin;
                        v[i1] = x0 * sin + x1 * cos;
                    } else {
                        float x0 = source[i0], x1 = source[i1];
                        v[i0] += x0 * cos - x1 * sin;
                        v[i1] += x0 * sin + x1 * cos;
                    }
                }
                if (source != null) for (int i = off + nd; i < off + headDim; i++) v[i] += source[i];
            }
        }
    }
}
