package io.srm4j.train.model;

import io.srm4j.train.autograd.CrossEntropy;
import io.srm4j.train.autograd.GradCheck;
import io.srm4j.train.autograd.ScalarMatMul;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.autograd.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformerModelTest {
    static final TransformerConfig TINY = new TransformerConfig(8, 2, 2, 1, 12, 11, 6, 10000f, 1e-5f, false);

    /** Scales the projection matrices up so that gradients are well above the check's absolute tolerance. */
    static TransformerModel lively(TransformerConfig c, long seed, float factor) {
        TransformerModel m = TransformerModel.create(c, seed);
        java.util.Random rnd = new java.util.Random(seed + 1);
        for (Parameter p : m.parameters()) {
            float[] v = p.tensor().data();
            if (p.tensor().rank() == 2) for (int i = 0; i < v.length; i++) v[i] *= factor;
            else for (int i = 0; i < v.length; i++) v[i] = 1f + 0.3f * (float) rnd.nextGaussian();
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void wholeModelGradientMatchesFiniteDifferences(boolean neox) {
        TransformerConfig c = new TransformerConfig(8, 2, 2, 1, 12, 11, 6, 10000f, 1e-5f, neox);
        TransformerModel m = lively(c, 7, 20f).withKernel(ScalarMatMul.INSTANCE);
        int[] tokens = {1, 4, 2, 9, 0, 3, 5, 5, 10, 2, 7, 1};
        int[] targets = {4, 2, 9, 0, 3, CrossEntropy.IGNORE, 5, 10, 2, 7, 1, 6};
        List<Tensor> leaves = new ArrayList<>();
        for (Parameter p : m.parameters()) leaves.add(p.tensor());
        GradCheck.check("transformer", leaves, t -> m.loss(t, tokens, targets, 2, 6), 12, 11);
    }

    @Test
    void parametersFollowTheGgufNamesAndTheDecayRule() {
        TransformerModel m = TransformerModel.create(TINY, 1);
        assertEquals(1 + 9 * 2 + 1, m.parameters().size());
        assertEquals("token_embd.weight", m.parameters().getFirst().name());
        assertEquals("blk.1.ffn_down.weight", m.parameters().get(18).name());
        for (Parameter p : m.parameters()) {
            boolean matrix = p.tensor().rank() == 2 && !p.name().equals("token_embd.weight");
            assertEquals(matrix, p.decay(), p.name());
        }
        // 11*8 embed + per layer (8 + 8*8 + 4*8 + 4*8 + 8*8 + 8 + 3*12*8) + 8
        assertEquals(88 + 2 * (8 + 64 + 32 + 32 + 64 + 8 + 288) + 8, m.parameterCount());
    }

    @Test
    void sameSeedSameModel() {
        var a = TransformerModel.create(TINY, 3).parameters();
        var b = TransformerModel.create(TINY, 3).parameters();
        for (int i = 0; i < a.size(); i++) assertTrue(java.util.Arrays.equals(a.get(i).tensor().data(), b.get(i).tensor().data()));
        assertFalse(java.util.Arrays.equals(a.getFirst().tensor().data(), TransformerModel.create(TINY, 4).parameters().getFirst().tensor().data()));
    }

    @Test
    void sequencesInABatchDoNotSeeEachOther() {
        TransformerModel m = lively(TINY, 5, 10f);
        int[] one = {1, 2, 3};
        float[] alone = m.forward(Tape.NO_GRAD, one, 1, 3).data();
        float[] batched = m.forward(Tape.NO_GRAD, new int[]{1, 2, 3, 9, 9, 9}, 2, 3).data();
        for (int i = 0; i < alone.length; i++) assertEquals(alone[i], batched[i], 1e-5f);
    }

    @Test
    void rejectsBadShapes() {
        TransformerModel m = TransformerModel.create(TINY, 1);
        assertThrows(IllegalArgumentException.class, () -> m.forward(Tape.NO_GRAD, new int[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> m.forward(Tape.NO_GRAD, new int[7], 1, 7));
        assertThrows(IllegalArgumentException.class, () -> new TransformerConfig(10, 1, 3, 1, 4, 4, 4, 1e4f, 1e-5f, false));
    }
}
