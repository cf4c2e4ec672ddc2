package io.srm4j.runtime.tokenizer;

/**
 * What kind of token an id is, after llama.cpp's load-time adjustments (e.g. "&lt;|im_end|&gt;" forced to
 * control, control tokens whose text holds "unused" marked unused). The GGUF codes are those of
 * {@code tokenizer.ggml.token_type}.
 */
public enum TokenType {
    UNDEFINED(0), NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    /** The value used in {@code tokenizer.ggml.token_type}. */
    public final int ggufCode;

    TokenType(int ggufCode) {
        this.ggufCode = ggufCode;
    }

    static TokenType ofGgufCode(int code) {
        return switch (code) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> UNDEFINED;
        };
    }
}
