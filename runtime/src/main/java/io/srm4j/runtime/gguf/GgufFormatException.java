package io.srm4j.runtime.gguf;

import java.io.IOException;

/** A GGUF file that cannot be read: truncated, corrupted or inconsistent. The message names the problem. */
public final class GgufFormatException extends IOException {
    public GgufFormatException(String message) {
        super(message);
    }
}
