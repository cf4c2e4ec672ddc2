package io.srm4j.train.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.runtime.tensor.Quantize;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes the safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON header
 * mapping each tensor name to its dtype, shape (slowest dimension first, as PyTorch) and [begin, end) byte offsets
 * into the data that follows, then the tensors back to back. The header is padded with spaces to a multiple of 8
 * bytes, as the reference implementation does, so every tensor starts 8-byte aligned. Tensors are converted one at
 * a time while writing, so a model is never held twice in memory.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The element types written here, with their safetensors names. */
    public enum Dtype {
        F32(GgmlType.F32, "float32"), F16(GgmlType.F16, "float16"), BF16(GgmlType.BF16, "bfloat16");

        final GgmlType ggml;
        /** What Hugging Face's config.json calls it (torch_dtype). */
        public final String torchName;

        Dtype(GgmlType ggml, String torchName) {
            this.ggml = ggml;
            this.torchName = torchName;
        }

        public int bytes() {
            return ggml.typeSize;
        }

        public static Dtype parse(String s) {
            for (Dtype d : values()) if (d.name().equalsIgnoreCase(s.trim())) return d;
            throw new IllegalArgumentException("safetensors holds f32, f16 or bf16, not '" + s.toLowerCase(Locale.ROOT) + "'");
        }
    }

    /** One tensor: {@code shape} slowest-first; {@code values} row-major, produced when it is written. */
    public record Entry(String name, Dtype dtype, long[] shape, Supplier<float[]> values) {
        public Entry {
            shape = shape.clone();
        }

        long elements() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        long byteSize() {
            return Math.multiplyExact(elements(), (long) dtype.bytes());
        }
    }

    /** Writes the tensors (and string metadata under {@code __metadata__}) to {@code path}, atomically. */
    public static void write(List<Entry> entries, Map<String, String> metadata, Path path) throws IOException {
        byte[] header = header(entries, metadata);
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            for (Entry e : entries) {
                float[] v = e.values().get();
                if (v.length != e.elements()) {
                    throw new IllegalStateException("tensor " + e.name() + " produced " + v.length + " values for " + e.elements() + " elements");
                }
                out.write(Quantize.row(e.dtype().ggml, v, 0, v.length)); // F32/F16/BF16: plain little-endian conversion
            }
        } catch (IOException | RuntimeException ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        ObjectNode h = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = h.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        var names = new HashSet<String>();
        long offset = 0;
        for (Entry e : entries) {
            if (e.name().equals("__metadata__") || !names.add(e.name())) throw new IllegalArgumentException("duplicate or reserved tensor name " + e.name());
            ObjectNode t = h.putObject(e.name());
            t.put("dtype", e.dtype().name());
            var shape = t.putArray("shape");
            for (long d : e.shape()) shape.add(d);
            long end = Math.addExact(offset, e.byteSize());
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }
}
