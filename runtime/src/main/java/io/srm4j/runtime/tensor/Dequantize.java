package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain scalar dequantisation, bit-exact with ggml's block layouts: the reference every fast kernel is tested against.
 */
public final class Dequantize {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantize() {}

    /** Dequantises {@code n} elements starting at byte {@code offset} of {@code src} (a block boundary). */
    public static void row(GgmlType type, MemorySegment src, long offset, float[] dst, int dstOffset, int n) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32, offset, dst, dstOffset, n);
            case F16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = Float.float16ToFloat(src.get(I16, offset + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = Float.intBitsToFloat(src.get(I16, offset + 2L * i) << 16);
            }
            default -> throw new UnsupportedOperationException("dequantisation of " + type + " is not implemented");
        }
    }
}
