package io.srm4j.train.export;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.gguf.GgufMetadata;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face tokenizer files made from a GGUF's {@code tokenizer.*} metadata: {@code tokenizer.json} (the
 * tokenizers library's format, read by PreTrainedTokenizerFast), {@code tokenizer_config.json} (special tokens,
 * BOS/EOS behaviour, chat template) and {@code special_tokens_map.json}.
 *
 * <p>Byte-level BPE vocabularies ("gpt2" in GGUF) keep their vocabulary and merges; the pre-tokenizer is the
 * split regex of the named GGUF pre-tokenizer (qwen2, llama-bpe, gpt-2). SentencePiece vocabularies ("llama") become
 * a BPE model with byte fallback as transformers' own Llama conversion writes it: the merges are every pair of
 * pieces that joins into a piece, ranked by the joined piece's score, as sentencepiece's BPE merges them. Control,
 * user-defined and unknown tokens become added tokens.
 */
public final class HfTokenizerFiles {
    private HfTokenizerFiles() {}

    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /** Split regexes of transformers' tokenizer.json for the GGUF pre-tokenizer names they correspond to. */
    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** File name → JSON content. */
    public static Map<String, ObjectNode> of(GgufMetadata md, int contextLength) throws GgufFormatException {
        String model = md.requireString("tokenizer.ggml.model");
        String[] tokens = md.getStringArray("tokenizer.ggml.tokens").orElseThrow(() -> new GgufFormatException("tokenizer.ggml.tokens is missing"));
        int[] types = md.getIntArray("tokenizer.ggml.token_type").orElse(null);
        if (types == null) {
            types = new int[tokens.length];
            java.util.Arrays.fill(types, NORMAL);
        }
        if (types.length != tokens.length) throw new GgufFormatException("tokenizer.ggml.token_type has " + types.length + " entries for " + tokens.length + " tokens");
        boolean spm = switch (model) {
            case "llama" -> true;
            case "gpt2" -> false;
            default -> throw new GgufFormatException("tokenizer model '" + model + "' has no tokenizer.json export (llama = SentencePiece, gpt2 = byte-level BPE)");
        };
        int bos = md.getInt("tokenizer.ggml.bos_token_id", -1), eos = md.getInt("tokenizer.ggml.eos_token_id", -1);
        int unk = md.getInt("tokenizer.ggml.unknown_token_id", -1), pad = md.getInt("tokenizer.ggml.padding_token_id", -1);
        boolean addBos = md.getBoolean("tokenizer.ggml.add_bos_token", spm);
        boolean addEos = md.getBoolean("tokenizer.ggml.add_eos_token", false);

        ObjectNode tj = F.objectNode();
        tj.put("version", "1.0");
        tj.putNull("truncation");
        tj.putNull("padding");
        ArrayNode added = tj.putArray("added_tokens");
        for (int i = 0; i < tokens.length; i++) {
            if (types[i] == CONTROL || types[i] == USER_DEFINED || types[i] == UNKNOWN) {
                added.addObject().put("id", i).put("content", tokens[i]).put("single_word", false).put("lstrip", false)
                        .put("rstrip", false).put("normalized", types[i] == USER_DEFINED && spm).put("special", types[i] != USER_DEFINED);
            }
        }
        if (spm) {
            boolean spacePrefix = md.getBoolean("tokenizer.ggml.add_space_prefix", true);
            ObjectNode norm = tj.putObject("normalizer");
            norm.put("type", "Sequence");
            ArrayNode ns = norm.putArray("normalizers");
            if (spacePrefix) ns.addObject().put("type", "Prepend").put("prepend", "▁");
            replace(ns.addObject(), " ", "▁");
            tj.putNull("pre_tokenizer");
        } else {
            String pre = md.getString("tokenizer.ggml.pre").orElse("default");
            String regex = switch (pre) {
                case "qwen2", "deepseek-r1-qwen" -> QWEN2_REGEX;
                case "llama-bpe", "llama3", "llama-v3" -> LLAMA3_REGEX;
                case "gpt-2", "default" -> null;
                default -> throw new GgufFormatException("pre-tokenizer '" + pre + "' has no tokenizer.json export (qwen2, llama-bpe, gpt-2)");
            };
            if (pre.startsWith("qwen2") || pre.equals("deepseek-r1-qwen")) tj.putObject("normalizer").put("type", "NFC");
            else tj.putNull("normalizer");
            if (regex == null) {
                byteLevel(tj.putObject("pre_tokenizer"), true).put("trim_offsets", true);
            } else {
                ObjectNode seq = tj.putObject("pre_tokenizer");
                seq.put("type", "Sequence");
                ArrayNode ps = seq.putArray("pretokenizers");
                ObjectNode split = ps.addObject().put("type", "Split");
                split.putObject("pattern").put("Regex", regex);
                split.put("behavior", "Isolated").put("invert", false);
                byteLevel(ps.addObject(), false);
            }
        }
        tj.set("post_processor", postProcessor(spm, addBos ? bos : -1, addEos ? eos : -1, tokens));
        if (spm) {
            ObjectNode dec = tj.putObject("decoder");
            dec.put("type", "Sequence");
            ArrayNode ds = dec.putArray("decoders");
            replace(ds.addObject(), "▁", " ");
            ds.addObject().put("type", "ByteFallback");
            ds.addObject().put("type", "Fuse");
            if (md.getBoolean("tokenizer.ggml.add_space_prefix", true)) ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        } else {
            byteLevel(tj.putObject("decoder"), true).put("add_prefix_space", true).put("trim_offsets", true);
        }
        ObjectNode bpe = spm ? spmModel(md, tokens, types) : bpeModel(md, tokens, types);
        // Llama 3's tokenizer takes a whole pre-token that is in the vocabulary as is (llama.cpp does the same for it)
        String pre = md.getString("tokenizer.ggml.pre").orElse("");
        if (pre.equals("llama-bpe") || pre.equals("llama3") || pre.equals("llama-v3")) bpe.put("ignore_merges", true);
        tj.set("model", bpe);

        ObjectNode config = F.objectNode();
        config.put("add_bos_token", addBos);
        config.put("add_eos_token", addEos);
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        for (var t : added) {
            ObjectNode d = decoder.putObject(t.get("id").asText());
            d.put("content", t.get("content").asText()).put("lstrip", false).put("normalized", t.get("normalized").asBoolean())
                    .put("rstrip", false).put("single_word", false).put("special", t.get("special").asBoolean());
        }
        ObjectNode special = F.objectNode();
        putToken(config, special, "bos_token", bos, tokens);
        putToken(config, special, "eos_token", eos, tokens);
        putToken(config, special, "unk_token", unk, tokens);
        putToken(config, special, "pad_token", pad, tokens);
        md.getString("tokenizer.chat_template").ifPresent(t -> config.put("chat_template", t));
        config.put("clean_up_tokenization_spaces", false);
        config.put("model_max_length", contextLength);
        config.put("tokenizer_class", "PreTrainedTokenizerFast");

        Map<String, ObjectNode> files = new LinkedHashMap<>();
        files.put("tokenizer.json", tj);
        files.put("tokenizer_config.json", config);
        files.put("special_tokens_map.json", special);
        return files;
    }

    private static void putToken(ObjectNode config, ObjectNode special, String key, int id, String[] tokens) throws GgufFormatException {
        if (id < 0) return;
        if (id >= tokens.length) throw new GgufFormatException(key + " id " + id + " is outside the vocabulary of " + tokens.length);
        config.put(key, tokens[id]);
        special.put(key, tokens[id]);
    }

    private static void replace(ObjectNode o, String from, String to) {
        o.put("type", "Replace");
        o.putObject("pattern").put("String", from);
        o.put("content", to);
    }

    private static ObjectNode byteLevel(ObjectNode o, boolean useRegex) {
        return o.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", useRegex);
    }

    /** BOS (and EOS) around each sequence when the vocabulary adds them; otherwise byte-level offsets only. */
    private static ObjectNode postProcessor(boolean spm, int bos, int eos, String[] tokens) {
        if (bos < 0 && eos < 0) {
            return spm ? null : byteLevel(F.objectNode(), false);
        }
        ObjectNode o = F.objectNode().put("type", "TemplateProcessing");
        ArrayNode single = o.putArray("single"), pair = o.putArray("pair");
        ObjectNode specials = o.putObject("special_tokens");
        for (String seq : new String[]{"A", "B"}) {
            for (ArrayNode target : seq.equals("A") ? new ArrayNode[]{single, pair} : new ArrayNode[]{pair}) {
                int typeId = seq.equals("A") ? 0 : 1;
                if (bos >= 0) target.addObject().putObject("SpecialToken").put("id", tokens[bos]).put("type_id", typeId);
                target.addObject().putObject("Sequence").put("id", seq).put("type_id", typeId);
                if (eos >= 0) target.addObject().putObject("SpecialToken").put("id", tokens[eos]).put("type_id", typeId);
            }
        }
        for (int id : new int[]{bos, eos}) {
            if (id < 0) continue;
            ObjectNode s = specials.putObject(tokens[id]);
            s.put("id", tokens[id]);
            s.putArray("ids").add(id);
            s.putArray("tokens").add(tokens[id]);
        }
        return o;
    }

    private static ObjectNode bpeModel(GgufMetadata md, String[] tokens, int[] types) throws GgufFormatException {
        String[] merges = md.getStringArray("tokenizer.ggml.merges").orElseThrow(() -> new GgufFormatException("a gpt2 tokenizer needs tokenizer.ggml.merges"));
        ObjectNode m = F.objectNode();
        m.put("type", "BPE").putNull("dropout").putNull("unk_token").put("continuing_subword_prefix", "").put("end_of_word_suffix", "")
                .put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = m.putObject("vocab");
        // UNUSED entries are padding up to the embedding's row count ([PAD151643]...): not part of the tokenizer
        for (int i = 0; i < tokens.length; i++) if (types[i] == NORMAL || types[i] == BYTE) vocab.put(tokens[i], i);
        ArrayNode ms = m.putArray("merges");
        for (String s : merges) ms.add(s);
        return m;
    }

    private static ObjectNode spmModel(GgufMetadata md, String[] tokens, int[] types) throws GgufFormatException {
        float[] scores = md.getFloatArray("tokenizer.ggml.scores").orElseThrow(() -> new GgufFormatException("a SentencePiece tokenizer needs tokenizer.ggml.scores"));
        if (scores.length != tokens.length) throw new GgufFormatException("tokenizer.ggml.scores has " + scores.length + " entries for " + tokens.length + " tokens");
        int unk = md.getInt("tokenizer.ggml.unknown_token_id", 0);
        ObjectNode m = F.objectNode();
        m.put("type", "BPE").putNull("dropout").put("unk_token", tokens[unk]).putNull("continuing_subword_prefix").putNull("end_of_word_suffix")
                .put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode vocab = m.putObject("vocab");
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            vocab.put(tokens[i], i);
            ids.putIfAbsent(tokens[i], i);
        }
        record Merge(String left, String right, float score, int piece, int leftId, int rightId) {}
        List<Merge> merges = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            if (types[i] != NORMAL && types[i] != USER_DEFINED) continue;
            String p = tokens[i];
            for (int k = p.offsetByCodePoints(0, 1); k < p.length(); k = p.offsetByCodePoints(k, 1)) {
                Integer l = ids.get(p.substring(0, k)), r = ids.get(p.substring(k));
                if (l != null && r != null) merges.add(new Merge(p.substring(0, k), p.substring(k), scores[i], i, l, r));
            }
        }
        merges.sort(Comparator.comparingDouble((Merge x) -> -x.score()).thenComparingInt(Merge::piece)
                .thenComparingInt(Merge::leftId).thenComparingInt(Merge::rightId));
        // "left right" strings are read by every tokenizers version; pairs (tokenizers >= 0.20) only when a piece has a space
        boolean pairs = merges.stream().anyMatch(x -> x.left().contains(" ") || x.right().contains(" "));
        ArrayNode ms = m.putArray("merges");
        for (Merge x : merges) {
            if (pairs) ms.addArray().add(x.left()).add(x.right());
            else ms.add(x.left() + " " + x.right());
        }
        return m;
    }
}
