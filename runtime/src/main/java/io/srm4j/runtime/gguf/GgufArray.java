package io.srm4j.runtime.gguf;

import java.lang.reflect.Array;

/**
 * A metadata array. {@code values} is a Java array matching {@code elementType}:
 * UINT8/INT8 → byte[], UINT16/INT16 → short[], UINT32/INT32 → int[], UINT64/INT64 → long[],
 * FLOAT32 → float[], FLOAT64 → double[], BOOL → boolean[], STRING → String[], ARRAY → GgufArray[].
 * Unsigned values keep their bits; read them with the unsigned helpers of the boxed types.
 */
public record GgufArray(GgufValueType elementType, Object values) {
    public int size() {
        return Array.getLength(values);
    }

    @Override
    public String toString() {
        int n = size();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, 8); i++) {
            if (i > 0) sb.append(", ");
            Object v = Array.get(values, i);
            sb.append(v instanceof String s ? '"' + s + '"' : String.valueOf(v));
        }
        if (n > 8) sb.append(", ... (").append(n).append(" ").append(elementType).append(")");
        return sb.append(']').toString();
    }
}
