package io.srm4j.train.autograd;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The blocked, matrix-product attention held to its scalar twin: outputs and all three input gradients, on sequence
 * lengths that are below, at and across the query block (ragged last block), grouped and plain heads.
 */
class AttentionTwinTest {
    @ParameterizedTest
    @CsvSource({"1,5,2,1,8,8", "2,64,4,2,12,10", "2,150,4,2,16,16", "1,129,3,3,7,5"})
    void matchesTheScalarTwin(int batch, int seq, int heads, int kvHeads, int headDim, int valueDim) {
        Random rnd = new Random(seq * 31L + heads);
        var shape = new Attention.Shape(heads, kvHeads, headDim, valueDim);
        int rows = batch * seq;
        float[] qd = gaussian(rnd, rows * heads * headDim), kd = gaussian(rnd, rows * kvHeads * headDim), vd = gaussian(rnd, rows * kvHeads * valueDim);
        float[] upstream = gaussian(rnd, rows * heads * valueDim);
        float[][] fast = run(true, qd, kd, vd, upstream, shape, seq, heads, kvHeads, headDim, valueDim, rows);
        float[][] ref = run(false, qd, kd, vd, upstream, shape, seq, heads, kvHeads, headDim, valueDim, rows);
        String[] names = {"output", "dq", "dk", "dv"};
        for (int t = 0; t < names.length; t++) {
            double scale = 0;
            for (float x : ref[t]) scale = Math.max(scale, Math.abs(x));
            for (int i = 0; i < ref[t].length; i++) {
                if (!(Math.abs(ref[t][i] - fast[t][i]) <= 2e-5 * scale + 1e-6)) {
                    fail(names[t] + " at " + i + ": scalar " + ref[t][i] + ", blocked " + fast[t][i] + " (largest " + scale + ")");
                }
            }
        }
    }

    private static float[][] run(boolean blocked, float[] qd, float[] kd, float[] vd, float[] upstream, Attention.Shape shape, int seq,
                                 int heads, int kvHeads, int headDim, int valueDim, int rows) {
        Tensor q = Tensor.param(qd.clone(), rows, heads * headDim);
        Tensor k = Tensor.param(kd.clone(), rows, kvHeads * headDim);
        Tensor v = Tensor.param(vd.clone(), rows, kvHeads * valueDim);
        Tape tape = new Tape();
        Tensor out = blocked ? Attention.apply(tape, q, k, v, shape, seq) : ScalarAttention.apply(tape, q, k, v, shape, seq);
        tape.backward(GradCheck.weightedSum(tape, out, upstream));
        return new float[][]{out.data(), q.grad(), k.grad(), v.grad()};
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }
}
