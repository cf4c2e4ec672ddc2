package io.srm4j.runtime.tokenizer;

import io.srm4j.runtime.gguf.GgufArray;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.gguf.GgufValueType;
import io.srm4j.runtime.tokenizer.Tokenizer.Kind;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static io.srm4j.runtime.tokenizer.Tokenizer.ATTR_BYTE;
import static io.srm4j.runtime.tokenizer.Tokenizer.ATTR_CONTROL;
import static io.srm4j.runtime.tokenizer.Tokenizer.ATTR_NORMAL;
import static io.srm4j.runtime.tokenizer.Tokenizer.ATTR_RSTRIP;
import static io.srm4j.runtime.tokenizer.Tokenizer.ATTR_UNKNOWN;
import static io.srm4j.runtime.tokenizer.Tokenizer.ATTR_UNUSED;
import static io.srm4j.runtime.tokenizer.Tokenizer.ATTR_USER_DEFINED;

/**
 * Reads {@code tokenizer.ggml.*} metadata into a {@link Tokenizer} the way llama.cpp's {@code llama_vocab::load}
 * does: default special ids per model type, flags per pre-tokenizer, special tokens found by their text, the
 * end-of-generation set, and per-model token attributes.
 */
final class TokenizerLoader {
    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final List<String> EOM_TEXTS = List.of("<|eom_id|>");
    private static final List<String> FIM_PRE_TEXTS = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final List<String> FIM_SUF_TEXTS = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final List<String> FIM_MID_TEXTS = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    // llama.cpp's list, less "</s>" (added there for PaddleOCR after build 4916, our reference): in Qwen's byte-level
    // vocabulary "</s>" is an ordinary token that must neither stop generation nor become a control token.
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]",
            "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<｜end▁of▁sentence｜>", "[e~[");

    private final GgufMetadata md;
    Kind kind;
    String preName;
    PreTokenizer pre;
    String[] texts;
    float[] scores;
    int[] attrs;
    StringIntMap idsByText;
    StringIntMap mergeRanks = new StringIntMap(0);
    int[] specialTokens;
    int[] eog;
    int bos, eos, eot = -1, eom = -1, unk, pad, sep = -1, mask = -1;
    int fimPre = -1, fimSuf = -1, fimMid = -1, fimPad = -1, fimRep = -1, fimSep = -1;
    boolean addBos, addEos, addSpacePrefix, cleanSpaces, ignoreMerges;

    TokenizerLoader(GgufMetadata md) {
        this.md = md;
    }

    Tokenizer build() throws GgufFormatException {
        String model = md.getString("tokenizer.ggml.model").orElseThrow(() ->
                new GgufFormatException("metadata key 'tokenizer.ggml.model' (string) is missing: the file has no tokenizer"));
        String preKey = md.getString("tokenizer.ggml.pre").orElse("");
        switch (model) {
            case "llama" -> {
                kind = Kind.SPM;
                preName = "spm";
                bos = 1;
                eos = 2;
                unk = 0;
                pad = -1;
                addSpacePrefix = true;
                cleanSpaces = false;
                addBos = true;
                addEos = false;
            }
            case "gpt2" -> {
                kind = Kind.BPE;
                try {
                    pre = PreTokenizer.forName(preKey);
                } catch (IllegalArgumentException e) {
                    throw new GgufFormatException(e.getMessage());
                }
                PreTokenizer.Spec spec = pre.spec();
                preName = spec.name();
                bos = 11;
                eos = 11;
                unk = -1;
                pad = -1;
                addSpacePrefix = false;
                cleanSpaces = spec.cleanSpaces();
                ignoreMerges = spec.ignoreMerges();
                addBos = spec.forceAddBos();
                addEos = false;
                if (spec.clearBos()) bos = -1;
            }
            default -> throw new GgufFormatException("unsupported tokenizer model '" + model
                    + "' (tokenizer.ggml.model): only 'llama' (SentencePiece) and 'gpt2' (byte-level BPE) are implemented");
        }
        addSpacePrefix = md.getBoolean("tokenizer.ggml.add_space_prefix", addSpacePrefix);

        texts = md.getStringArray("tokenizer.ggml.tokens").orElseThrow(() ->
                new GgufFormatException("metadata key 'tokenizer.ggml.tokens' (string array) is missing or not a string array"));
        int n = texts.length;
        if (n == 0) throw new GgufFormatException("tokenizer.ggml.tokens is empty");
        texts = texts.clone();
        scores = readScores(n);
        int[] types = readTypes(n);

        idsByText = new StringIntMap(n);
        attrs = new int[n];
        for (int i = 0; i < n; i++) {
            if (texts[i] == null || texts[i].isEmpty()) texts[i] = "[EMPTY_" + i + "]";
            int dup = idsByText.putIfAbsent(texts[i], i);
            if (dup >= 0) {
                throw new GgufFormatException("duplicate token in vocabulary: '" + texts[i] + "' has ids " + dup + " and " + i);
            }
            attrs[i] = types == null ? ATTR_NORMAL : switch (types[i]) {
                case 1 -> ATTR_NORMAL;
                case 2 -> ATTR_UNKNOWN;
                case 3 -> ATTR_CONTROL;
                case 4 -> ATTR_USER_DEFINED;
                case 5 -> ATTR_UNUSED;
                case 6 -> ATTR_BYTE;
                default -> 0;
            };
        }
        if (kind == Kind.BPE) mergeRanks = readMerges();

        readSpecialIds(n);
        detectSpecialTokensByText();
        buildEndOfGeneration();
        for (String t : List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>")) {
            // llama.cpp always renders gpt-oss channel markers
            int id = idsByText.get(t);
            if (id >= 0) attrs[id] = ATTR_USER_DEFINED;
        }
        buildSpecialTokenList();
        applyModelSpecificAttributes();
        return new Tokenizer(this);
    }

    private float[] readScores(int n) throws GgufFormatException {
        if (!md.contains("tokenizer.ggml.scores")) return new float[n];
        GgufArray a = md.getArray("tokenizer.ggml.scores").orElseThrow(() ->
                new GgufFormatException("tokenizer.ggml.scores is not an array"));
        float[] s;
        if (a.elementType() == GgufValueType.FLOAT32) {
            s = (float[]) a.values();
        } else if (a.elementType() == GgufValueType.INT32) {
            int[] iv = (int[]) a.values();
            s = new float[iv.length];
            for (int i = 0; i < iv.length; i++) s[i] = iv[i];
        } else {
            throw new GgufFormatException("tokenizer.ggml.scores has element type " + a.elementType() + " (FLOAT32 or INT32 expected)");
        }
        if (s.length < n) throw new GgufFormatException("tokenizer.ggml.scores has " + s.length + " entries for " + n + " tokens");
        return Arrays.copyOf(s, n);
    }

    private int[] readTypes(int n) throws GgufFormatException {
        if (!md.contains("tokenizer.ggml.token_type")) return null;
        GgufArray a = md.getArray("tokenizer.ggml.token_type").orElse(null);
        if (a == null || a.elementType() != GgufValueType.INT32) {
            throw new GgufFormatException("tokenizer.ggml.token_type must be an INT32 array");
        }
        int[] t = (int[]) a.values();
        if (t.length < n) throw new GgufFormatException("tokenizer.ggml.token_type has " + t.length + " entries for " + n + " tokens");
        return t;
    }

    private StringIntMap readMerges() throws GgufFormatException {
        GgufArray a = md.getArray("tokenizer.ggml.merges").orElseThrow(() ->
                new GgufFormatException("metadata key 'tokenizer.ggml.merges' is missing: a 'gpt2' tokenizer needs its BPE merges"));
        if (a.elementType() != GgufValueType.STRING) {
            throw new GgufFormatException("tokenizer.ggml.merges must be a string array, not " + a.elementType());
        }
        String[] merges = (String[]) a.values();
        StringIntMap ranks = new StringIntMap(merges.length);
        for (int i = 0; i < merges.length; i++) {
            String m = merges[i];
            // llama.cpp splits at the first space after the first character; without one the merge never applies
            int sp = m.indexOf(' ', 1);
            if (sp < 0) continue;
            ranks.putIfAbsent(m, i);
        }
        return ranks;
    }

    private int idKey(String key, int current, int n) throws GgufFormatException {
        if (current >= n) current = -1; // a default beyond the vocabulary is disabled
        if (!md.contains(key)) return current;
        long v = md.getLong(key).orElseThrow(() -> new GgufFormatException("metadata '" + key + "' is not an integer"));
        v &= 0xFFFFFFFFL; // read as uint32, like llama.cpp
        return v < n ? (int) v : current;
    }

    private void readSpecialIds(int n) throws GgufFormatException {
        String p = "tokenizer.ggml.";
        bos = idKey(p + "bos_token_id", bos, n);
        eos = idKey(p + "eos_token_id", eos, n);
        eot = idKey(p + "eot_token_id", eot, n);
        eom = idKey(p + "eom_token_id", eom, n);
        unk = idKey(p + "unknown_token_id", unk, n);
        sep = idKey(p + "seperator_token_id", sep, n);
        pad = idKey(p + "padding_token_id", pad, n);
        mask = idKey(p + "mask_token_id", mask, n);
        fimPre = idKey(p + "fim_pre_token_id", fimPre, n);
        fimSuf = idKey(p + "fim_suf_token_id", fimSuf, n);
        fimMid = idKey(p + "fim_mid_token_id", fimMid, n);
        fimPad = idKey(p + "fim_pad_token_id", fimPad, n);
        fimRep = idKey(p + "fim_rep_token_id", fimRep, n);
        fimSep = idKey(p + "fim_sep_token_id", fimSep, n);
        fimPre = idKey(p + "prefix_token_id", fimPre, n);
        fimSuf = idKey(p + "suffix_token_id", fimSuf, n);
        fimMid = idKey(p + "middle_token_id", fimMid, n);
        addBos = md.getBoolean(p + "add_bos_token", addBos);
        addEos = md.getBoolean(p + "add_eos_token", addEos);
        if (addBos && bos < 0) throw new GgufFormatException(p + "add_bos_token is true, but " + p + "bos_token_id is not set");
        if (addEos && eos < 0) throw new GgufFormatException(p + "add_eos_token is true, but " + p + "eos_token_id is not set");
    }

    /** The id of the first candidate text present, made a control token; -1 when none. */
    private int findByText(List<String> candidates) {
        for (String c : candidates) {
            int id = idsByText.get(c);
            if (id >= 0) {
                attrs[id] |= ATTR_CONTROL;
                return id;
            }
        }
        return -1;
    }

    private void detectSpecialTokensByText() {
        // llama.cpp walks a hash map here, so its pick among several candidates is unspecified; we take the first
        // in list order, which gives the ids llama.cpp reports in practice (<|eot_id|> for Llama 3, <|im_end|> for Qwen).
        if (eot < 0) eot = findByText(EOT_TEXTS);
        if (eom < 0) eom = findByText(EOM_TEXTS);
        if (fimPre < 0) fimPre = findByText(FIM_PRE_TEXTS);
        if (fimSuf < 0) fimSuf = findByText(FIM_SUF_TEXTS);
        if (fimMid < 0) fimMid = findByText(FIM_MID_TEXTS);
        if (fimPad < 0) fimPad = findByText(FIM_PAD_TEXTS);
        if (fimRep < 0) fimRep = findByText(FIM_REP_TEXTS);
        if (fimSep < 0) fimSep = findByText(FIM_SEP_TEXTS);
        for (int i = 0; i < texts.length; i++) {
            if ((attrs[i] & ATTR_CONTROL) != 0 && texts[i].contains("unused")) attrs[i] |= ATTR_UNUSED;
        }
    }

    private void buildEndOfGeneration() {
        TreeSet<Integer> set = new TreeSet<>();
        for (int id : new int[]{fimPad, fimRep, fimSep}) if (id >= 0) set.add(id);
        for (String t : EOG_TEXTS) {
            int id = idsByText.get(t);
            if (id >= 0) {
                set.add(id);
                attrs[id] |= ATTR_CONTROL;
            }
        }
        for (int id : new int[]{eos, eot, eom}) if (id >= 0) set.add(id);
        // gpt-oss / solar-open: "<|end|>" ends a message but not the generation
        int end = -1;
        boolean hasReturn = false, hasCall = false, hasFlush = false, hasToolResponse = false;
        int closeS = -1;
        for (int id : set) {
            switch (texts[id]) {
                case "<|return|>" -> hasReturn = true;
                case "<|call|>", "<|calls|>" -> hasCall = true;
                case "<|flush|>" -> hasFlush = true;
                case "<|end|>" -> end = id;
                case "<|tool_response>" -> hasToolResponse = true;
                case "</s>" -> closeS = id;
                default -> {
                }
            }
        }
        if (end >= 0 && ((hasReturn && hasCall) || (hasCall && hasFlush))) {
            set.remove(end);
            attrs[end] = ATTR_USER_DEFINED;
        }
        if (hasToolResponse && closeS >= 0) {
            set.remove(closeS);
            attrs[closeS] = ATTR_NORMAL;
        }
        eog = set.stream().mapToInt(Integer::intValue).toArray();
    }

    private void buildSpecialTokenList() {
        List<Integer> ids = new ArrayList<>();
        int[] byteLength = new int[texts.length];
        for (int i = 0; i < texts.length; i++) {
            if ((attrs[i] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0) {
                ids.add(i);
                byteLength[i] = texts[i].getBytes(StandardCharsets.UTF_8).length;
            }
        }
        ids.sort(Comparator.<Integer>comparingInt(i -> -byteLength[i]).thenComparingInt(i -> i));
        specialTokens = ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private void applyModelSpecificAttributes() {
        String name = md.getString("general.name").orElse("").toLowerCase(Locale.ROOT);
        if (name.contains("phi-3") || name.contains("phi3")) {
            // Phi-3's added tokens swallow the white space after them
            for (int id : specialTokens) attrs[id] |= ATTR_RSTRIP;
            setAttr("</s>", ATTR_RSTRIP, true);
            for (String t : new String[]{"<unk>", "<s>", "<|endoftext|>"}) setAttr(t, ATTR_RSTRIP, false);
        }
    }

    private void setAttr(String text, int attr, boolean on) {
        int id = idsByText.get(text);
        if (id < 0) return;
        attrs[id] = on ? attrs[id] | attr : attrs[id] & ~attr;
    }
}
