package io.srm4j.train.autograd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static io.srm4j.train.autograd.GradCheck.check;
import static io.srm4j.train.autograd.GradCheck.randomParam;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Document-masked attention and per-row RoPE for packed rows: gradients, and agreement with the plain ops. */
class PackedOpsTest {
    private final Random rnd = new Random(7);
    private final Attention.Shape shape = new Attention.Shape(4, 2, 6, 6);

    private static int[] plainPositions(int rows, int seqLen) {
        int[] p = new int[rows];
        for (int r = 0; r < rows; r++) p[r] = r % seqLen;
        return p;
    }

    @Test
    void oneDocumentPerRowIsPlainAttention() {
        int seq = 5, rows = 2 * seq;
        Tensor q = randomParam(rnd, 1f, rows, 24), k = randomParam(rnd, 1f, rows, 12), v = randomParam(rnd, 1f, rows, 12);
        Tensor a = Attention.apply(Tape.NO_GRAD, q, k, v, shape, seq);
        Tensor b = PackedAttention.apply(Tape.NO_GRAD, q, k, v, shape, seq, plainPositions(rows, seq));
        assertArrayEquals(a.data(), b.data(), 1e-6f); // lane sums in another order
    }

    @Test
    void packedDocumentsEqualEachRunAlone() {
        // row of 7: a document of 3 then one of 4; each must equal attention over that document alone
        int[] pos = {0, 1, 2, 0, 1, 2, 3};
        Tensor q = randomParam(rnd, 1f, 7, 24), k = randomParam(rnd, 1f, 7, 12), v = randomParam(rnd, 1f, 7, 12);
        Tensor packed = PackedAttention.apply(Tape.NO_GRAD, q, k, v, shape, 7, pos);
        for (int[] doc : new int[][]{{0, 3}, {3, 7}}) {
            int n = doc[1] - doc[0];
            Tensor alone = Attention.apply(Tape.NO_GRAD, slice(q, doc[0], n), slice(k, doc[0], n), slice(v, doc[0], n), shape, n);
            float[] expected = alone.data();
            float[] got = java.util.Arrays.copyOfRange(packed.data(), doc[0] * 24, doc[1] * 24);
            assertArrayEquals(expected, got, 1e-6f);
        }
    }

    private static Tensor slice(Tensor t, int row, int rows) {
        return Tensor.constant(java.util.Arrays.copyOfRange(t.data(), row * t.cols(), (row + rows) * t.cols()), rows, t.cols());
    }

    @Test
    void attentionGradients() {
        int[] pos = {0, 1, 0, 1, 2, 3, 0, 1, 2, 0, 0, 1};
        Tensor q = randomParam(rnd, 1f, 12, 24), k = randomParam(rnd, 1f, 12, 12), v = randomParam(rnd, 1f, 12, 12);
        check("packed attention", List.of(q, k, v), t -> PackedAttention.apply(t, q, k, v, shape, 6, pos), 80, 5);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void ropeGradientsAndPlainAgreement(boolean neox) {
        Rope.Table table = Rope.Table.of(8, 8, 10000f);
        Tensor x = randomParam(rnd, 1f, 6, 16);
        int[] pos = {0, 1, 2, 0, 1, 0};
        check("packed rope", List.of(x), t -> PackedRope.apply(t, x, table, 2, 8, pos, neox), 96, 6);
        assertArrayEquals(Rope.apply(Tape.NO_GRAD, x, table, 2, 8, 3, neox).data(),
                PackedRope.apply(Tape.NO_GRAD, x, table, 2, 8, plainPositions(6, 3), neox).data());
    }

    @Test
    void dotSumsLanesInIndexOrderWhateverTheJit() {
        int width = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        float[] lanes = new float[width];
        for (int n : new int[]{1, 7, 8, 16, 33, 64, 100}) {
            float[] a = new float[n + 3], b = new float[n + 5];
            for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
            // the exact twin: per-lane fused multiply-adds, lanes summed in index order, then the scalar tail
            float[] acc = new float[width];
            int i = 0;
            for (; i + width <= n; i += width) for (int l = 0; l < width; l++) acc[l] = Math.fma(a[3 + i + l], b[5 + i + l], acc[l]);
            float expected = 0;
            for (float x : acc) expected += x;
            for (; i < n; i++) expected += a[3 + i] * b[5 + i];
            for (int repeat = 0; repeat < 20_000; repeat++) { // long enough for the JIT to compile it mid-way
                float got = PackedAttention.dot(a, 3, b, 5, n, lanes);
                if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(expected)) {
                    org.junit.jupiter.api.Assertions.fail("n " + n + ", call " + repeat + ": " + got + " vs " + expected);
                }
            }
            org.junit.jupiter.api.Assertions.assertEquals(VectorMath.dotScalar(a, 3, b, 5, n), expected, 1e-4f * n);
        }
    }

    @Test
    void positionsThatDoNotDescribeDocumentsAreRefused() {
        Tensor q = randomParam(rnd, 1f, 4, 24), k = randomParam(rnd, 1f, 4, 12), v = randomParam(rnd, 1f, 4, 12);
        var e = assertThrows(IllegalArgumentException.class, () -> PackedAttention.apply(Tape.NO_GRAD, q, k, v, shape, 4, new int[]{0, 2, 3, 4}));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        // a row may not continue a document from the previous row
        assertThrows(IllegalArgumentException.class, () -> PackedAttention.apply(Tape.NO_GRAD, q, k, v, shape, 2, new int[]{0, 1, 2, 3}));
    }
}
