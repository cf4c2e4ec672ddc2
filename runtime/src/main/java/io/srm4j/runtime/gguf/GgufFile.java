package io.srm4j.runtime.gguf;

import io.srm4j.runtime.tensor.GgmlType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF v2/v3 file, memory-mapped. The header (metadata and tensor infos) is parsed eagerly; tensor data stays in the
 * mapping and is handed out as {@link MemorySegment} slices, never copied onto the heap.
 *
 * <p>Every count, length, offset and type is checked against the file before it is used, so a truncated or hostile
 * file ends in a {@link GgufFormatException} naming the problem rather than a crash or a huge allocation.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    /** Longest string accepted in a header (keys, values, names): far above anything real, far below a risk. */
    static final long MAX_STRING_BYTES = 1L << 28;
    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_NESTING = 4;

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final int alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment file) throws GgufFormatException {
        this.path = path;
        this.arena = arena;
        this.file = file;
        Reader r = new Reader(file, path);
        int magic = r.i32("magic");
        if (magic != MAGIC) {
            throw r.error(0, String.format("not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\")", magic, MAGIC));
        }
        version = r.i32("version");
        if (version == 1) throw r.error(4, "GGUF version 1 is not supported (only 2 and 3)");
        if (version != 2 && version != 3) {
            if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                throw r.error(4, "big-endian GGUF files are not supported");
            }
            throw r.error(4, "unsupported GGUF version " + Integer.toUnsignedString(version));
        }
        long tensorCount = r.u64("tensor count");
        long kvCount = r.u64("metadata count");
        // Each key/value takes at least 8 (key length) + 4 (type) + 1 bytes, each tensor info at least 8+4+8+4+8.
        if (kvCount > r.remaining() / 13) throw r.error(16, "metadata count " + Long.toUnsignedString(kvCount) + " exceeds what the file can hold (truncated or corrupt?)");
        if (tensorCount > r.remaining() / 32) throw r.error(8, "tensor count " + Long.toUnsignedString(tensorCount) + " exceeds what the file can hold (truncated or corrupt?)");

        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, GgufValueType> types = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = r.pos;
            String key = r.string("metadata key #" + i);
            GgufValueType type = r.valueType("type of '" + key + "'");
            Object value = r.value(type, key, 0);
            if (values.putIfAbsent(key, value) != null) throw r.error(at, "duplicate metadata key '" + key + "'");
            types.put(key, type);
        }
        metadata = new GgufMetadata(values, types);

        long align = metadata.getLong("general.alignment").orElse((long) DEFAULT_ALIGNMENT);
        if (align <= 0 || align > (1 << 20) || Long.bitCount(align) != 1) {
            throw new GgufFormatException(path + ": general.alignment " + align + " is not a power of two in [1, 2^20]");
        }
        alignment = (int) align;

        List<GgufTensorInfo> infos = new ArrayList<>((int) Math.min(tensorCount, 1 << 16));
        Map<String, GgufTensorInfo> byName = new HashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long at = r.pos;
            String name = r.string("name of tensor #" + i);
            int nDims = r.i32("dimension count of '" + name + "'");
            if (nDims < 1 || nDims > MAX_DIMS) throw r.error(at, "tensor '" + name + "' has " + Integer.toUnsignedString(nDims) + " dimensions (1 to 4 allowed)");
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                shape[d] = r.u64("dimension " + d + " of '" + name + "'");
                if (shape[d] <= 0 || shape[d] > (1L << 40)) throw r.error(at, "tensor '" + name + "' dimension " + d + " = " + Long.toUnsignedString(shape[d]) + " is out of range");
                elements = mulChecked(elements, shape[d], r, at, name);
            }
            int typeId = r.i32("type of '" + name + "'");
            GgmlType type = GgmlType.fromId(typeId);
            if (type == null) throw r.error(at, "tensor '" + name + "' has unknown type id " + typeId);
            if (shape[0] % type.blockSize != 0) throw r.error(at, "tensor '" + name + "' row length " + shape[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
            long offset = r.u64("data offset of '" + name + "'");
            if (offset % alignment != 0) throw r.error(at, "tensor '" + name + "' data offset " + Long.toUnsignedString(offset) + " is not aligned to " + alignment);
            GgufTensorInfo info = new GgufTensorInfo(name, type, shape, offset);
            if (byName.putIfAbsent(name, info) != null) throw r.error(at, "duplicate tensor name '" + name + "'");
            infos.add(info);
        }
        long headerEnd = r.pos;
        dataOffset = (headerEnd + alignment - 1) / alignment * alignment;
        long dataSize = file.byteSize() - dataOffset;
        if (tensorCount > 0 && dataSize < 0) throw new GgufFormatException(path + ": file ends inside the padding before tensor data (truncated?)");
        for (GgufTensorInfo t : infos) {
            long size;
            try {
                size = t.byteSize();
            } catch (ArithmeticException e) {
                throw new GgufFormatException(path + ": tensor '" + t.name() + "' size overflows");
            }
            if (t.offset() < 0 || t.offset() > dataSize || size > dataSize - t.offset()) {
                throw new GgufFormatException(path + ": tensor '" + t.name() + "' (" + t.type() + " " + java.util.Arrays.toString(t.shape())
                        + ", " + size + " bytes at data offset " + Long.toUnsignedString(t.offset()) + ") lies past the end of the file ("
                        + Math.max(0, dataSize) + " data bytes; truncated?)");
            }
        }
        checkNoOverlap(infos);
        tensors = Collections.unmodifiableList(infos);
        tensorsByName = Collections.unmodifiableMap(byName);
    }

    private void checkNoOverlap(List<GgufTensorInfo> infos) throws GgufFormatException {
        List<GgufTensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        for (int i = 1; i < sorted.size(); i++) {
            GgufTensorInfo prev = sorted.get(i - 1), cur = sorted.get(i);
            if (prev.offset() + prev.byteSize() > cur.offset()) {
                throw new GgufFormatException(path + ": tensors '" + prev.name() + "' and '" + cur.name() + "' overlap in the data section");
            }
        }
    }

    private static long mulChecked(long a, long b, Reader r, long at, String name) throws GgufFormatException {
        try {
            long v = Math.multiplyExact(a, b);
            if (v > (1L << 48)) throw new ArithmeticException();
            return v;
        } catch (ArithmeticException e) {
            throw r.error(at, "tensor '" + name + "' has too many elements");
        }
    }

    /** Opens and maps a GGUF file. The returned object owns the mapping; close it to unmap. */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 24) throw new GgufFormatException(path + ": file is " + size + " bytes, too short for a GGUF header");
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new GgufFile(path, arena, seg);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Parses a GGUF image held in memory (e.g. for tests); the segment must outlive the returned object. */
    public static GgufFile of(MemorySegment image) throws GgufFormatException {
        if (image.byteSize() < 24) throw new GgufFormatException("<memory>: " + image.byteSize() + " bytes, too short for a GGUF header");
        return new GgufFile(Path.of("<memory>"), null, image);
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public GgufTensorInfo tensor(String name) {
        return tensorsByName.get(name);
    }

    public boolean hasTensor(String name) {
        return tensorsByName.containsKey(name);
    }

    public int alignment() {
        return alignment;
    }

    /** Absolute file offset of the data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return file.byteSize();
    }

    /** The bytes of a tensor, a slice of the mapping (no copy). */
    public MemorySegment data(GgufTensorInfo info) {
        return file.asSlice(dataOffset + info.offset(), info.byteSize());
    }

    /** Bytes of a tensor by name; fails with a clear message when it is absent. */
    public MemorySegment data(String name) throws GgufFormatException {
        GgufTensorInfo info = tensor(name);
        if (info == null) throw new GgufFormatException(path + ": tensor '" + name + "' is missing");
        return data(info);
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }

    /** Bounds-checked little-endian cursor over the header. */
    private static final class Reader {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        final MemorySegment seg;
        final Path path;
        long pos;
        private byte[] bytes = new byte[256];
        private final java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

        Reader(MemorySegment seg, Path path) {
            this.seg = seg;
            this.path = path;
        }

        long remaining() {
            return seg.byteSize() - pos;
        }

        GgufFormatException error(long at, String msg) {
            return new GgufFormatException(path + ": " + msg + " (at byte " + at + ")");
        }

        private void need(long n, String what) throws GgufFormatException {
            if (n < 0 || n > remaining()) {
                throw error(pos, "file ends while reading " + what + " (needs " + (n < 0 ? Long.toUnsignedString(n) : n) + " bytes, " + remaining() + " left; truncated?)");
            }
        }

        int i32(String what) throws GgufFormatException {
            need(4, what);
            int v = seg.get(I32, pos);
            pos += 4;
            return v;
        }

        long u64(String what) throws GgufFormatException {
            need(8, what);
            long v = seg.get(I64, pos);
            pos += 8;
            return v;
        }

        String string(String what) throws GgufFormatException {
            return string(what, null, -1);
        }

        /**
         * Reads a length-prefixed UTF-8 string. The description of what is read ({@code what}, or element
         * {@code index} of array {@code key}) is only put together when something is wrong: vocabularies hold
         * hundreds of thousands of strings.
         */
        String string(String what, String key, int index) throws GgufFormatException {
            long at = pos;
            long len = u64OrFail(what, key, index);
            if (len < 0 || len > MAX_STRING_BYTES) throw error(at, describe(what, key, index) + " has implausible length " + Long.toUnsignedString(len));
            if (len > remaining()) need(len, describe(what, key, index));
            int n = (int) len;
            if (bytes.length < n) bytes = new byte[Math.max(n, bytes.length * 2)];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, bytes, 0, n);
            pos += n;
            boolean ascii = true;
            for (int i = 0; i < n; i++) {
                if (bytes[i] < 0) {
                    ascii = false;
                    break;
                }
            }
            if (ascii) return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            try {
                return utf8.decode(java.nio.ByteBuffer.wrap(bytes, 0, n)).toString();
            } catch (CharacterCodingException e) {
                // Some vocabularies hold raw non-UTF-8 bytes in token strings; keep them readable, one char per byte.
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
        }

        private long u64OrFail(String what, String key, int index) throws GgufFormatException {
            if (remaining() < 8) need(8, "length of " + describe(what, key, index));
            long v = seg.get(I64, pos);
            pos += 8;
            return v;
        }

        private static String describe(String what, String key, int index) {
            return key == null ? what : "element " + index + " of array '" + key + "'";
        }

        GgufValueType valueType(String what) throws GgufFormatException {
            long at = pos;
            int id = i32(what);
            GgufValueType t = GgufValueType.fromId(id);
            if (t == null) throw error(at, what + ": unknown value type id " + id);
            return t;
        }

        Object value(GgufValueType type, String key, int depth) throws GgufFormatException {
            String what = "value of '" + key + "'";
            switch (type) {
                case UINT8, INT8, BOOL -> {
                    need(1, what);
                    byte b = seg.get(ValueLayout.JAVA_BYTE, pos++);
                    if (type == GgufValueType.BOOL) {
                        if (b != 0 && b != 1) throw error(pos - 1, "bool " + what + " is " + b + ", not 0 or 1");
                        return b != 0;
                    }
                    return b;
                }
                case UINT16, INT16 -> {
                    need(2, what);
                    short s = seg.get(I16, pos);
                    pos += 2;
                    return s;
                }
                case UINT32, INT32 -> {
                    return i32(what);
                }
                case UINT64, INT64 -> {
                    return u64(what);
                }
                case FLOAT32 -> {
                    need(4, what);
                    float f = seg.get(F32, pos);
                    pos += 4;
                    return f;
                }
                case FLOAT64 -> {
                    need(8, what);
                    double d = seg.get(F64, pos);
                    pos += 8;
                    return d;
                }
                case STRING -> {
                    return string(what);
                }
                case ARRAY -> {
                    if (depth >= MAX_ARRAY_NESTING) throw error(pos, "arrays nested too deeply in '" + key + "'");
                    return array(key, depth);
                }
            }
            throw new AssertionError(type);
        }

        private GgufArray array(String key, int depth) throws GgufFormatException {
            long at = pos;
            GgufValueType et = valueType("element type of array '" + key + "'");
            long n = u64("length of array '" + key + "'");
            if (n < 0 || n > remaining() / et.minBytes || n > Integer.MAX_VALUE - 8) {
                throw error(at, "array '" + key + "' claims " + Long.toUnsignedString(n) + " " + et + " elements, more than the file can hold");
            }
            int count = (int) n;
            switch (et) {
                case UINT8, INT8 -> {
                    byte[] a = seg.asSlice(pos, count).toArray(ValueLayout.JAVA_BYTE);
                    pos += count;
                    return new GgufArray(et, a);
                }
                case BOOL -> {
                    boolean[] a = new boolean[count];
                    for (int i = 0; i < count; i++) a[i] = (Boolean) value(et, key, depth + 1);
                    return new GgufArray(et, a);
                }
                case UINT16, INT16 -> {
                    short[] a = new short[count];
                    MemorySegment.copy(seg, I16, pos, a, 0, count);
                    pos += 2L * count;
                    return new GgufArray(et, a);
                }
                case UINT32, INT32 -> {
                    int[] a = new int[count];
                    MemorySegment.copy(seg, I32, pos, a, 0, count);
                    pos += 4L * count;
                    return new GgufArray(et, a);
                }
                case UINT64, INT64 -> {
                    long[] a = new long[count];
                    MemorySegment.copy(seg, I64, pos, a, 0, count);
                    pos += 8L * count;
                    return new GgufArray(et, a);
                }
                case FLOAT32 -> {
                    float[] a = new float[count];
                    MemorySegment.copy(seg, F32, pos, a, 0, count);
                    pos += 4L * count;
                    return new GgufArray(et, a);
                }
                case FLOAT64 -> {
                    double[] a = new double[count];
                    MemorySegment.copy(seg, F64, pos, a, 0, count);
                    pos += 8L * count;
                    return new GgufArray(et, a);
                }
                case STRING -> {
                    String[] a = new String[count];
                    for (int i = 0; i < count; i++) a[i] = string(null, key, i);
                    return new GgufArray(et, a);
                }
                case ARRAY -> {
                    GgufArray[] a = new GgufArray[count];
                    for (int i = 0; i < count; i++) a[i] = (GgufArray) value(et, key, depth + 1);
                    return new GgufArray(et, a);
                }
            }
            throw new AssertionError(et);
        }
    }
}
