package io.srm4j.runtime.gguf;

import io.srm4j.runtime.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    private static GgufWriter sample() {
        GgufWriter w = new GgufWriter();
        w.put("u8", GgufValueType.UINT8, (byte) 200);
        w.put("i8", GgufValueType.INT8, (byte) -5);
        w.put("u16", GgufValueType.UINT16, (short) 60000);
        w.put("i16", GgufValueType.INT16, (short) -300);
        w.putUInt32("u32", 0xFFFFFFF0);
        w.putInt32("i32", -7);
        w.put("u64", GgufValueType.UINT64, 1L << 40);
        w.put("i64", GgufValueType.INT64, -(1L << 40));
        w.putFloat32("f32", 1.5f);
        w.put("f64", GgufValueType.FLOAT64, Math.PI);
        w.putBool("bool", true);
        w.putString("str", "héllo ✓ <think>");
        w.putStrings("strs", "a", "", "ü");
        w.putInts("ints", 1, -2, 3);
        w.putFloats("floats", 0.5f, -1f);
        w.putArray("nested", new GgufArray(GgufValueType.ARRAY, new GgufArray[]{
                new GgufArray(GgufValueType.INT32, new int[]{1, 2}), new GgufArray(GgufValueType.STRING, new String[]{"x"})}));
        w.putArray("bytes", new GgufArray(GgufValueType.UINT8, new byte[]{(byte) 255, 0, 1}));
        w.addTensor("a", new long[]{4, 2}, new float[]{1, 2, 3, 4, 5, 6, 7, 8});
        w.addTensor("b", GgmlType.F16, new long[]{3}, new byte[]{0, 0x3c, 0, 0x40, 0, (byte) 0xc0}); // 1, 2, -2
        return w;
    }

    @Test
    void everyValueTypeAndTensorSurvivesARoundTrip() throws Exception {
        Path p = dir.resolve("m.gguf");
        sample().write(p);
        try (GgufFile f = GgufFile.open(p)) {
            GgufMetadata md = f.metadata();
            assertEquals(3, f.version());
            assertEquals(200L, md.getLong("u8").orElseThrow());
            assertEquals(-5L, md.getLong("i8").orElseThrow());
            assertEquals(60000L, md.getLong("u16").orElseThrow());
            assertEquals(-300L, md.getLong("i16").orElseThrow());
            assertEquals(0xFFFFFFF0L, md.getLong("u32").orElseThrow());
            assertEquals(-7, md.requireInt("i32"));
            assertEquals(1L << 40, md.getLong("u64").orElseThrow());
            assertEquals(-(1L << 40), md.getLong("i64").orElseThrow());
            assertEquals(1.5f, md.getFloat("f32", 0));
            assertEquals(Math.PI, md.getDouble("f64").orElseThrow());
            assertTrue(md.getBoolean("bool", false));
            assertEquals("héllo ✓ <think>", md.requireString("str"));
            assertArrayEquals(new String[]{"a", "", "ü"}, md.getStringArray("strs").orElseThrow());
            assertArrayEquals(new int[]{1, -2, 3}, md.getIntArray("ints").orElseThrow());
            assertArrayEquals(new float[]{0.5f, -1f}, md.getFloatArray("floats").orElseThrow());
            assertArrayEquals(new int[]{255, 0, 1}, md.getIntArray("bytes").orElseThrow());
            GgufArray nested = md.getArray("nested").orElseThrow();
            assertEquals(2, nested.size());
            assertArrayEquals(new int[]{1, 2}, (int[]) ((GgufArray[]) nested.values())[0].values());
            assertThrows(GgufFormatException.class, () -> md.getInt("u64"));

            assertEquals(2, f.tensors().size());
            GgufTensorInfo a = f.tensor("a");
            assertEquals(GgmlType.F32, a.type());
            assertArrayEquals(new long[]{4, 2}, a.shape());
            assertEquals(0, (f.dataOffset() + a.offset()) % f.alignment());
            MemorySegment data = f.data(a);
            assertEquals(32, data.byteSize());
            assertEquals(7f, data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 24));
            GgufTensorInfo b = f.tensor("b");
            assertEquals(0, b.offset() % 32);
            assertEquals(-2f, Float.float16ToFloat(f.data(b).get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4)));

            // re-writing what was read gives the same bytes
            GgufWriter again = new GgufWriter().putAll(md);
            for (GgufTensorInfo t : f.tensors()) again.addTensor(t.name(), t.type(), t.shape(), f.data(t));
            assertArrayEquals(Files.readAllBytes(p), again.toByteArray());
        }
    }

    @Test
    void customAlignmentIsHonoured() throws Exception {
        GgufWriter w = new GgufWriter().putUInt32("general.alignment", 64);
        w.addTensor("x", new long[]{3}, new float[]{1, 2, 3});
        w.addTensor("y", new long[]{5}, new float[]{1, 2, 3, 4, 5});
        try (GgufFile f = GgufFile.of(MemorySegment.ofArray(w.toByteArray()))) {
            assertEquals(64, f.alignment());
            for (GgufTensorInfo t : f.tensors()) assertEquals(0, (f.dataOffset() + t.offset()) % 64);
        }
    }

    @Test
    void vocabOnlyFilesHaveNoTensors() throws Exception {
        byte[] bytes = new GgufWriter().putString("tokenizer.ggml.model", "gpt2").toByteArray();
        GgufFile f = GgufFile.of(MemorySegment.ofArray(bytes));
        assertTrue(f.tensors().isEmpty());
        assertEquals("gpt2", f.metadata().requireString("tokenizer.ggml.model"));
    }

    private static String error(byte[] bytes) {
        return assertThrows(GgufFormatException.class, () -> GgufFile.of(MemorySegment.ofArray(bytes))).getMessage();
    }

    @Test
    void brokenHeadersNameTheProblem() throws Exception {
        byte[] good = sample().toByteArray();
        byte[] bad = good.clone();
        bad[0] = 'X';
        assertTrue(error(bad).contains("not a GGUF file"), error(bad));
        bad = good.clone();
        bad[4] = 1;
        assertTrue(error(bad).contains("version 1"));
        bad = good.clone();
        bad[4] = 9;
        assertTrue(error(bad).contains("unsupported GGUF version 9"));
        bad = good.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(16, Long.MAX_VALUE);
        assertTrue(error(bad).contains("metadata count"), error(bad));
        bad = good.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 1L << 50); // length of the first key
        assertTrue(error(bad).contains("implausible length") || error(bad).contains("file ends"), error(bad));
        String trunc = error(java.util.Arrays.copyOf(good, 100));
        assertTrue(trunc.contains("truncated"), trunc);
        // tensor data cut off: the message names the tensor
        String cut = error(java.util.Arrays.copyOf(good, good.length - 30));
        assertTrue(cut.contains("tensor 'b'") && cut.contains("past the end"), cut);
        assertTrue(error(new byte[10]).contains("too short"));
    }

    @Test
    void duplicateKeysAndBadTensorInfosAreRejected() throws Exception {
        // a duplicate key, hand-made: write two keys then rename the second to equal the first
        byte[] dup = new GgufWriter().putInt32("k1", 1).putInt32("k2", 2).toByteArray();
        int second = indexOf(dup, "k2".getBytes());
        dup[second + 1] = '1';
        assertTrue(error(dup).contains("duplicate metadata key 'k1'"));

        byte[] t = new GgufWriter().addTensor("w", GgmlType.F32, new long[]{2, 2}, new byte[16]).toByteArray();
        int name = indexOf(t, "w".getBytes());
        byte[] dims = t.clone();
        ByteBuffer.wrap(dims).order(ByteOrder.LITTLE_ENDIAN).putInt(name + 1, 7);
        assertTrue(error(dims).contains("7 dimensions"), error(dims));
        byte[] type = t.clone();
        ByteBuffer.wrap(type).order(ByteOrder.LITTLE_ENDIAN).putInt(name + 1 + 4 + 16, 99);
        assertTrue(error(type).contains("unknown type id 99"), error(type));
        byte[] offset = t.clone();
        ByteBuffer.wrap(offset).order(ByteOrder.LITTLE_ENDIAN).putLong(name + 1 + 4 + 16 + 4, 3);
        assertTrue(error(offset).contains("not aligned"), error(offset));
        byte[] zero = t.clone();
        ByteBuffer.wrap(zero).order(ByteOrder.LITTLE_ENDIAN).putLong(name + 1 + 4, 0);
        assertTrue(error(zero).contains("out of range"), error(zero));
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = hay.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
