package io.srm4j.runtime.tokenizer;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.gguf.GgufMetadata;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A tokenizer built from GGUF metadata that reproduces llama.cpp (src/llama-vocab.cpp) id for id: byte-level
 * BPE ({@code tokenizer.ggml.model = "gpt2"}) with the pre-tokenizer named by {@code tokenizer.ggml.pre}, and
 * SentencePiece BPE ({@code "llama"}). Immutable and safe to share between threads.
 */
public final class Tokenizer {
    /** Which llama.cpp tokenizer algorithm the vocabulary uses. */
    public enum Kind {
        /** SentencePiece BPE with byte fallback (llama.cpp LLAMA_VOCAB_TYPE_SPM). */
        SPM,
        /** GPT-2 style byte-level BPE (llama.cpp LLAMA_VOCAB_TYPE_BPE). */
        BPE
    }

    // Token attributes as llama.cpp's llama_token_attr bits; several may be set at once.
    static final int ATTR_UNKNOWN = 1;
    static final int ATTR_UNUSED = 1 << 1;
    static final int ATTR_NORMAL = 1 << 2;
    static final int ATTR_CONTROL = 1 << 3;
    static final int ATTR_USER_DEFINED = 1 << 4;
    static final int ATTR_BYTE = 1 << 5;
    static final int ATTR_LSTRIP = 1 << 7;
    static final int ATTR_RSTRIP = 1 << 8;

    private static final String SPACE_MARK = "\u2581";

    private final Kind kind;
    private final String preName;
    private final PreTokenizer pre;
    private final String[] texts;
    private final float[] scores;
    private final int[] attrs;
    private final StringIntMap idsByText;
    private final StringIntMap mergeRanks; // "left right" -> rank
    private final int[] specialTokens;             // control/user-defined/unknown ids, longest text first
    private final int[] endOfGeneration;           // sorted
    private final int bos, eos, eot, eom, unk, pad, sep;
    private final boolean addBos, addEos, addSpacePrefix, cleanSpaces, ignoreMerges;
    private final int[] byteTokens;                // SPM byte fallback per byte value, -1 when missing
    private final AtomicReferenceArray<byte[]> pieceCache; // token_to_piece(id, special = true), filled lazily

    Tokenizer(TokenizerLoader b) {
        this.kind = b.kind;
        this.preName = b.preName;
        this.pre = b.pre;
        this.texts = b.texts;
        this.scores = b.scores;
        this.attrs = b.attrs;
        this.idsByText = b.idsByText;
        this.mergeRanks = b.mergeRanks;
        this.specialTokens = b.specialTokens;
        this.endOfGeneration = b.eog;
        this.bos = b.bos;
        this.eos = b.eos;
        this.eot = b.eot;
        this.eom = b.eom;
        this.unk = b.unk;
        this.pad = b.pad;
        this.sep = b.sep;
        this.addBos = b.addBos;
        this.addEos = b.addEos;
        this.addSpacePrefix = b.addSpacePrefix;
        this.cleanSpaces = b.cleanSpaces;
        this.ignoreMerges = b.ignoreMerges;
        this.pieceCache = new AtomicReferenceArray<>(texts.length);
        this.byteTokens = new int[256];
        for (int v = 0; v < 256; v++) {
            int id = idsByText.get(String.format(Locale.ROOT, "<0x%02X>", v));
            if (id < 0 && v < 0x80) id = idsByText.get(String.valueOf((char) v)); // llama.cpp's second try: the raw byte
            byteTokens[v] = id;
        }
    }

    /** Opens a GGUF file (a vocab-only one is enough) and builds its tokenizer. */
    public static Tokenizer fromGguf(Path path) throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            return fromGguf(f.metadata());
        }
    }

    /**
     * Builds the tokenizer described by {@code tokenizer.ggml.*} metadata, applying llama.cpp's load-time rules
     * (default special ids per model, add_bos per pre-tokenizer, end-of-generation detection by token text).
     *
     * @throws GgufFormatException when required keys are missing, of the wrong type, or inconsistent
     */
    public static Tokenizer fromGguf(GgufMetadata md) throws GgufFormatException {
        return new TokenizerLoader(md).build();
    }

    // ---- properties ------------------------------------------------------------------------------------------

    public Kind kind() {
        return kind;
    }

    /** The {@code tokenizer.ggml.pre} name in effect ("default" when absent; "spm" for SentencePiece). */
    public String preTokenizerName() {
        return preName;
    }

    public int vocabSize() {
        return texts.length;
    }

    /** BOS id, or -1 when the vocabulary has none. */
    public int bosId() {
        return bos;
    }

    /** EOS id, or -1 when the vocabulary has none. */
    public int eosId() {
        return eos;
    }

    /** End-of-turn id (from metadata or found by text, e.g. "&lt;|im_end|&gt;"), or -1. */
    public int eotId() {
        return eot;
    }

    /** End-of-message id ("&lt;|eom_id|&gt;"), or -1. */
    public int eomId() {
        return eom;
    }

    public int unknownId() {
        return unk;
    }

    public int paddingId() {
        return pad;
    }

    public int separatorId() {
        return sep;
    }

    /** Whether encode(..., addSpecial = true, ...) prepends BOS. */
    public boolean shouldAddBos() {
        return addBos;
    }

    /** Whether encode(..., addSpecial = true, ...) appends EOS. */
    public boolean shouldAddEos() {
        return addEos;
    }

    public boolean addsSpacePrefix() {
        return addSpacePrefix;
    }

    /** Whether {@link #decode} applies llama.cpp's clean-up of spaces before punctuation and contractions. */
    public boolean cleansSpaces() {
        return cleanSpaces;
    }

    /** Whether generation should stop at this token (llama.cpp's EOG set). */
    public boolean isEndOfGeneration(int id) {
        return Arrays.binarySearch(endOfGeneration, id) >= 0;
    }

    /** The end-of-generation ids, ascending. */
    public int[] endOfGenerationIds() {
        return endOfGeneration.clone();
    }

    /** The token's vocabulary text as stored (byte-level BPE tokens in GPT-2's byte alphabet, SPM with ▁). */
    public String tokenText(int id) {
        checkId(id);
        return texts[id];
    }

    public float score(int id) {
        checkId(id);
        return scores[id];
    }

    /**
     * The token's type after llama.cpp's adjustments. A token may carry several llama.cpp attributes; the one
     * that decides its behaviour wins (a user-defined token forced to control acts as control).
     */
    public TokenType type(int id) {
        checkId(id);
        int a = attrs[id];
        if ((a & ATTR_BYTE) != 0) return TokenType.BYTE;
        if ((a & ATTR_UNUSED) != 0) return TokenType.UNUSED;
        if ((a & ATTR_CONTROL) != 0) return TokenType.CONTROL;
        if ((a & ATTR_USER_DEFINED) != 0) return TokenType.USER_DEFINED;
        if ((a & ATTR_UNKNOWN) != 0) return TokenType.UNKNOWN;
        if ((a & ATTR_NORMAL) != 0) return TokenType.NORMAL;
        return TokenType.UNDEFINED;
    }

    /** A control, user-defined or unknown token: one that is cut out of text by its literal text. */
    public boolean isSpecial(int id) {
        checkId(id);
        return (attrs[id] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0;
    }

    /** The id whose vocabulary text is exactly {@code text}, or -1. */
    public int tokenId(String text) {
        return idsByText.get(text);
    }

    int attr(int id) {
        return attrs[id];
    }

    private void checkId(int id) {
        if (id < 0 || id >= texts.length) {
            throw new IllegalArgumentException("token id " + id + " is out of range (vocabulary has " + texts.length + " tokens)");
        }
    }

    // ---- encoding --------------------------------------------------------------------------------------------

    /**
     * Tokenizes text like llama.cpp's {@code llama_tokenize}.
     *
     * @param addSpecial   add BOS (and EOS) where the vocabulary asks for them ({@link #shouldAddBos()})
     * @param parseSpecial turn the text of control tokens (e.g. "&lt;|im_start|&gt;") into those tokens; user-defined
     *                     tokens are matched either way, as in llama.cpp
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        String raw = sanitize(text);
        List<Fragment> fragments = partition(raw, parseSpecial);
        IntList out = new IntList();
        if (kind == Kind.SPM) {
            boolean prevSpecial = true; // a space prefix goes before the first text and after each special token
            if (addSpecial && addBos) {
                requireSpecial(bos, "BOS");
                out.add(bos);
            }
            for (Fragment f : fragments) {
                if (f.isToken()) {
                    out.add(f.token);
                    prevSpecial = true;
                } else {
                    String s = f.text(raw);
                    if (addSpacePrefix && prevSpecial) s = " " + s;
                    spmEncode(s.replace(" ", SPACE_MARK), out);
                    prevSpecial = false;
                }
            }
            if (addSpecial && addEos) {
                requireSpecial(eos, "EOS");
                out.add(eos);
            }
        } else {
            if (addSpecial && addBos) {
                requireSpecial(bos, "BOS");
                out.add(bos);
            }
            for (Fragment f : fragments) {
                if (f.isToken()) out.add(f.token);
                else bpeEncode(f.text(raw), out);
            }
            if (addSpecial && addEos) {
                requireSpecial(eos, "EOS");
                out.add(eos);
            }
        }
        return out.toArray();
    }

    private static void requireSpecial(int id, String what) {
        if (id < 0) throw new IllegalStateException("the vocabulary asks for " + what + " but has no " + what + " token");
    }

    /** Java strings may hold unpaired surrogates; llama.cpp would see U+FFFD for such invalid input. */
    private static String sanitize(String text) {
        if (text == null) throw new IllegalArgumentException("text is null");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                StringBuilder sb = new StringBuilder(text.length());
                text.codePoints().forEach(cp -> sb.appendCodePoint(cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp));
                return sb.toString();
            }
        }
        return text;
    }

    /** A piece of the input: raw text [offset, offset + length) or one special token. */
    private record Fragment(int token, int offset, int length) {
        static Fragment text(int offset, int length) {
            return new Fragment(-1, offset, length);
        }

        boolean isToken() {
            return token >= 0;
        }

        String text(String raw) {
            return raw.substring(offset, offset + length);
        }
    }

    /** llama.cpp's tokenizer_st_partition: cut special-token text out of the raw text, longest tokens first. */
    private List<Fragment> partition(String raw, boolean parseSpecial) {
        List<Fragment> buffer = new ArrayList<>();
        if (raw.isEmpty()) return buffer;
        buffer.add(Fragment.text(0, raw.length()));
        for (int special : specialTokens) {
            int a = attrs[special];
            if (!parseSpecial && (a & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) continue;
            String t = texts[special];
            boolean any = false;
            for (Fragment f : buffer) {
                if (f.isToken()) continue;
                int match = raw.indexOf(t, f.offset);
                if (match >= 0 && match + t.length() <= f.offset + f.length) {
                    any = true;
                    break;
                }
            }
            if (!any) continue;
            List<Fragment> next = new ArrayList<>(buffer.size() + 4);
            for (Fragment f : buffer) {
                if (f.isToken()) {
                    next.add(f);
                    continue;
                }
                int base = f.offset;
                int end = f.offset + f.length;
                while (true) {
                    int match = raw.indexOf(t, base);
                    if (match < 0 || match + t.length() > end) {
                        if (base < end) next.add(Fragment.text(base, end - base));
                        break;
                    }
                    int leftLength = match - base;
                    if ((a & ATTR_LSTRIP) != 0) {
                        while (leftLength > 0 && isCSpace(raw.charAt(base + leftLength - 1))) leftLength--;
                    }
                    if (leftLength > 0) next.add(Fragment.text(base, leftLength));
                    next.add(new Fragment(special, 0, 0));
                    int right = match + t.length();
                    if (right >= end) break;
                    if ((a & ATTR_RSTRIP) != 0) {
                        while (right < end && isCSpace(raw.charAt(right))) right++;
                    }
                    base = right;
                    if (base >= end) break;
                }
            }
            buffer = next;
        }
        return buffer;
    }

    /** C isspace() in the "C" locale. */
    private static boolean isCSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    // ---- SentencePiece BPE (llm_tokenizer_spm) ----------------------------------------------------------------

    private void spmEncode(String text, IntList out) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) return;
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            int cl = Character.charCount(text.codePointAt(off));
            start[i] = off;
            len[i] = cl;
            prev[i] = i - 1;
            next[i] = i == n - 1 ? -1 : i + 1;
            off += cl;
        }
        // highest score first, then leftmost
        PriorityQueue<long[]> queue = new PriorityQueue<>((x, y) -> {
            int c = Float.compare(Float.intBitsToFloat((int) y[2]), Float.intBitsToFloat((int) x[2]));
            return c != 0 ? c : Long.compare(x[0], y[0]);
        });
        for (int i = 1; i < n; i++) spmTryBigram(text, start, len, i - 1, i, queue);
        while (!queue.isEmpty()) {
            long[] bg = queue.poll();
            int left = (int) bg[0], right = (int) bg[1];
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != (int) bg[3]) continue; // stale
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            spmTryBigram(text, start, len, prev[left], left, queue);
            spmTryBigram(text, start, len, left, next[left], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            int id = idsByText.get(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) out.add(byteToken(b & 0xFF));
            }
        }
    }

    private void spmTryBigram(String text, int[] start, int[] len, int left, int right, PriorityQueue<long[]> q) {
        if (left < 0 || right < 0) return;
        int size = len[left] + len[right];
        int id = idsByText.get(text.substring(start[left], start[left] + size));
        if (id < 0) return;
        q.add(new long[]{left, right, Float.floatToRawIntBits(scores[id]), size});
    }

    /** The SPM byte-fallback token for a byte: "&lt;0xXX&gt;", else the byte itself, else the unknown token. */
    private int byteToken(int b) {
        int id = byteTokens[b];
        if (id < 0) {
            // llama.cpp aborts here; a vocabulary without byte tokens gets the unknown token instead
            if (unk >= 0) return unk;
            throw new IllegalStateException("vocabulary has no byte token for 0x" + Integer.toHexString(b) + " and no unknown token");
        }
        return id;
    }

    // ---- byte-level BPE (llm_tokenizer_bpe) -------------------------------------------------------------------

    private void bpeEncode(String text, IntList out) {
        int[] cpts = text.codePoints().toArray();
        int[] words = pre.split(cpts);
        int pos = 0;
        StringBuilder encoded = new StringBuilder();
        for (int w : words) {
            encoded.setLength(0);
            for (int i = pos; i < pos + w; i++) ByteLevel.appendEncoded(cpts[i], encoded);
            pos += w;
            bpeWord(encoded.toString(), out);
        }
    }

    private void bpeWord(String word, IntList out) {
        int n = word.length(); // one char per input byte in the byte-level alphabet
        if (n == 0) return;
        if (ignoreMerges) {
            int whole = idsByText.get(word);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        int[] len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i == n - 1 ? -1 : i + 1;
        }
        // lowest rank first, then leftmost; entries are {left, right, rank, size}
        PriorityQueue<int[]> queue = new PriorityQueue<>((x, y) ->
                x[2] != y[2] ? Integer.compare(x[2], y[2]) : Integer.compare(x[0], y[0]));
        for (int i = 1; i < n; i++) bpeTryBigram(word, len, i - 1, i, queue);
        while (!queue.isEmpty()) {
            int[] bg = queue.poll();
            int left = bg[0], right = bg[1];
            // stale when either side changed since the pair was queued (left always starts at its index)
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != bg[3] || left + len[left] != right) continue;
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            bpeTryBigram(word, len, prev[left], left, queue);
            bpeTryBigram(word, len, left, next[left], queue);
        }
        for (int i = 0; i < n; i++) {
            if (len[i] == 0) continue;
            String piece = word.substring(i, i + len[i]);
            int id = idsByText.get(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                // llama.cpp looks each UTF-8 byte of the piece up as a one-byte token; only ASCII can match
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    if (b >= 0) {
                        int bid = idsByText.get(String.valueOf((char) b));
                        if (bid >= 0) out.add(bid);
                    }
                }
            }
        }
    }

    private void bpeTryBigram(String word, int[] len, int left, int right, PriorityQueue<int[]> q) {
        if (left < 0 || right < 0) return;
        String key = word.substring(left, left + len[left]) + ' ' + word.substring(right, right + len[right]);
        int rank = mergeRanks.get(key);
        if (rank < 0) return;
        q.add(new int[]{left, right, rank, len[left] + len[right]});
    }

    // ---- decoding --------------------------------------------------------------------------------------------

    /**
     * The bytes one token stands for, as llama.cpp's {@code token_to_piece(id, special = true)}: SPM ▁ becomes a
     * space, byte tokens their byte, byte-level BPE text is mapped back to bytes, control tokens give their text.
     */
    public byte[] tokenBytes(int id) {
        checkId(id);
        return piece(id).clone();
    }

    /** {@link #tokenBytes} honouring {@code renderSpecial}: when false, control and unknown tokens give nothing. */
    public byte[] tokenPiece(int id, boolean renderSpecial) {
        checkId(id);
        if (!renderSpecial && (attrs[id] & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) return new byte[0];
        return piece(id).clone();
    }

    byte[] piece(int id) {
        byte[] p = pieceCache.get(id);
        if (p == null) {
            p = computePiece(id);
            pieceCache.set(id, p); // threads racing here compute the same bytes
        }
        return p;
    }

    private byte[] computePiece(int id) {
        int a = attrs[id];
        String t = texts[id];
        if ((a & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) != 0) return t.getBytes(StandardCharsets.UTF_8);
        if ((a & ATTR_NORMAL) != 0) {
            return kind == Kind.SPM ? t.replace(SPACE_MARK, " ").getBytes(StandardCharsets.UTF_8) : ByteLevel.decode(t);
        }
        if ((a & ATTR_BYTE) != 0) {
            // "<0xXX>"
            if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
                try {
                    return new byte[]{(byte) Integer.parseInt(t.substring(3, 5), 16)};
                } catch (NumberFormatException e) {
                    return new byte[0];
                }
            }
            return new byte[0];
        }
        return new byte[0]; // unused/undefined tokens render as nothing
    }

    /** Detokenizes like llama.cpp's {@code common_detokenize(tokens, special = true)}. */
    public String decode(int[] ids) {
        return decode(ids, false, true);
    }

    /**
     * Detokenizes like llama.cpp's {@code llama_detokenize}; invalid UTF-8 becomes U+FFFD.
     *
     * @param removeSpecial drop a leading BOS / trailing EOS where the vocabulary adds them
     * @param renderSpecial write the text of control tokens instead of dropping them
     */
    public String decode(int[] ids, boolean removeSpecial, boolean renderSpecial) {
        return new String(decodeBytes(ids, removeSpecial, renderSpecial), StandardCharsets.UTF_8);
    }

    /** The raw bytes of {@link #decode(int[], boolean, boolean)}. */
    public byte[] decodeBytes(int[] ids, boolean removeSpecial, boolean renderSpecial) {
        int from = 0, to = ids.length;
        boolean removeSpace = addSpacePrefix;
        if (removeSpecial && addBos && to > from && ids[from] == bos) {
            removeSpace = false;
            from++;
        }
        if (removeSpecial && addEos && to > from && ids[to - 1] == eos) to--;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            int id = ids[i];
            checkId(id);
            byte[] p = tokenPieceShared(id, renderSpecial);
            int skip = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
            removeSpace = false;
        }
        byte[] text = out.toByteArray();
        return cleanSpaces ? cleanUpSpaces(text) : text;
    }

    byte[] tokenPieceShared(int id, boolean renderSpecial) {
        if (!renderSpecial && (attrs[id] & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) return new byte[0];
        return piece(id);
    }

    /** A streaming detokenizer that yields only complete UTF-8 text. */
    public Detokenizer detokenizer(boolean renderSpecial) {
        return new Detokenizer(this, renderSpecial, false);
    }

    /**
     * A streaming detokenizer; with {@code stripLeadingSpace} it drops the leading space of the first token where
     * the vocabulary adds a space prefix (as {@link #decode} does), for decoding a whole text piece by piece.
     */
    public Detokenizer detokenizer(boolean renderSpecial, boolean stripLeadingSpace) {
        return new Detokenizer(this, renderSpecial, stripLeadingSpace && addSpacePrefix);
    }

    /** llama.cpp's clean_spaces passes: " ?" " !" " ." " ," lose the space, " ' " and " 's" " 'm" " 're" " 've" too. */
    static byte[] cleanUpSpaces(byte[] text) {
        byte[] t = text.clone();
        int total = t.length;
        // pass 1: space before ? ! . ,
        int n1 = total;
        total = n1 > 0 ? 1 : 0;
        for (int i = 1; i < n1; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
            t[total++] = x;
        }
        // pass 2: a lone apostrophe between spaces takes neither space
        int n2 = total;
        total = n2 > 0 ? 1 : 0;
        for (int i = 1; i < n2; i++) {
            byte x = t[i];
            if (x == '\'' && i + 1 < n2 && t[i - 1] == ' ' && t[i + 1] == ' ') {
                total--;
                t[++i] = 0;
            }
            t[total++] = x;
        }
        // pass 3: " 's" " 'm" " 're" " 've" join the previous word (" 't" " 'd" " 'll" do not)
        int n3 = total;
        total = n3 > 0 ? 1 : 0;
        for (int i = 1; i < n3; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < n3) {
                byte x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < n3) {
                    byte x2 = t[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
                }
            }
            t[total++] = x;
        }
        return Arrays.copyOf(t, total);
    }

    @Override
    public String toString() {
        return "Tokenizer[" + kind + ", pre=" + preName + ", vocab=" + texts.length + ", bos=" + bos + ", eos=" + eos + "]";
    }
}
