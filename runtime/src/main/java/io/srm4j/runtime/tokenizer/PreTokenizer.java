package io.srm4j.runtime.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Splits text into words before byte-level BPE, exactly as llama.cpp's {@code unicode_regex_split} does for a
 * given {@code tokenizer.ggml.pre}. The regex lists are llama.cpp's; two of them (GPT-2 and Llama 3) run as
 * hand-written scanners there, and so here, because llama.cpp's scanners differ from a real regex engine in
 * small ways (e.g. which code points count as \s). The others are run on llama.cpp's "collapsed" text, where
 * every code point at or above 128 is replaced by one stand-in character for its Unicode category, and
 * \p{..} in the regex is rewritten to match those stand-ins plus the ASCII members of the category. Reproducing
 * that trick (rather than using real Unicode classes) keeps llama.cpp's quirks, such as non-ASCII lowercase
 * letters counting as "[^a-z]" in the GPT-4o pattern.
 */
final class PreTokenizer {
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    static final String LLAMA3_REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3_REGEX_ORIGINAL = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2_REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN35_REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String DEEPSEEK3_REGEX = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
    static final String CJK_DEEPSEEK = "[一-龥ࠀ-一가-퟿]+";
    static final String CJK_JAPANESE = "[一-龥぀-ゟ゠-ヿ]+";
    static final String PORO_REGEX = " ?[^(\\s|.,!?…。，、।۔،)]+";
    static final String TEKKEN_REGEX = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String GPT4O_REGEX = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String DEEPSEEK_LLM_LETTERS = "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+";

    /** One pre-tokenizer type: its regexes and the vocabulary flags llama.cpp sets alongside. */
    record Spec(String name, List<String> regexes, boolean ignoreMerges, boolean cleanSpaces, boolean forceAddBos,
                boolean clearBos) {
    }

    private final Spec spec;
    private final List<Step> steps;
    private final boolean needCollapse;

    private PreTokenizer(Spec spec) {
        this(spec, true);
    }

    private PreTokenizer(Spec spec, boolean useScanners) {
        this.spec = spec;
        List<Step> s = new ArrayList<>();
        boolean collapse = false;
        for (String re : spec.regexes()) {
            Step step = stepFor(re, useScanners);
            if (step instanceof RegexStep rs && rs.collapsed) collapse = true;
            s.add(step);
        }
        this.steps = List.copyOf(s);
        this.needCollapse = collapse;
    }

    Spec spec() {
        return spec;
    }

    /** The pre-tokenizer for a {@code tokenizer.ggml.pre} value (empty or null means llama.cpp's default). */
    static PreTokenizer forName(String pre) {
        return new PreTokenizer(specFor(pre == null ? "" : pre));
    }

    static Spec specFor(String pre) {
        List<String> gpt2 = List.of(GPT2_REGEX);
        List<String> llama3 = List.of(LLAMA3_REGEX);
        List<String> qwen2 = List.of(QWEN2_REGEX);
        List<String> starcoder = List.of("\\p{N}", GPT2_REGEX);
        List<String> deepseek3 = List.of("\\p{N}{1,3}", CJK_JAPANESE, DEEPSEEK3_REGEX);
        String p = pre;
        return switch (p) {
            case "", "default" -> new Spec("default",
                    List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_REGEX, "\\p{N}+", "[0-9][0-9][0-9]"), false, true, false, false);
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                 "jina-v5-nano" -> new Spec(p, llama3, true, true, true, false);
            case "dbrx", "smaug-bpe" -> new Spec(p, llama3, false, true, false, false);
            case "glm4", "chatglm-bpe" -> new Spec(p, llama3, false, true, false, true);
            case "deepseek-llm" -> new Spec(p, List.of("[\r\n]", DEEPSEEK_LLM_LETTERS,
                    "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", CJK_DEEPSEEK, "\\p{N}+"), false, false, false, false);
            case "deepseek-coder" -> new Spec(p, List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK_DEEPSEEK, "\\p{N}"),
                    false, false, false, false);
            case "deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4" -> new Spec(p, deepseek3, false, false, false, false);
            case "falcon" -> new Spec(p, List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2_REGEX, "[0-9][0-9][0-9]"),
                    false, true, false, false);
            case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2" -> new Spec(p, starcoder, false, true, false, false);
            case "command-r", "smollm" -> new Spec(p, starcoder, false, false, false, false);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
                 "modern-bert", "mpt", "olmo", "jais", "exaone4", "jina-v1-en", "jina-v2-code", "roberta-bpe" ->
                    new Spec(p, gpt2, false, true, false, false);
            case "trillion", "granite-docling" -> new Spec(p, gpt2, false, false, false, false);
            case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "grok-2", "solar-open" ->
                    new Spec(p, qwen2, false, false, false, false);
            case "stablelm2", "megrez" -> new Spec(p, qwen2, false, true, false, false);
            case "qwen35" -> new Spec(p, List.of(QWEN35_REGEX), false, false, false, false);
            case "poro-chat" -> new Spec(p, List.of(PORO_REGEX), false, false, false, false);
            case "bloom", "gpt3-finnish" -> new Spec(p, List.of(PORO_REGEX), false, true, false, false);
            case "viking" -> new Spec(p, List.of(PORO_REGEX, "\\p{N}"), false, false, false, false);
            case "tekken" -> new Spec(p, List.of(TEKKEN_REGEX), true, false, true, false);
            case "chameleon" -> new Spec(p, List.of("<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
                    "([\\t\\n]|    |  )", "\\p{N}", "[\\p{P}!-/:-@\\[-`{-~]", GPT2_REGEX), false, false, true, false);
            case "gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2" -> new Spec(p, List.of(GPT4O_REGEX), false, false, false, false);
            case "seed-coder" -> new Spec(p, List.of("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
                    false, false, false, false);
            case "bailingmoe", "bailingmoe2", "llada-moe" -> new Spec(p, List.of("'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"),
                    false, false, false, false);
            case "ufakzeka" -> new Spec(p, List.of("[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
                    false, false, false, false);
            case "minicpm5" -> new Spec(p, List.of("\\p{N}{1,3}", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
                    true, true, false, false);
            default -> throw new IllegalArgumentException("unknown or unsupported pre-tokenizer type (tokenizer.ggml.pre): '" + pre + "'");
        };
    }

    /**
     * Word boundaries of {@code cpts}: the lengths, in code points, of consecutive words covering the text.
     */
    int[] split(int[] cpts) {
        String collapsed = null;
        if (needCollapse) {
            char[] c = new char[cpts.length];
            for (int i = 0; i < cpts.length; i++) c[i] = UnicodeClass.collapsed(cpts[i]);
            collapsed = new String(c);
        }
        WideText wide = null;
        IntList offsets = new IntList();
        if (cpts.length > 0) offsets.add(cpts.length);
        for (Step step : steps) {
            IntList next = new IntList();
            switch (step) {
                case ScannerStep sc -> {
                    int start = 0;
                    for (int i = 0; i < offsets.size(); i++) {
                        int len = offsets.get(i);
                        sc.scanner.scan(cpts, start, start + len, next);
                        start += len;
                    }
                }
                case RegexStep rs -> {
                    if (!rs.collapsed && wide == null) wide = new WideText(cpts);
                    regexSplit(rs, collapsed, wide, offsets, next);
                }
            }
            offsets = next;
        }
        return offsets.toArray();
    }

    private static void regexSplit(RegexStep rs, String collapsed, WideText wide, IntList offsets, IntList out) {
        Matcher m = rs.pattern.matcher(rs.collapsed ? collapsed : wide.text);
        int start = 0;
        for (int i = 0; i < offsets.size(); i++) {
            int len = offsets.get(i);
            int end = start + len;
            int from = rs.collapsed ? start : wide.charAt[start];
            int to = rs.collapsed ? end : wide.charAt[end];
            m.region(from, to);
            int prev = start;
            while (m.find()) {
                int ms = rs.collapsed ? m.start() : wide.cpAt[m.start()];
                int me = rs.collapsed ? m.end() : wide.cpAt[m.end()];
                if (ms > prev) out.add(ms - prev);
                if (me > ms) out.add(me - ms); // llama.cpp keeps empty matches as empty words, which yield no tokens
                prev = me;
            }
            if (prev < end) out.add(end - prev);
            start = end;
        }
    }

    /** The text as llama.cpp's std::wregex sees it: code points, non-ASCII white space replaced by \v. */
    private static final class WideText {
        final String text;
        final int[] charAt; // code point index -> char index
        final int[] cpAt;   // char index -> code point index (for boundaries)

        WideText(int[] cpts) {
            StringBuilder sb = new StringBuilder(cpts.length + 8);
            charAt = new int[cpts.length + 1];
            for (int i = 0; i < cpts.length; i++) {
                charAt[i] = sb.length();
                int cp = cpts[i];
                sb.appendCodePoint(cp > 0x7F && UnicodeClass.isWhitespace(cp) ? 0x0B : cp);
            }
            charAt[cpts.length] = sb.length();
            text = sb.toString();
            cpAt = new int[text.length() + 1];
            for (int i = 0; i <= cpts.length; i++) cpAt[charAt[i]] = i;
        }
    }

    private sealed interface Step permits ScannerStep, RegexStep {
    }

    private record ScannerStep(Scanner scanner) implements Step {
    }

    private record RegexStep(Pattern pattern, boolean collapsed) implements Step {
    }

    @FunctionalInterface
    private interface Scanner {
        void scan(int[] cpts, int from, int to, IntList out);
    }

    /** A pre-tokenizer running the given regexes through the regex engine only (tests hold the scanners to it). */
    static PreTokenizer regexOnly(List<String> regexes) {
        return new PreTokenizer(new Spec("regex", regexes, false, false, false, false), false);
    }

    private static Step stepFor(String regex, boolean useScanners) {
        if (useScanners && regex.equals(GPT2_REGEX)) return new ScannerStep(PreTokenizer::scanGpt2);
        if (useScanners && (regex.equals(LLAMA3_REGEX) || regex.equals(LLAMA3_REGEX_ORIGINAL))) {
            return new ScannerStep(PreTokenizer::scanLlama3);
        }
        try {
            if (usesCategories(regex)) return new RegexStep(Pattern.compile(collapseRegex(regex)), true);
            String wide = regex;
            // ECMAScript '$' is end of input only; Java's also matches before a final line terminator.
            if (wide.endsWith("$") && !wide.endsWith("\\$")) wide = wide.substring(0, wide.length() - 1) + "\\z";
            return new RegexStep(Pattern.compile(wide), false);
        } catch (PatternSyntaxException e) {
            throw new IllegalStateException("pre-tokenizer regex does not compile: " + regex, e);
        }
    }

    private static final String[] CATEGORY_NAMES = {"\\p{N}", "\\p{L}", "\\p{P}", "\\p{M}", "\\p{S}", "\\p{Lu}",
            "\\p{Ll}", "\\p{Lt}", "\\p{Lm}", "\\p{Lo}"};

    private static boolean usesCategories(String regex) {
        for (String c : CATEGORY_NAMES) if (regex.contains(c)) return true;
        return false;
    }

    /** The collapsed stand-in character plus the ASCII members of a category, as a character-class body. */
    private static String categoryClassBody(String name) {
        return switch (name) {
            case "\\p{N}" -> UnicodeClass.COLLAPSED_NUMBER + "0-9";
            case "\\p{L}", "\\p{Lu}", "\\p{Ll}", "\\p{Lt}", "\\p{Lm}", "\\p{Lo}" -> UnicodeClass.COLLAPSED_LETTER + "A-Za-z";
            case "\\p{P}" -> UnicodeClass.COLLAPSED_PUNCTUATION + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
            case "\\p{M}" -> String.valueOf(UnicodeClass.COLLAPSED_MARK);
            // llama.cpp's ASCII symbol list leaves out '~' (a math symbol); kept as it is.
            case "\\p{S}" -> UnicodeClass.COLLAPSED_SYMBOL + "\\$\\+<->\\^`\\|";
            default -> null;
        };
    }

    private static final Pattern LOOKAHEAD_CLASS = Pattern.compile("\\(\\(\\?=\\[([^\\]\\[]*)\\]\\)\\(\\[\\^(a-z|A-Z)\\]\\)\\)");

    static String collapseRegex(String regex) {
        for (int i = 0; i < regex.length(); i++) {
            if (regex.charAt(i) >= 128) {
                throw new IllegalStateException("regex mixes unicode categories and non-ASCII characters: " + regex);
            }
        }
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                out.append('[');
                inside = true;
                continue;
            }
            if (inside && c == ']' && regex.charAt(i - 1) != '\\') {
                out.append(']');
                inside = false;
                continue;
            }
            if (c == '\\' && i + 3 < regex.length() && regex.charAt(i + 1) == 'p' && regex.charAt(i + 2) == '{') {
                int close = regex.indexOf('}', i + 3);
                if (close >= 0 && close <= i + 10) {
                    String body = categoryClassBody(regex.substring(i, close + 1));
                    if (body != null) {
                        out.append(inside ? body : "[" + body + "]");
                        i = close;
                        continue;
                    }
                }
            }
            out.append(c);
        }
        // "((?=[X])([^a-z]))" consumes one character that is in X and not in a-z: a plain class intersection,
        // which java.util.regex repeats without recursion (the group form can overflow the stack on long words).
        return LOOKAHEAD_CLASS.matcher(out).replaceAll(mr -> Matcher.quoteReplacement("[" + mr.group(1) + "&&[^" + mr.group(2) + "]]"));
    }

    // ---- llama.cpp's hand-written scanners -------------------------------------------------------------------

    private static final int OUT_OF_RANGE = -1;

    private static int cptAt(int[] cpts, int from, int to, int pos) {
        return pos >= from && pos < to ? cpts[pos] : OUT_OF_RANGE;
    }

    private static boolean letterAt(int[] cpts, int from, int to, int pos) {
        return pos >= from && pos < to && UnicodeClass.isLetter(cpts[pos]);
    }

    private static boolean numberAt(int[] cpts, int from, int to, int pos) {
        return pos >= from && pos < to && UnicodeClass.isNumber(cpts[pos]);
    }

    private static boolean spaceAt(int[] cpts, int from, int to, int pos) {
        return pos >= from && pos < to && UnicodeClass.isWhitespace(cpts[pos]);
    }

    /** In range and neither white space, letter nor number: [^\s\p{L}\p{N}]. */
    private static boolean otherAt(int[] cpts, int from, int to, int pos) {
        if (pos < from || pos >= to) return false;
        int cp = cpts[pos];
        return !UnicodeClass.isWhitespace(cp) && !UnicodeClass.isLetter(cp) && !UnicodeClass.isNumber(cp);
    }

    /** Length of a contraction ('s 't 'm 'd 're 've 'll) starting at pos, 0 if none. */
    private static int contraction(int[] cpts, int from, int to, int pos, boolean ignoreCase) {
        if (cpts[pos] != '\'' || pos + 1 >= to) return 0;
        int n1 = cptAt(cpts, from, to, pos + 1);
        if (ignoreCase && n1 >= 0) n1 = Character.toLowerCase(n1);
        if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') return 2;
        if (pos + 2 < to) {
            int n2 = cptAt(cpts, from, to, pos + 2);
            if (ignoreCase && n2 >= 0) n2 = Character.toLowerCase(n2);
            if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) return 3;
        }
        return 0;
    }

    /** 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    static void scanGpt2(int[] cpts, int from, int to, IntList out) {
        int pos = from;
        while (pos < to) {
            int cp = cpts[pos];
            int c = contraction(cpts, from, to, pos, false);
            if (c > 0) {
                out.add(c);
                pos += c;
                continue;
            }
            int probe = cp == ' ' ? pos + 1 : pos;
            if (letterAt(cpts, from, to, probe)) {
                int end = probe;
                while (letterAt(cpts, from, to, end)) end++;
                out.add(end - pos);
                pos = end;
                continue;
            }
            if (numberAt(cpts, from, to, probe)) {
                int end = probe;
                while (numberAt(cpts, from, to, end)) end++;
                out.add(end - pos);
                pos = end;
                continue;
            }
            if (otherAt(cpts, from, to, probe)) {
                int end = probe;
                while (otherAt(cpts, from, to, end)) end++;
                out.add(end - pos);
                pos = end;
                continue;
            }
            int spaces = 0;
            while (spaceAt(cpts, from, to, pos + spaces)) spaces++;
            if (spaces > 1 && pos + spaces < to) {
                // \s+(?!\S): leave the last space to prefix the following word
                out.add(spaces - 1);
                pos += spaces - 1;
                continue;
            }
            if (spaces > 0) {
                out.add(spaces);
                pos += spaces;
                continue;
            }
            out.add(1);
            pos++;
        }
    }

    /** (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
    static void scanLlama3(int[] cpts, int from, int to, IntList out) {
        int pos = from;
        while (pos < to) {
            int cp = cpts[pos];
            int c = contraction(cpts, from, to, pos, true);
            if (c > 0) {
                out.add(c);
                pos += c;
                continue;
            }
            if (!(cp == '\r' || cp == '\n' || UnicodeClass.isNumber(cp))
                    && (UnicodeClass.isLetter(cp) || letterAt(cpts, from, to, pos + 1))) {
                int end = pos + 1;
                while (letterAt(cpts, from, to, end)) end++;
                out.add(end - pos);
                pos = end;
                continue;
            }
            if (UnicodeClass.isNumber(cp)) {
                int start = pos;
                while (numberAt(cpts, from, to, pos)) {
                    pos++;
                    if (pos - start >= 3) {
                        out.add(pos - start);
                        start = pos;
                    }
                }
                if (pos > start) out.add(pos - start);
                continue;
            }
            int probe = cp == ' ' ? pos + 1 : pos;
            // llama.cpp tests the current code point here, so a lone trailing ' ' also lands in this branch
            if (probe >= to || otherAt(cpts, from, to, probe)) {
                int end = probe;
                while (otherAt(cpts, from, to, end)) end++;
                while (end < to && (cpts[end] == '\r' || cpts[end] == '\n')) end++;
                out.add(end - pos);
                pos = end;
                continue;
            }
            int spaces = 0;
            int afterLastNewline = -1;
            while (spaceAt(cpts, from, to, pos + spaces)) {
                int c2 = cpts[pos + spaces];
                if (c2 == '\r' || c2 == '\n') afterLastNewline = pos + spaces + 1;
                spaces++;
            }
            if (afterLastNewline > 0) {
                out.add(afterLastNewline - pos);
                pos = afterLastNewline;
                continue;
            }
            if (spaces > 1 && pos + spaces < to) {
                out.add(spaces - 1);
                pos += spaces - 1;
                continue;
            }
            if (spaces > 0) {
                out.add(spaces);
                pos += spaces;
                continue;
            }
            out.add(1);
            pos++;
        }
    }

    @Override
    public String toString() {
        return "PreTokenizer[" + spec.name().toLowerCase(Locale.ROOT) + "]";
    }
}
