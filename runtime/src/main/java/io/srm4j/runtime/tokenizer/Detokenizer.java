package io.srm4j.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns token ids into text one id at a time, never splitting a UTF-8 sequence: bytes of a character that a
 * later token completes are held back until then. Pieces are llama.cpp's per-token pieces
 * ({@code token_to_piece}), as its streaming output uses them; the whole-text clean-up of
 * {@link Tokenizer#decode} (spaces before punctuation) is not applied. Not thread-safe.
 */
public final class Detokenizer {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private boolean stripNextLeadingSpace;
    private byte[] pending = new byte[0];

    Detokenizer(Tokenizer tokenizer, boolean renderSpecial, boolean stripLeadingSpace) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
        this.stripNextLeadingSpace = stripLeadingSpace;
    }

    /** Adds one token; returns the text it completes (possibly empty). */
    public String push(int id) {
        if (id < 0 || id >= tokenizer.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is out of range (vocabulary has " + tokenizer.vocabSize() + " tokens)");
        }
        byte[] piece = tokenizer.tokenPieceShared(id, renderSpecial);
        int skip = stripNextLeadingSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
        stripNextLeadingSpace = false;
        byte[] all = Arrays.copyOf(pending, pending.length + piece.length - skip);
        System.arraycopy(piece, skip, all, pending.length, piece.length - skip);
        int complete = completePrefix(all);
        pending = Arrays.copyOfRange(all, complete, all.length);
        return new String(all, 0, complete, StandardCharsets.UTF_8);
    }

    /** Adds several tokens; returns the text they complete. */
    public String push(int... ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(push(id));
        return sb.toString();
    }

    /** Returns whatever is held back (an incomplete sequence becomes U+FFFD) and resets. */
    public String flush() {
        String s = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return s;
    }

    /** Bytes waiting for the rest of a UTF-8 sequence. */
    public int pendingBytes() {
        return pending.length;
    }

    /**
     * Length of the longest prefix that does not end inside a UTF-8 sequence that may still be completed: a
     * trailing lead byte followed by fewer continuation bytes than it announces is held back; anything else
     * (including invalid bytes) is released and decoded with replacement characters.
     */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int i = n - back;
            int v = b[i] & 0xFF;
            if ((v & 0xC0) == 0x80) continue; // continuation byte: look further back
            int need = (v & 0xE0) == 0xC0 ? 2 : (v & 0xF0) == 0xE0 ? 3 : (v & 0xF8) == 0xF0 ? 4 : 1;
            return back < need ? i : n;
        }
        return n;
    }

}
