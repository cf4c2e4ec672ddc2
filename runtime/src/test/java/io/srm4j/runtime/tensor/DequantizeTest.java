package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DequantizeTest {

    /** Blocks decoded by an independent numpy decoder (src/test/python/dequant_fixtures.py): must match bit for bit. */
    @Test
    void matchesIndependentDecoderBitForBit() {
        ByteBuffer b = Fixtures.resource("dequant-fixtures.bin");
        Set<String> seen = new HashSet<>();
        while (b.hasRemaining()) {
            String name = Fixtures.name(b);
            int n = b.getInt();
            int nbytes = b.getInt();
            byte[] raw = Fixtures.bytes(b, nbytes);
            float[] expected = Fixtures.floats(b, n);
            GgmlType type = GgmlType.valueOf(name);
            assertEquals(type.rowBytes(n), nbytes, name);
            float[] actual = new float[n + 3];
            Dequantize.row(type, MemorySegment.ofArray(raw), 0, actual, 3, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[3 + i]),
                        name + " element " + i + ": expected " + expected[i] + " got " + actual[3 + i]);
            }
            seen.add(name);
        }
        assertEquals(Set.of("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"), seen);
    }

    @Test
    void q4_0NibbleOrderAndOffset() {
        byte[] block = new byte[18];
        Quantize.putI16(block, 0, Float.floatToFloat16(0.5f));
        for (int j = 0; j < 16; j++) block[2 + j] = (byte) (j | ((15 - j) << 4));
        float[] y = Dequantize.row(GgmlType.Q4_0, block, 32);
        for (int j = 0; j < 16; j++) {
            assertEquals((j - 8) * 0.5f, y[j]);
            assertEquals((15 - j - 8) * 0.5f, y[16 + j]);
        }
    }

    @Test
    void q8_0IsSignedBytesTimesScale() {
        byte[] block = new byte[34];
        Quantize.putI16(block, 0, Float.floatToFloat16(-0.25f));
        for (int j = 0; j < 32; j++) block[2 + j] = (byte) (j * 8 - 128);
        float[] y = Dequantize.row(GgmlType.Q8_0, block, 32);
        for (int j = 0; j < 32; j++) assertEquals((j * 8 - 128) * -0.25f, y[j]);
    }

    @Test
    void halfAndBrainFloat() {
        float[] values = {0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, Float.POSITIVE_INFINITY};
        for (GgmlType t : new GgmlType[] {GgmlType.F16, GgmlType.BF16, GgmlType.F32}) {
            byte[] raw = Quantize.row(t, values, 0, values.length);
            float[] back = Dequantize.row(t, raw, values.length);
            for (int i = 0; i < values.length; i++) {
                float expect = switch (t) {
                    case F16 -> Float.float16ToFloat(Float.floatToFloat16(values[i]));
                    case BF16 -> bf16NearestEven(values[i]);
                    default -> values[i];
                };
                assertEquals(expect, back[i], t + " value " + values[i]);
            }
        }
        // BF16 rounds to nearest even: 1 + 2^-8 is a tie between 1 and 1 + 2^-7 and goes to 1
        assertEquals(1f, Dequantize.row(GgmlType.BF16, Quantize.row(GgmlType.BF16, new float[] {1 + 0x1p-8f}, 0, 1), 1)[0]);
        assertEquals(1 + 0x1p-7f, Dequantize.row(GgmlType.BF16, Quantize.row(GgmlType.BF16, new float[] {1 + 0x1p-8f + 0x1p-12f}, 0, 1), 1)[0]);
    }

    /** Rounds to 8 significant bits, ties to even, by arithmetic rather than bit tricks. */
    private static float bf16NearestEven(float x) {
        if (Float.isInfinite(x) || x == 0) return x;
        int e = Math.getExponent(x);
        return (float) Math.scalb(Math.rint(Math.scalb((double) x, 7 - e)), e - 7);
    }

    @Test
    void everySupportedTypeDequantisesAndOthersAreRefused() {
        for (GgmlType t : GgmlType.values()) {
            int n = 256;
            byte[] raw = new byte[(int) t.rowBytes(n)];
            if (t.isSupported()) {
                float[] y = Dequantize.row(t, raw, n);
                for (float v : y) assertTrue(v == 0f, t + " zero bytes decode to zero");
            } else {
                assertThrows(UnsupportedOperationException.class, () -> Dequantize.row(t, raw, n), t.name());
            }
        }
    }

    @Test
    void badArgumentsGiveClearExceptions() {
        byte[] raw = new byte[34];
        MemorySegment s = MemorySegment.ofArray(raw);
        var e = assertThrows(IllegalArgumentException.class, () -> Dequantize.row(GgmlType.Q8_0, s, 0, new float[40], 0, 33));
        assertTrue(e.getMessage().contains("multiple of 32"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Dequantize.row(GgmlType.Q8_0, s, 2, new float[32], 0, 32));
        assertThrows(IndexOutOfBoundsException.class, () -> Dequantize.row(GgmlType.Q8_0, s, 0, new float[31], 0, 32));
        assertArrayEquals(new float[32], Dequantize.row(GgmlType.Q8_0, raw, 32));
    }
}
