package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link VectorKernels#f16ToF32} against its twin, {@link Float#float16ToFloat}. */
class HalfConversionTest {

    @Test
    void everyHalfConvertsAsTheTwinDoes() {
        short[] all = new short[65536 + 5];
        for (int i = 0; i < 65536; i++) all[i + 5] = (short) i;
        float[] out = new float[65536 + 2];
        VectorKernels.f16ToF32(all, 5, out, 2, 65536);
        for (int h = 0; h < 65536; h++) {
            int i = h;
            float expected = Float.float16ToFloat((short) i), actual = out[i + 2];
            if (Float.isNaN(expected)) {
                assertTrue(Float.isNaN(actual), () -> "half " + Integer.toHexString(i) + " is a NaN");
            } else {
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), () -> "half 0x" + Integer.toHexString(i));
            }
        }
    }

    @Test
    void tailsAndOffsetsLeaveTheRestAlone() {
        short[] src = new short[40];
        for (int i = 0; i < src.length; i++) src[i] = Float.floatToFloat16(i * 0.5f - 7f);
        for (int n = 0; n <= 19; n++) {
            float[] out = new float[30];
            java.util.Arrays.fill(out, 42f);
            VectorKernels.f16ToF32(src, 3, out, 4, n);
            for (int i = 0; i < out.length; i++) {
                float expected = i >= 4 && i < 4 + n ? (i - 4 + 3) * 0.5f - 7f : 42f;
                assertEquals(expected, out[i], "n " + n + " index " + i);
            }
        }
    }
}
