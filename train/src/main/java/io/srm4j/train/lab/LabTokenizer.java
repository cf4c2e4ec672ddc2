package io.srm4j.train.lab;

import io.srm4j.runtime.gguf.GgufWriter;
import io.srm4j.train.export.Vocabulary;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lab's character-level tokenizer: every digit, letter and operator is one token (digits as single tokens let a
 * small model do arithmetic digit by digit), plus the special tokens a chat needs. It is written into the exported
 * GGUF as a SentencePiece ("llama") vocabulary with no multi-character pieces, so the runtime's tokenizer splits
 * text into exactly the same ids ({@code LabTokenizerTest} holds the two to each other).
 *
 * <p>Ids: 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>}, 3 {@code <|user|>}, 4 {@code <|assistant|>} (control
 * tokens), 5 {@code <think>}, 6 {@code </think>} (user-defined, so they render in generated text as in Qwen3), then
 * one piece per character of {@link #CHARACTERS}, space written as "▁".
 */
public final class LabTokenizer {
    public static final int UNK = 0, BOS = 1, EOS = 2, USER = 3, ASSISTANT = 4, THINK = 5, END_THINK = 6;
    public static final String USER_TAG = "<|user|>", ASSISTANT_TAG = "<|assistant|>";
    public static final String THINK_TAG = "<think>", END_THINK_TAG = "</think>";
    static final String CHARACTERS = " 0123456789+-*/=()<>;:,.?!'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n";
    private static final List<String> SPECIALS = List.of("<unk>", "<s>", "</s>", USER_TAG, ASSISTANT_TAG, THINK_TAG, END_THINK_TAG);
    private static final int USER_DEFINED = 4;

    /**
     * The chat template stored in the GGUF: the one conversation format the lab trains on (system text, if any, goes
     * before the question inside the user turn).
     */
    public static final String CHAT_TEMPLATE = "{{ bos_token }}{% for m in messages %}"
            + "{% if m['role'] == 'user' %}" + USER_TAG + "{{ m['content'] }}"
            + "{% elif m['role'] == 'assistant' %}" + ASSISTANT_TAG + "{{ m['content'] }}{{ eos_token }}{% endif %}"
            + "{% endfor %}{% if add_generation_prompt %}" + ASSISTANT_TAG + "{% endif %}";

    private final List<String> pieces;
    private final Map<Character, Integer> idOfChar = new HashMap<>();

    public LabTokenizer() {
        pieces = new ArrayList<>(SPECIALS);
        for (char c : CHARACTERS.toCharArray()) {
            idOfChar.put(c, pieces.size());
            pieces.add(c == ' ' ? "\u2581" : String.valueOf(c));
        }
    }

    public int vocabSize() {
        return pieces.size();
    }

    /** Ids of plain text (no special tokens); a character outside the alphabet is an error, not a silent {@code <unk>}. */
    public int[] encode(String text) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = idOfChar.get(text.charAt(i));
            if (id == null) throw new IllegalArgumentException("character '" + text.charAt(i) + "' (U+"
                    + Integer.toHexString(text.charAt(i)) + ") is not in the lab alphabet, in: " + text);
            ids[i] = id;
        }
        return ids;
    }

    /** Text of ids, special tokens written out as their tags except BOS/EOS/UNK, which are dropped. */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id < 0 || id >= pieces.size()) throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + pieces.size());
            if (id <= EOS) continue;
            String p = pieces.get(id);
            sb.append(p.equals("\u2581") ? " " : p);
        }
        return sb.toString();
    }

    /** The vocabulary as the GGUF export writes it. */
    public Vocabulary vocabulary() {
        int n = pieces.size();
        float[] scores = new float[n];
        int[] types = new int[n];
        types[UNK] = Vocabulary.UNKNOWN;
        for (int i = BOS; i <= ASSISTANT; i++) types[i] = Vocabulary.CONTROL;
        types[THINK] = types[END_THINK] = USER_DEFINED;
        for (int i = END_THINK + 1; i < n; i++) {
            types[i] = Vocabulary.NORMAL;
            scores[i] = -(i - END_THINK); // no merges exist, so scores only order the pieces
        }
        return new Vocabulary(List.copyOf(pieces), scores, types, UNK, BOS, EOS);
    }

    /** The tokenizer settings beyond the vocabulary: no SentencePiece space prefix, BOS added, the chat template. */
    public GgufWriter addTokenizerSettings(GgufWriter w) {
        return w.putBool("tokenizer.ggml.add_space_prefix", false)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putBool("tokenizer.ggml.add_eos_token", false)
                .putString("tokenizer.chat_template", CHAT_TEMPLATE);
    }

    /** The token ids of one training conversation and which of them the model learns to produce (the assistant turn). */
    public record Example(int[] tokens, boolean[] learned) {}

    /**
     * {@code <s><|user|>question<|assistant|>[<think>trace</think>]answer</s>}: what the chat template renders for the
     * conversation, with loss on everything after {@code <|assistant|>}.
     */
    public Example example(String question, String trace, String answer) {
        List<Integer> ids = new ArrayList<>();
        ids.add(BOS);
        ids.add(USER);
        for (int id : encode(question)) ids.add(id);
        ids.add(ASSISTANT);
        int promptLength = ids.size();
        if (trace != null) {
            ids.add(THINK);
            for (int id : encode(trace)) ids.add(id);
            ids.add(END_THINK);
        }
        for (int id : encode(answer)) ids.add(id);
        ids.add(EOS);
        int[] t = ids.stream().mapToInt(Integer::intValue).toArray();
        boolean[] learned = new boolean[t.length];
        for (int i = promptLength; i < t.length; i++) learned[i] = true;
        return new Example(t, learned);
    }
}
