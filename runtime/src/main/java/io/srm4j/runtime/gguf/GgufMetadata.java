package io.srm4j.runtime.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The key/value metadata of a GGUF file, in file order. Scalars are held as boxed Java values
 * (UINT8/INT8 → Byte, UINT16/INT16 → Short, UINT32/INT32 → Integer, UINT64/INT64 → Long, FLOAT32 → Float,
 * FLOAT64 → Double, BOOL → Boolean, STRING → String) and arrays as {@link GgufArray}; the declared type of each
 * key is kept so that a file can be written back unchanged.
 */
public final class GgufMetadata {
    private final Map<String, Object> values;
    private final Map<String, GgufValueType> types;

    public GgufMetadata(Map<String, Object> values, Map<String, GgufValueType> types) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
    }

    public Map<String, Object> asMap() {
        return values;
    }

    public GgufValueType typeOf(String key) {
        return types.get(key);
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Object get(String key) {
        return values.get(key);
    }

    public Optional<String> getString(String key) {
        return values.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    public String requireString(String key) throws GgufFormatException {
        return getString(key).orElseThrow(() -> missing(key, "string"));
    }

    /** An integer value of any integer type (unsigned types read as unsigned). */
    public Optional<Long> getLong(String key) {
        Object v = values.get(key);
        GgufValueType t = types.get(key);
        if (v == null) return Optional.empty();
        return Optional.ofNullable(switch (t) {
            case UINT8 -> (long) Byte.toUnsignedInt((Byte) v);
            case UINT16 -> (long) Short.toUnsignedInt((Short) v);
            case UINT32 -> Integer.toUnsignedLong((Integer) v);
            case INT8, INT16, INT32, INT64, UINT64 -> ((Number) v).longValue();
            default -> null;
        });
    }

    public Optional<Integer> getInt(String key) throws GgufFormatException {
        Optional<Long> v = getLong(key);
        if (v.isPresent() && (v.get() > Integer.MAX_VALUE || v.get() < Integer.MIN_VALUE)) {
            throw new GgufFormatException("metadata '" + key + "' = " + v.get() + " is out of range");
        }
        return v.map(Long::intValue);
    }

    public int requireInt(String key) throws GgufFormatException {
        return getInt(key).orElseThrow(() -> missing(key, "integer"));
    }

    public int getInt(String key, int defaultValue) throws GgufFormatException {
        return getInt(key).orElse(defaultValue);
    }

    /** A floating-point value; integers are accepted too. */
    public Optional<Double> getDouble(String key) {
        Object v = values.get(key);
        if (v instanceof Float f) return Optional.of((double) f);
        if (v instanceof Double d) return Optional.of(d);
        return getLong(key).map(Long::doubleValue);
    }

    public float getFloat(String key, float defaultValue) {
        return getDouble(key).map(Double::floatValue).orElse(defaultValue);
    }

    public Optional<Boolean> getBoolean(String key) {
        return values.get(key) instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return getBoolean(key).orElse(defaultValue);
    }

    public Optional<GgufArray> getArray(String key) {
        return values.get(key) instanceof GgufArray a ? Optional.of(a) : Optional.empty();
    }

    public Optional<String[]> getStringArray(String key) {
        return getArray(key).filter(a -> a.elementType() == GgufValueType.STRING).map(a -> (String[]) a.values());
    }

    public Optional<float[]> getFloatArray(String key) {
        return getArray(key).filter(a -> a.elementType() == GgufValueType.FLOAT32).map(a -> (float[]) a.values());
    }

    /** An integer array of any 32-bit-or-narrower element type, widened to int. */
    public Optional<int[]> getIntArray(String key) {
        return getArray(key).map(a -> switch (a.values()) {
            case int[] ints -> ints;
            case byte[] bytes -> {
                int[] r = new int[bytes.length];
                boolean unsigned = a.elementType() == GgufValueType.UINT8;
                for (int i = 0; i < r.length; i++) r[i] = unsigned ? Byte.toUnsignedInt(bytes[i]) : bytes[i];
                yield r;
            }
            case short[] shorts -> {
                int[] r = new int[shorts.length];
                boolean unsigned = a.elementType() == GgufValueType.UINT16;
                for (int i = 0; i < r.length; i++) r[i] = unsigned ? Short.toUnsignedInt(shorts[i]) : shorts[i];
                yield r;
            }
            default -> null;
        });
    }

    private static GgufFormatException missing(String key, String what) {
        return new GgufFormatException("metadata key '" + key + "' (" + what + ") is missing");
    }
}
