package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A weight matrix of {@code rows × cols} elements in any {@link GgmlType}, rows stored one after another
 * (ggml's {@code ne[0] = cols}). The data usually lies in a memory-mapped model file.
 */
public record Matrix(String name, GgmlType type, int rows, int cols, MemorySegment data) {
    public Matrix {
        long expected = type.rowBytes(cols) * (long) rows;
        if (data.byteSize() < expected) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes, " + expected + " needed for " + rows + "x" + cols + " " + type);
        }
    }

    public long rowBytes() {
        return type.rowBytes(cols);
    }

    /** Dequantises row {@code row} into {@code dst[dstOffset .. dstOffset + cols)}. */
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        Dequantize.row(type, data, row * rowBytes(), dst, dstOffset, cols);
    }
}
