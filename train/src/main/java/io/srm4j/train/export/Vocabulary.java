package io.srm4j.train.export;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * A SentencePiece-style ("llama") vocabulary to write into GGUF: ids 0..2 are {@code <unk>}, {@code <s>},
 * {@code </s>}, then the 256 byte-fallback tokens {@code <0x00>..<0xFF>}, then the given pieces (with "▁" for a
 * space, as SentencePiece writes it), with "▁" itself added first when absent. Any text encodes, byte by byte at
 * worst. The runtime's SentencePiece tokenizer builds pieces by merging adjacent pairs, so a multi-character piece is
 * reached only when the pieces it splits into are in the vocabulary too ("▁t" and "he" for "▁the").
 *
 * @param types GGUF token types: 1 normal, 2 unknown, 3 control, 6 byte
 */
public record Vocabulary(List<String> tokens, float[] scores, int[] types, int unk, int bos, int eos) {
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, BYTE = 6;

    public static Vocabulary withBytes(List<String> pieces) {
        List<String> t = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) t.add(String.format("<0x%02X>", b));
        var seen = new HashSet<>(t);
        if (!pieces.contains("▁")) {
            t.add("▁");
            seen.add("▁");
        }
        for (String p : pieces) {
            if (p.isEmpty()) throw new IllegalArgumentException("empty piece in vocabulary");
            if (!seen.add(p)) throw new IllegalArgumentException("duplicate piece '" + p + "' in vocabulary");
            t.add(p);
        }
        float[] scores = new float[t.size()];
        int[] types = new int[t.size()];
        types[0] = UNKNOWN;
        types[1] = types[2] = CONTROL;
        for (int i = 3; i < 259; i++) types[i] = BYTE;
        for (int i = 259; i < t.size(); i++) {
            types[i] = NORMAL;
            scores[i] = -(i - 259); // earlier pieces win merges, as in a trained SentencePiece model
        }
        return new Vocabulary(List.copyOf(t), scores, types, 0, 1, 2);
    }

    public int size() {
        return tokens.size();
    }
}
