package io.srm4j.train.optim;

import io.srm4j.train.autograd.Tensor;
import io.srm4j.train.model.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OptimTest {
    @Test
    void adamWMatchesAHandComputedUpdate() {
        // lr 0.1, wd 0.1, β (0.9, 0.999), eps 1e-8; gradients 0.5 then -0.25 on a weight starting at 1.
        // step 1: m̂ = g, v̂ = g², so p = 1·(1 − 0.01) − 0.1·0.5/0.5 = 0.89 (decayed) or 0.9 (not).
        // step 2: m = 0.9·0.05 + 0.1·(−0.25) = 0.02, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225,
        //         m̂ = 0.02/0.19, v̂ = 0.00031225/0.001999, update = 0.1·m̂/√v̂ = 0.0266337.
        Tensor decayed = Tensor.param(new float[]{1f}, 1, 1), plain = Tensor.param(new float[]{1f}, 1);
        var params = List.of(new Parameter("w", decayed, true), new Parameter("n", plain, false));
        AdamW opt = new AdamW(params, new AdamW.Settings(0.9f, 0.999f, 1e-8f, 0.1f));
        float[] grads = {0.5f, -0.25f};
        float[][] expected = {{0.89f, 0.9f}, {0.8544663f, 0.8733663f}};
        for (int s = 0; s < 2; s++) {
            decayed.grad()[0] = grads[s];
            plain.grad()[0] = grads[s];
            opt.step(0.1f);
            assertEquals(expected[s][0], decayed.data()[0], 2e-6f, "decayed weight after step " + (s + 1));
            assertEquals(expected[s][1], plain.data()[0], 2e-6f, "undecayed weight after step " + (s + 1));
        }
        assertEquals(2, opt.stepCount());
    }

    @Test
    void vectorUpdateIsBitForBitTheScalarTwin() {
        java.util.Random rnd = new java.util.Random(5);
        int n = 1003;
        float[] w = new float[n], g = new float[n], m = new float[n], v = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) rnd.nextGaussian();
            g[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(8) - 6));
            m[i] = (float) (rnd.nextGaussian() * 1e-3);
            v[i] = (float) Math.abs(rnd.nextGaussian() * 1e-6);
        }
        float[] w2 = w.clone(), m2 = m.clone(), v2 = v.clone();
        AdamW.updateScalar(w, g, m, v, 0, n, 0.9f, 0.95f, 0.9999f, 1e-3f, 1.7f, 1e-8f);
        AdamW.update(w2, g, m2, v2, 0, n, 0.9f, 0.95f, 0.9999f, 1e-3f, 1.7f, 1e-8f);
        for (int i = 0; i < n; i++) {
            assertEquals(m[i], m2[i], 0f, "first moment at " + i);
            assertEquals(v[i], v2[i], 0f, "second moment at " + i);
            assertEquals(w[i], w2[i], 0f, "weight at " + i);
        }
    }

    @Test
    void frozenParametersDoNotMove() {
        Tensor frozen = Tensor.constant(new float[]{3f}, 1, 1);
        new AdamW(List.of(new Parameter("f", frozen, true)), AdamW.Settings.defaults()).step(1f);
        assertEquals(3f, frozen.data()[0]);
    }

    @Test
    void warmupThenCosine() {
        var s = LearningRateSchedule.warmupCosine(1e-3f, 1e-4f, 10, 110);
        assertEquals(1e-4f, s.at(0), 1e-9f);
        assertEquals(5e-4f, s.at(4), 1e-9f);
        assertEquals(1e-3f, s.at(9), 1e-9f);
        assertEquals(1e-3f, s.at(10), 1e-9f);
        assertEquals(5.5e-4f, s.at(60), 1e-8f); // half-way down the cosine: (peak + min) / 2
        assertEquals(1e-4f, s.at(110), 1e-9f);
        assertEquals(1e-4f, s.at(500), 1e-9f);
        for (int i = 10; i < 110; i++) assertEquals(true, s.at(i + 1) <= s.at(i), "decreasing after warm-up at " + i);
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.warmupCosine(1e-3f, 0, 10, 10));
    }

    @Test
    void clippingScalesToTheGlobalNorm() {
        Tensor a = Tensor.param(new float[2], 2), b = Tensor.param(new float[1], 1);
        a.grad()[0] = 3;
        a.grad()[1] = 0;
        b.grad()[0] = 4;
        var params = List.of(Parameter.of("a", a), Parameter.of("b", b));
        assertEquals(5.0, GradientClipping.clip(params, 1.0), 1e-9);
        assertEquals(0.6f, a.grad()[0], 1e-6f);
        assertEquals(0.8f, b.grad()[0], 1e-6f);
        assertEquals(1.0, GradientClipping.globalNorm(params), 1e-5);
        // under the limit: untouched
        assertEquals(1.0, GradientClipping.clip(params, 2.0), 1e-5);
        assertEquals(0.6f, a.grad()[0], 1e-6f);
    }
}
