package io.srm4j.runtime.gguf;

import io.srm4j.runtime.tensor.GgmlType;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3 files: metadata in insertion order, then tensor infos, then aligned tensor data.
 * Used by tests (models in every tensor type), by export after training, and by tools that rewrite metadata.
 * The file is written to a temporary sibling and moved into place, so a crash never leaves a half-written model.
 */
public final class GgufWriter {
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, GgufValueType> types = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    private record PendingTensor(String name, GgmlType type, long[] shape, MemorySegment data) {}

    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (key.equals("general.alignment")) {
            long a = ((Number) value).longValue();
            if (a <= 0 || Long.bitCount(a) != 1) throw new IllegalArgumentException("alignment must be a power of two: " + a);
            alignment = (int) a;
        }
        values.put(key, value);
        types.put(key, type);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUInt32(String key, int value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putArray(String key, GgufArray array) {
        return put(key, GgufValueType.ARRAY, array);
    }

    public GgufWriter putStrings(String key, String... strings) {
        return putArray(key, new GgufArray(GgufValueType.STRING, strings));
    }

    public GgufWriter putInts(String key, int... ints) {
        return putArray(key, new GgufArray(GgufValueType.INT32, ints));
    }

    public GgufWriter putFloats(String key, float... floats) {
        return putArray(key, new GgufArray(GgufValueType.FLOAT32, floats));
    }

    /** Copies every metadata entry of another file (e.g. a tokenizer's vocabulary) except those already set. */
    public GgufWriter putAll(GgufMetadata metadata) {
        for (var e : metadata.asMap().entrySet()) {
            if (!values.containsKey(e.getKey())) put(e.getKey(), metadata.typeOf(e.getKey()), e.getValue());
        }
        return this;
    }

    public GgufWriter remove(String key) {
        values.remove(key);
        types.remove(key);
        return this;
    }

    /** Adds a tensor; {@code data} must hold exactly the bytes of {@code shape} in {@code type}'s layout. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        long elements = 1;
        for (long d : shape) elements *= d;
        long expected = type.rowBytes(shape[0]) * (elements / shape[0]);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes given, " + expected + " expected for " + type);
        }
        for (PendingTensor t : tensors) if (t.name.equals(name)) throw new IllegalArgumentException("duplicate tensor " + name);
        tensors.add(new PendingTensor(name, type, shape.clone(), data));
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] shape, byte[] data) {
        return addTensor(name, type, shape, MemorySegment.ofArray(data));
    }

    /** Adds an F32 tensor from floats. */
    public GgufWriter addTensor(String name, long[] shape, float[] data) {
        return addTensor(name, GgmlType.F32, shape, MemorySegment.ofArray(data.clone()));
    }

    public void write(Path path) throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            write(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public byte[] toByteArray() throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        write(out);
        return out.toByteArray();
    }

    public void write(OutputStream out) throws IOException {
        Out o = new Out(out);
        o.i32(GgufFile.MAGIC);
        o.i32(3);
        o.i64(tensors.size());
        o.i64(values.size());
        for (var e : values.entrySet()) {
            o.string(e.getKey());
            GgufValueType t = types.get(e.getKey());
            o.i32(t.id);
            o.value(t, e.getValue());
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            o.string(t.name);
            o.i32(t.shape.length);
            for (long d : t.shape) o.i64(d);
            o.i32(t.type.id);
            o.i64(offset);
            offset = align(offset + t.data.byteSize());
        }
        o.pad(align(o.written) - o.written);
        for (PendingTensor t : tensors) {
            o.segment(t.data);
            o.pad(align(t.data.byteSize()) - t.data.byteSize());
        }
        out.flush();
    }

    private long align(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static final class Out {
        final OutputStream out;
        final ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long written;

        Out(OutputStream out) {
            this.out = out;
        }

        void bytes(byte[] b, int n) throws IOException {
            out.write(b, 0, n);
            written += n;
        }

        void i8(int v) throws IOException {
            out.write(v);
            written++;
        }

        void i16(int v) throws IOException {
            buf.clear();
            buf.putShort((short) v);
            bytes(buf.array(), 2);
        }

        void i32(int v) throws IOException {
            buf.clear();
            buf.putInt(v);
            bytes(buf.array(), 4);
        }

        void i64(long v) throws IOException {
            buf.clear();
            buf.putLong(v);
            bytes(buf.array(), 8);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b, b.length);
        }

        void pad(long n) throws IOException {
            for (long i = 0; i < n; i++) i8(0);
        }

        void segment(MemorySegment seg) throws IOException {
            byte[] chunk = new byte[1 << 16];
            for (long off = 0; off < seg.byteSize(); off += chunk.length) {
                int n = (int) Math.min(chunk.length, seg.byteSize() - off);
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, chunk, 0, n);
                bytes(chunk, n);
            }
        }

        void value(GgufValueType t, Object v) throws IOException {
            switch (t) {
                case UINT8, INT8 -> i8(((Number) v).intValue());
                case BOOL -> i8((Boolean) v ? 1 : 0);
                case UINT16, INT16 -> i16(((Number) v).intValue());
                case UINT32, INT32 -> i32(((Number) v).intValue());
                case UINT64, INT64 -> i64(((Number) v).longValue());
                case FLOAT32 -> i32(Float.floatToRawIntBits(((Number) v).floatValue()));
                case FLOAT64 -> i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
                case STRING -> string((String) v);
                case ARRAY -> {
                    GgufArray a = (GgufArray) v;
                    i32(a.elementType().id);
                    int n = a.size();
                    i64(n);
                    Object arr = a.values();
                    for (int i = 0; i < n; i++) {
                        Object e = switch (arr) {
                            case byte[] x -> x[i];
                            case short[] x -> x[i];
                            case int[] x -> x[i];
                            case long[] x -> x[i];
                            case float[] x -> x[i];
                            case double[] x -> x[i];
                            case boolean[] x -> x[i];
                            case Object[] x -> x[i];
                            default -> throw new IllegalArgumentException("unsupported array " + arr.getClass());
                        };
                        value(a.elementType(), e);
                    }
                }
            }
        }
    }
}
