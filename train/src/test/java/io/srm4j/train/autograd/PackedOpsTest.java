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
        Tensor b = packed(Tape.NO_GRAD, q, k, v, seq, plainPositions(rows, seq));
        assertArrayEquals(a.data(), b.data()); // the same products: bit for bit
    }

    @Test
    void packedDocumentsEqualEachRunAlone() {
        // row of 7: a document of 3 then one of 4; each must equal attention over that document alone
        int[] pos = {0, 1, 2, 0, 1, 2, 3};
        Tensor q = randomParam(rnd, 1f, 7, 24), k = randomParam(rnd, 1f, 7, 12), v = randomParam(rnd, 1f, 7, 12);
        Tensor packed = packed(Tape.NO_GRAD, q, k, v, 7, pos);
        for (int[] doc : new int[][]{{0, 3}, {3, 7}}) {
            int n = doc[1] - doc[0];
            Tensor alone = Attention.apply(Tape.NO_GRAD, slice(q, doc[0], n), slice(k, doc[0], n), slice(v, doc[0], n), shape, n);
            float[] expected = alone.data();
            float[] got = java.util.Arrays.copyOfRange(packed.data(), doc[0] * 24, doc[1] * 24);
            assertArrayEquals(expected, got, 1e-6f);
        }
    }

    private Tensor packed(Tape tape, Tensor q, Tensor k, Tensor v, int seq, int[] positions) {
        return Attention.apply(tape, q, k, v, shape, seq, positions, MatMulKernel.defaultKernel());
    }

    private static Tensor slice(Tensor t, int row, int rows) {
        return Tensor.constant(java.util.Arrays.copyOfRange(t.data(), row * t.cols(), (row + rows) * t.cols()), rows, t.cols());
    }

    @Test
    void attentionGradients() {
        int[] pos = {0, 1, 0, 1, 2, 3, 0, 1, 2, 0, 0, 1};
        Tensor q = randomParam(rnd, 1f, 12, 24), k = randomParam(rnd, 1f, 12, 12), v = randomParam(rnd, 1f, 12, 12);
        check("packed attention", List.of(q, k, v), t -> packed(t, q, k, v, 6, pos), 80, 5);
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
    void positionsThatDoNotDescribeDocumentsAreRefused() {
        Tensor q = randomParam(rnd, 1f, 4, 24), k = randomParam(rnd, 1f, 4, 12), v = randomParam(rnd, 1f, 4, 12);
        var e = assertThrows(IllegalArgumentException.class, () -> packed(Tape.NO_GRAD, q, k, v, 4, new int[]{0, 2, 3, 4}));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        // a row may not continue a document from the previous row
        assertThrows(IllegalArgumentException.class, () -> packed(Tape.NO_GRAD, q, k, v, 2, new int[]{0, 1, 2, 3}));
    }
}
