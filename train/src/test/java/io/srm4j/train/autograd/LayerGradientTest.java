package io.srm4j.train.autograd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static io.srm4j.train.autograd.GradCheck.check;
import static io.srm4j.train.autograd.GradCheck.randomParam;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Each layer's backward against central finite differences (tolerances in {@link GradCheck}). */
class LayerGradientTest {
    private final Random rnd = new Random(42);

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void linear(boolean vectorKernel) {
        MatMulKernel k = vectorKernel ? MatMulKernel.defaultKernel() : ScalarMatMul.INSTANCE;
        Tensor x = randomParam(rnd, 1f, 7, 13);
        Tensor w = randomParam(rnd, 0.3f, 11, 13);
        check("linear", List.of(x, w), t -> Linear.apply(t, x, w, k), 60, 1);
    }

    @Test
    void linearWithFrozenWeightGivesNoWeightGradient() {
        Tensor x = randomParam(rnd, 1f, 3, 4);
        Tensor w = Tensor.constant(new float[8], 2, 4);
        Tape tape = new Tape();
        tape.backward(GradCheck.weightedSum(tape, Linear.apply(tape, x, w, ScalarMatMul.INSTANCE), new float[6]));
        assertFalse(w.hasGrad());
    }

    @Test
    void embeddingWithRepeatedIds() {
        Tensor table = randomParam(rnd, 1f, 6, 5);
        int[] ids = {3, 1, 3, 0, 5, 3};
        check("embedding", List.of(table), t -> Embedding.apply(t, table, ids), 30, 2);
    }

    @Test
    void rmsNorm() {
        Tensor x = randomParam(rnd, 1f, 4, 9);
        Tensor w = randomParam(rnd, 1f, 9);
        check("rmsnorm", List.of(x, w), t -> RmsNorm.apply(t, x, w, 1e-5f), 36, 3);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void rope(boolean neox) {
        // 2 sequences of 3 positions, 2 heads of 8 dims, only 6 of them rotated
        Tensor x = randomParam(rnd, 1f, 6, 16);
        Rope.Table table = Rope.Table.of(8, 6, 10000f);
        check("rope", List.of(x), t -> Rope.apply(t, x, table, 2, 8, 3, neox), 96, 4);
    }

    @Test
    void ropeKeepsNormsAndLeavesPositionZeroAlone() {
        Tensor x = randomParam(rnd, 1f, 4, 8);
        Tensor y = Rope.apply(Tape.NO_GRAD, x, Rope.Table.of(4, 8, 10000f), 1, 8, 4, false);
        for (int i = 0; i < 8; i++) assertEquals(x.data()[i], y.data()[i], 0f);
        for (int r = 0; r < 4; r++) {
            double nx = 0, ny = 0;
            for (int i = 0; i < 8; i++) {
                nx += x.data()[r * 8 + i] * x.data()[r * 8 + i];
                ny += y.data()[r * 8 + i] * y.data()[r * 8 + i];
            }
            assertEquals(nx, ny, 1e-4 * nx);
        }
    }

    @Test
    void groupedQueryAttention() {
        var shape = new Attention.Shape(4, 2, 4, 3);
        int seq = 5, rows = 2 * seq;
        Tensor q = randomParam(rnd, 1f, rows, 16);
        Tensor k = randomParam(rnd, 1f, rows, 8);
        Tensor v = randomParam(rnd, 1f, rows, 6);
        check("attention", List.of(q, k, v), t -> Attention.apply(t, q, k, v, shape, seq), 80, 5);
    }

    @Test
    void attentionIsCausal() {
        var shape = new Attention.Shape(2, 1, 4, 4);
        Tensor q = randomParam(rnd, 1f, 4, 8), k = randomParam(rnd, 1f, 4, 4), v = randomParam(rnd, 1f, 4, 4);
        float[] before = Attention.apply(Tape.NO_GRAD, q, k, v, shape, 4).data().clone();
        k.data()[3 * 4] += 5f; // change the last position's key and value
        v.data()[3 * 4 + 1] -= 5f;
        float[] after = Attention.apply(Tape.NO_GRAD, q, k, v, shape, 4).data();
        for (int i = 0; i < 3 * 8; i++) assertEquals(before[i], after[i], 0f, "earlier positions must not see later ones");
    }

    @Test
    void siluAndProductAndSum() {
        Tensor a = randomParam(rnd, 2f, 3, 7);
        Tensor b = randomParam(rnd, 1f, 3, 7);
        check("swiglu", List.of(a, b), t -> Elementwise.add(t, Elementwise.mul(t, Elementwise.silu(t, a), b), a), 21, 6);
    }

    @Test
    void crossEntropyWithMask() {
        Tensor logits = randomParam(rnd, 2f, 5, 7);
        int[] targets = {2, CrossEntropy.IGNORE, 6, 0, CrossEntropy.IGNORE};
        check("cross-entropy", List.of(logits), t -> CrossEntropy.apply(t, logits, targets), 35, 7);
        // masked rows get no gradient at all
        Tape tape = new Tape();
        logits.zeroGrad();
        tape.backward(CrossEntropy.apply(tape, logits, targets));
        for (int i = 7; i < 14; i++) assertEquals(0f, logits.grad()[i]);
    }

    @Test
    void crossEntropyValueMatchesDefinition() {
        Tensor logits = Tensor.param(new float[]{1, 2, 3, 0, 0, 0}, 2, 3);
        float loss = CrossEntropy.apply(Tape.NO_GRAD, logits, new int[]{2, 0}).item();
        double l0 = -Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)));
        double l1 = Math.log(3);
        assertEquals((l0 + l1) / 2, loss, 1e-6);
    }

    @Test
    void badInputIsRejectedWithAReason() {
        Tensor table = randomParam(rnd, 1f, 4, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> Embedding.apply(Tape.NO_GRAD, table, new int[]{4}));
        assertEquals("token id 4 is outside the vocabulary (0..3)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.apply(Tape.NO_GRAD, table, new int[]{-1, -1, -1, -1}));
        assertThrows(IllegalArgumentException.class, () -> Linear.apply(Tape.NO_GRAD, table, randomParam(rnd, 1f, 3, 3), ScalarMatMul.INSTANCE));
        // a probability matrix too large for one array is refused before anything is allocated
        Tensor big = Tensor.constant(new float[8 * 32768 * 8], 8 * 32768, 8);
        var shape = new Attention.Shape(8, 8, 1, 1);
        var tooLarge = assertThrows(IllegalArgumentException.class, () -> Attention.apply(Tape.NO_GRAD, big, big, big, shape, 32768));
        org.junit.jupiter.api.Assertions.assertTrue(tooLarge.getMessage().contains("probabilities"), tooLarge.getMessage());
    }
}
