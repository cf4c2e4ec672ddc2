package io.srm4j.runtime.gguf;

import io.srm4j.runtime.tensor.GgmlType;

import java.util.Arrays;

/**
 * One tensor's entry in the GGUF header. {@code shape[0]} is the innermost (contiguous) dimension,
 * as in ggml: a matrix with {@code shape = {cols, rows}} stores rows one after the other.
 * {@code offset} is relative to the start of the data section.
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset) {
    public long elementCount() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        long rows = elementCount() / shape[0];
        return Math.multiplyExact(type.rowBytes(shape[0]), rows);
    }

    /** Number of rows when seen as a matrix of {@code shape[0]} columns. */
    public long rows() {
        return elementCount() / shape[0];
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
