package io.srm4j.eval.metrics;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

import static org.junit.jupiter.api.Assertions.*;

class PassAtKTest {

    static BigInteger binomial(int n, int k) {
        if (k < 0 || k > n) return BigInteger.ZERO;
        BigInteger r = BigInteger.ONE;
        for (int i = 1; i <= k; i++) r = r.multiply(BigInteger.valueOf(n - k + i)).divide(BigInteger.valueOf(i));
        return r;
    }

    /** 1 - C(n-c,k)/C(n,k) in exact arithmetic. */
    static double closedForm(int n, int c, int k) {
        BigDecimal ratio = new BigDecimal(binomial(n - c, k)).divide(new BigDecimal(binomial(n, k)), MathContext.DECIMAL128);
        return BigDecimal.ONE.subtract(ratio).doubleValue();
    }

    /** Counts the k-subsets of a sample list with c correct that contain at least one correct sample. */
    static double bruteForce(int n, int c, int k) {
        long hit = 0, total = 0;
        for (int mask = 0; mask < (1 << n); mask++) {
            if (Integer.bitCount(mask) != k) continue;
            total++;
            if ((mask & ((1 << c) - 1)) != 0) hit++; // samples 0..c-1 are the correct ones
        }
        return (double) hit / total;
    }

    @Test
    void matchesBruteForceEnumeration() {
        for (int n = 1; n <= 12; n++) {
            for (int c = 0; c <= n; c++) {
                for (int k = 1; k <= n; k++) {
                    assertEquals(bruteForce(n, c, k), PassAtK.estimate(n, c, k), 1e-12, "n=" + n + " c=" + c + " k=" + k);
                }
            }
        }
    }

    @Test
    void matchesClosedFormForLargeN() {
        int[][] cases = {{64, 1, 1}, {64, 3, 8}, {64, 30, 32}, {200, 7, 100}, {1000, 1, 1}, {1000, 2, 999},
                {5000, 13, 64}, {10000, 1, 1}, {10000, 9990, 5}};
        for (int[] t : cases) {
            double exact = closedForm(t[0], t[1], t[2]);
            double estimate = PassAtK.estimate(t[0], t[1], t[2]);
            assertEquals(exact, estimate, 1e-12 * exact, "relative error, " + java.util.Arrays.toString(t));
        }
        assertEquals(1e-4, PassAtK.estimate(10000, 1, 1), 1e-16, "pass@1 is c/n");
        assertEquals(0.25, PassAtK.estimate(16, 4, 1), 1e-15);
    }

    @Test
    void rejectsImpossibleArguments() {
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(4, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(4, 1, 5));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(4, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(0, 0, 1));
    }
}
