package io.srm4j.runtime.tokenizer;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.gguf.GgufWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random text tokenized by llama.cpp itself (java-llama.cpp 4.2.0 bundles build 4916; its {@code encode} is
 * llama.cpp's tokenize with add_special = false, parse_special = true) and by us. java-llama.cpp needs a whole
 * model: SentencePiece runs on the tiny models in ../shared/models/tiny (Llama 2's 32000-token vocabulary and a
 * 512-token one), byte-level BPE on tiny random models built around the vocab-only files.
 */
@Tag("conformance")
class LlamaCppParityTest {

    private static final String[] PIECES = {"a", "b", "e", "the", "The", " ", "  ", "\n", "\t", "\r\n", "'s", "'ll",
            "Hello", "world", "!", "?", ".", ",", "-", "0", "12", "345", "é", "ß", "Ж", "я", "我", "想", "🦙", "😁", "\u00A0",
            "\u3000", "\u200D", "<s>", "</s>", "<unk>", "<0x0A>", "▁", "▁▁", "ö", "Ä", "ů", "ℵ", "½", "٣", "\u0301", "~", "\\", "\"",
            "<", ">", "|", "{", "}", "ї", "ﬁ", "ǅ", "İ", "\uFFFD", "\u0000", "\u0001", "\u007F", "\u0085", "\u2028"};

    private static final String[] BPE_PIECES = {"<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>",
            "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "</s>", "<s>", "<tool_call>", "'S", "'LL", "'Re", "'ve",
            "1234567", "   \n", "\r", "\u000B", "\f", "  \t ", "ǅungla", "ΣΊΣΥΦΟΣ", "ｆｕｌｌ", "১২৩", "𝟘𝟙", "x²", "…", "‼", "\uD83D\uDC68\u200D\uD83D\uDCBB"};

    @Test
    void randomTextTokenizesLikeLlamaCppSentencePiece() throws Exception {
        Path tiny = VocabFixtures.shared().resolve("models/tiny");
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String model : List.of("llama-2-tiny-random.gguf", "stories260K.gguf")) {
            Path gguf = tiny.resolve(model);
            Assumptions.assumeTrue(Files.isRegularFile(gguf), "missing " + gguf);
            checked += compare(gguf, PIECES, 2000, failures);
        }
        report(checked, failures);
    }

    /**
     * Byte-level BPE: java-llama.cpp needs tensors, so each vocab-only file gets a tiny random llama model
     * (written with our GgufWriter) around its tokenizer metadata.
     */
    @Test
    void randomTextTokenizesLikeLlamaCppByteLevelBpe(@TempDir Path dir) throws Exception {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        String[] pieces = new String[PIECES.length + BPE_PIECES.length];
        System.arraycopy(PIECES, 0, pieces, 0, PIECES.length);
        System.arraycopy(BPE_PIECES, 0, pieces, PIECES.length, BPE_PIECES.length);
        for (String name : List.of("qwen2", "llama-bpe", "gpt-2")) {
            Path model = tinyModelAround(VocabFixtures.vocab(name), dir.resolve(name + "-tiny.gguf"));
            checked += compare(model, pieces, 2000, failures);
        }
        report(checked, failures);
    }

    /** Pre-tokenizer types that llama.cpp build 4916 knows, each run on GPT-2's vocabulary and merges. */
    private static final List<String> PRE_TYPES_B4916 = List.of("default", "llama-bpe", "deepseek-llm", "deepseek-coder",
            "deepseek-v3", "falcon", "mpt", "starcoder", "refact", "command-r", "qwen2", "deepseek-r1-qwen", "stablelm2",
            "olmo", "dbrx", "smaug-bpe", "poro-chat", "chatglm-bpe", "viking", "jais", "tekken", "smollm", "codeshell",
            "bloom", "gpt3-finnish", "exaone", "chameleon", "minerva-7b", "megrez", "gpt-4o");

    @Test
    void everyPreTokenizerSplitsLikeLlamaCpp(@TempDir Path dir) throws Exception {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        String[] pieces = new String[PIECES.length + BPE_PIECES.length + SCRIPT_PIECES.length];
        System.arraycopy(PIECES, 0, pieces, 0, PIECES.length);
        System.arraycopy(BPE_PIECES, 0, pieces, PIECES.length, BPE_PIECES.length);
        System.arraycopy(SCRIPT_PIECES, 0, pieces, PIECES.length + BPE_PIECES.length, SCRIPT_PIECES.length);
        java.util.Set<String> probes = new java.util.HashSet<>();
        for (String pre : PRE_TYPES_B4916) {
            Path model = tinyModelAround(VocabFixtures.vocab("gpt-2"), dir.resolve(pre + "-tiny.gguf"), pre);
            checked += compare(model, pieces, 300, failures);
            probes.add(Arrays.toString(Tokenizer.fromGguf(model).encode(PROBE, false, false)));
            Files.delete(model);
        }
        report(checked, failures);
        // the override took effect: the pre-tokenizers disagree among themselves on the probe text
        assertTrue(probes.size() >= 10, "only " + probes.size() + " distinct splits of the probe text");
    }

    private static final String PROBE = "Hello  World's 1234567 我想在apple工作 ひらがな  \n\n\t x^2+y=$5 ÉCOLE iPhone 'RE <sentinel:3>";

    private static final String[] SCRIPT_PIECES = {"ひらがな", "カタカナ", "한국어", "µ", "Ａｂ", "！", "～", "　", "，", "。",
            "हिन्दी", "۔", "،", "<sentinel:12>", "IMGIMGABZ", "    ", "McDonald", "iPhone", "ÉCOLE", "123.45", "$5", "a+b=c",
            "x^2", "`code`", "1,000,000"};

    private static void report(int checked, List<String> failures) {
        System.out.printf("llama.cpp parity: %d/%d random texts tokenized and decoded identically%n", checked - failures.size(), checked);
        assertTrue(checked > 1000);
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())), failures.size() + " differences");
    }

    private static int compare(Path gguf, String[] pieces, int count, List<String> failures) throws Exception {
        Tokenizer ours = Tokenizer.fromGguf(gguf);
        LlamaModel.setLogger(LogFormat.TEXT, (level, msg) -> { });
        int checked = 0;
        try (LlamaModel llama = new LlamaModel(new ModelParameters().setModel(gguf.toString()).setCtxSize(128)
                .setBatchSize(64).setThreads(1).setThreadsBatch(1))) {
            Random random = new Random(4916);
            for (int iter = 0; iter < count; iter++) {
                StringBuilder sb = new StringBuilder();
                int n = 1 + random.nextInt(12);
                for (int i = 0; i < n; i++) sb.append(pieces[random.nextInt(pieces.length)]);
                String text = sb.toString();
                if (text.indexOf('\u0000') >= 0) continue; // JNI strings end at NUL
                int[] expected = llama.encode(text);
                int[] got = ours.encode(text, false, true);
                checked++;
                if (!Arrays.equals(expected, got)) {
                    failures.add(gguf.getFileName() + " " + VocabVectorsTest.show(text) + "\n  llama.cpp " + Arrays.toString(expected)
                            + "\n  ours      " + Arrays.toString(got));
                }
                // java-llama.cpp decodes by concatenating llama.cpp's token pieces (special tokens rendered)
                ByteArrayOutputStream rendered = new ByteArrayOutputStream();
                for (int id : expected) rendered.writeBytes(ours.tokenBytes(id));
                String theirs = llama.decode(expected), mine = rendered.toString(StandardCharsets.UTF_8);
                if (!theirs.equals(mine)) {
                    failures.add(gguf.getFileName() + " decode " + Arrays.toString(expected) + "\n  llama.cpp "
                            + VocabVectorsTest.show(theirs) + "\n  ours      " + VocabVectorsTest.show(mine));
                }
            }
        }
        return checked;
    }

    /** A 1-layer, 8-wide llama model with random weights and the tokenizer metadata of {@code vocab}. */
    static Path tinyModelAround(Path vocab, Path out) throws Exception {
        return tinyModelAround(vocab, out, null);
    }

    /** As {@link #tinyModelAround(Path, Path)}, with {@code tokenizer.ggml.pre} replaced when {@code pre} is given. */
    static Path tinyModelAround(Path vocab, Path out, String pre) throws Exception {
        GgufMetadata md;
        try (GgufFile f = GgufFile.open(vocab)) {
            md = f.metadata();
        }
        int nVocab = md.getStringArray("tokenizer.ggml.tokens").orElseThrow().length;
        int embd = 8, ff = 16;
        GgufWriter w = new GgufWriter();
        for (var e : md.asMap().entrySet()) {
            if (e.getKey().startsWith("tokenizer.")) w.put(e.getKey(), md.typeOf(e.getKey()), e.getValue());
        }
        w.putString("general.architecture", "llama").putString("general.name", "tiny-" + vocab.getFileName())
                .putUInt32("llama.context_length", 256).putUInt32("llama.embedding_length", embd)
                .putUInt32("llama.block_count", 1).putUInt32("llama.feed_forward_length", ff)
                .putUInt32("llama.attention.head_count", 2).putUInt32("llama.attention.head_count_kv", 2)
                .putUInt32("llama.rope.dimension_count", embd / 2).putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putUInt32("llama.vocab_size", nVocab);
        if (pre != null) w.putString("tokenizer.ggml.pre", pre);
        Random r = new Random(1);
        w.addTensor("token_embd.weight", new long[]{embd, nVocab}, random(r, embd * nVocab));
        w.addTensor("output_norm.weight", new long[]{embd}, random(r, embd));
        w.addTensor("output.weight", new long[]{embd, nVocab}, random(r, embd * nVocab));
        w.addTensor("blk.0.attn_norm.weight", new long[]{embd}, random(r, embd));
        for (String t : List.of("attn_q", "attn_k", "attn_v", "attn_output")) {
            w.addTensor("blk.0." + t + ".weight", new long[]{embd, embd}, random(r, embd * embd));
        }
        w.addTensor("blk.0.ffn_norm.weight", new long[]{embd}, random(r, embd));
        w.addTensor("blk.0.ffn_gate.weight", new long[]{embd, ff}, random(r, embd * ff));
        w.addTensor("blk.0.ffn_up.weight", new long[]{embd, ff}, random(r, embd * ff));
        w.addTensor("blk.0.ffn_down.weight", new long[]{ff, embd}, random(r, embd * ff));
        w.write(out);
        return out;
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * 0.02);
        return a;
    }
}
