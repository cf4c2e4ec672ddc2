package io.srm4j.eval.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BootstrapTest {

    @Test
    void intervalMatchesTheNormalApproximationForABernoulliMean() {
        double[] values = new double[400];
        for (int i = 0; i < values.length; i++) values[i] = i % 2; // p = 0.5
        Bootstrap.Interval ci = Bootstrap.meanInterval(values, 4000, 0.95, 7);
        assertEquals(0.5, ci.mean(), 1e-12);
        double halfWidth = 1.96 * Math.sqrt(0.25 / values.length); // 0.049
        assertEquals(halfWidth, ci.high() - ci.mean(), 0.2 * halfWidth);
        assertEquals(halfWidth, ci.mean() - ci.low(), 0.2 * halfWidth);
    }

    @Test
    void seededAndDegenerateCases() {
        double[] values = {0, 1, 1, 0.5, 0.25, 1, 0};
        assertEquals(Bootstrap.meanInterval(values, 500, 0.9, 3), Bootstrap.meanInterval(values, 500, 0.9, 3));
        assertNotEquals(Bootstrap.meanInterval(values, 500, 0.9, 3), Bootstrap.meanInterval(values, 500, 0.9, 4));
        Bootstrap.Interval constant = Bootstrap.meanInterval(new double[]{0.75, 0.75, 0.75}, 100, 0.95, 1);
        assertEquals(0.75, constant.low());
        assertEquals(0.75, constant.high());
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.meanInterval(new double[0], 10, 0.95, 1));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.meanInterval(values, 10, 1.5, 1));
    }

    @Test
    void quantileInterpolatesLikeNumpy() {
        double[] sorted = {1, 2, 3, 4};
        assertEquals(2.5, Bootstrap.quantile(sorted, 0.5), 1e-12);
        assertEquals(3.7, Bootstrap.quantile(sorted, 0.9), 1e-12);
        assertEquals(1, Bootstrap.quantile(sorted, 0));
        assertEquals(4, Bootstrap.quantile(sorted, 1));
    }
}
