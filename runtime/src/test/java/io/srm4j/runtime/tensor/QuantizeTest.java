package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuantizeTest {

    /**
     * Largest allowed RMS error of quantize→dequantize, relative to the RMS of gaussian data. The bounds sit about
     * 25% above what ggml's reference quantisers reach (Q8_0 0.53%, Q4_0 8.8%, Q4_K 7.2%, Q6_K 1.8%, Q2_K 30%): a broken layout or search
     * lands far outside them.
     */
    static final Map<GgmlType, Double> RELATIVE_RMSE = Map.ofEntries(
            Map.entry(GgmlType.F32, 0.0),
            Map.entry(GgmlType.F16, 0.00027),
            Map.entry(GgmlType.BF16, 0.0021),
            Map.entry(GgmlType.Q8_0, 0.0066),
            Map.entry(GgmlType.Q4_0, 0.11),
            Map.entry(GgmlType.Q4_1, 0.10),
            Map.entry(GgmlType.Q5_0, 0.055),
            Map.entry(GgmlType.Q5_1, 0.048),
            Map.entry(GgmlType.Q2_K, 0.375),
            Map.entry(GgmlType.Q3_K, 0.19),
            Map.entry(GgmlType.Q4_K, 0.09),
            Map.entry(GgmlType.Q5_K, 0.045),
            Map.entry(GgmlType.Q6_K, 0.0225));

    static double relativeRmse(float[] x, float[] y) {
        double err = 0, ref = 0;
        for (int i = 0; i < x.length; i++) {
            err += (x[i] - y[i]) * (double) (x[i] - y[i]);
            ref += x[i] * (double) x[i];
        }
        return Math.sqrt(err / ref);
    }

    @Test
    void roundTripErrorWithinPerTypeBounds() {
        Random rnd = new Random(42);
        int n = 4096;
        for (GgmlType t : Fixtures.SUPPORTED) {
            for (float scale : new float[] {1f, 0.02f}) {
                float[] x = Fixtures.gaussian(rnd, n + 5, scale);
                byte[] q = Quantize.row(t, x, 5, n);
                assertEquals(t.rowBytes(n), q.length, t + " row size");
                float[] y = Dequantize.row(t, q, n);
                float[] xs = java.util.Arrays.copyOfRange(x, 5, 5 + n);
                double e = relativeRmse(xs, y);
                assertTrue(e <= RELATIVE_RMSE.get(t), t + " relative RMSE " + e + " > " + RELATIVE_RMSE.get(t));
            }
        }
    }

    @Test
    void skewedAndOffsetDataStayAccurate() {
        // all-positive data with an offset exercises the mins of Q4_1/Q5_1/Q2_K/Q4_K/Q5_K
        Random rnd = new Random(3);
        int n = 2048;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = 2f + (float) Math.abs(rnd.nextGaussian());
        for (GgmlType t : Fixtures.SUPPORTED) {
            float[] y = Dequantize.row(t, Quantize.row(t, x, 0, n), n);
            double e = relativeRmse(x, y);
            assertTrue(e <= RELATIVE_RMSE.get(t), t + " relative RMSE on offset data " + e);
        }
    }

    @Test
    void zerosStayZeroAndDoNotProduceNaN() {
        int n = 512;
        float[] x = new float[n];
        for (int i = 256; i < 300; i++) x[i] = (i % 3 - 1) * 0.5f; // one zero super-block, one sparse one
        for (GgmlType t : Fixtures.SUPPORTED) {
            float[] y = Dequantize.row(t, Quantize.row(t, x, 0, n), n);
            for (int i = 0; i < 256; i++) assertEquals(0f, y[i], 0f, t + " zero block element " + i);
            for (int i = 0; i < n; i++) assertTrue(Float.isFinite(y[i]), t + " element " + i + " = " + y[i]);
        }
    }

    @Test
    void quantisingTwiceIsStable() {
        // dequantised values lie on the grid: re-quantising them must not lose much more (a layout mix-up would)
        Random rnd = new Random(9);
        int n = 1024;
        float[] x = Fixtures.gaussian(rnd, n, 1f);
        for (GgmlType t : Fixtures.SUPPORTED) {
            float[] y = Dequantize.row(t, Quantize.row(t, x, 0, n), n);
            float[] z = Dequantize.row(t, Quantize.row(t, y, 0, n), n);
            double e = relativeRmse(y, z);
            assertTrue(e <= RELATIVE_RMSE.get(t) * 0.8 + 1e-6, t + " re-quantisation error " + e);
        }
    }

    /** Q8_0 and Q4_0 bytes from ../shared/tools/gguf.py (src/test/python/quant_fixtures.py) must match exactly. */
    @Test
    void q8_0AndQ4_0MatchGgufPyByteForByte() {
        ByteBuffer b = Fixtures.resource("quant-fixtures.bin");
        Set<String> seen = new HashSet<>();
        while (b.hasRemaining()) {
            String name = Fixtures.name(b);
            float[] x = Fixtures.floats(b, b.getInt());
            byte[] expected = Fixtures.bytes(b, b.getInt());
            GgmlType t = GgmlType.valueOf(name.substring(0, name.indexOf('/')));
            assertArrayEquals(expected, Quantize.row(t, x, 0, x.length), name);
            seen.add(name);
        }
        assertEquals(8, seen.size());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Quantize.row(GgmlType.Q4_K, new float[300], 0, 300));
        assertThrows(IndexOutOfBoundsException.class, () -> Quantize.row(GgmlType.Q8_0, new float[32], 1, 32));
        assertThrows(UnsupportedOperationException.class, () -> Quantize.row(GgmlType.IQ4_NL, new float[32], 0, 32));
    }
}
