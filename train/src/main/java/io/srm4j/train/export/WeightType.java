package io.srm4j.train.export;

import io.srm4j.runtime.tensor.GgmlType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The weight type of an exported GGUF, with llama.cpp's rules for which tensor gets which ggml type
 * ({@code llama_tensor_get_type} in llama-quant.cpp and convert_hf_to_gguf.py, without an importance matrix):
 * vectors (norms, biases) stay F32; matrices take the chosen type; with Q4_0 the output layer (or the token
 * embedding when it is tied to the output) gets Q6_K, as llama-quantize does. A matrix whose rows do not split
 * into the type's blocks falls back as llama.cpp does: Q6_K to Q8_0, and Q8_0/Q4_0 to F16 (convert_hf_to_gguf's
 * fallback for block types).
 *
 * @param fileType the {@code general.file_type} value (llama_ftype)
 */
public enum WeightType {
    F32(GgmlType.F32, 0),
    F16(GgmlType.F16, 1),
    BF16(GgmlType.BF16, 32),
    Q8_0(GgmlType.Q8_0, 7),
    Q4_0(GgmlType.Q4_0, 2),
    Q6_K(GgmlType.Q6_K, 18);

    public final GgmlType ggmlType;
    public final int fileType;

    WeightType(GgmlType ggmlType, int fileType) {
        this.ggmlType = ggmlType;
        this.fileType = fileType;
    }

    /** Parses "f32", "q8_0", "Q6_K", ...; an unknown name gets an error listing the choices. */
    public static WeightType parse(String s) {
        for (WeightType t : values()) if (t.name().equalsIgnoreCase(s.trim())) return t;
        throw new IllegalArgumentException("unknown weight type '" + s + "' (choose one of "
                + Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ")");
    }

    public boolean isQuantized() {
        return ggmlType.isQuantized();
    }

    /**
     * The ggml type of one tensor: {@code name} its GGUF name, {@code cols} its row length, {@code matrix} whether it
     * has two dimensions, {@code tiedOutput} whether the model has no output.weight.
     */
    public GgmlType typeFor(String name, int cols, boolean matrix, boolean tiedOutput) {
        if (!matrix) return GgmlType.F32;
        GgmlType t = ggmlType;
        boolean isOutput = name.equals("output.weight") || (tiedOutput && name.equals("token_embd.weight"));
        if (isOutput && this == Q4_0) t = cols % t.blockSize != 0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
        if (t == GgmlType.Q6_K && cols % t.blockSize != 0) t = GgmlType.Q8_0;
        if (cols % t.blockSize != 0) t = GgmlType.F16;
        return t;
    }
}
