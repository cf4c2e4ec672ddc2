package io.srm4j.reasoning.answer;

import io.srm4j.reasoning.verify.LatexParser;
import io.srm4j.reasoning.verify.Node;
import io.srm4j.reasoning.verify.ParseException;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes the final answer out of a model response. Reasoning ({@code <think>…</think>}) is removed first. For maths the
 * order is: the last {@code \boxed{}}/{@code \fbox{}} (several joined when the gold has several parts), "#### n",
 * "final answer / the answer is …", then whichever comes last of a LaTeX span ($…$, $$…$$, \(…\), \[…\]) and a
 * plain number. Multiple-choice letters have their own phrasings ({@link #extractChoice}). All scans are linear.
 */
public final class AnswerExtractor {
    /** @param unclosedThinkingHasNoAnswer a response whose {@code <think>} never closed yields no answer (it ran out of tokens mid-thought) */
    public record Options(boolean unclosedThinkingHasNoAnswer) {
        public static final Options DEFAULT = new Options(true);
    }

    private final Options options;

    public AnswerExtractor() { this(Options.DEFAULT); }
    public AnswerExtractor(Options options) { this.options = options; }

    // ---------------------------------------------------------------- reasoning

    /** The response without its reasoning, or null when the thinking never closed (and the options say that means no answer). */
    public String stripThinking(String response) {
        if (response == null) return null;
        int close = response.lastIndexOf("</think>");
        if (close >= 0) return response.substring(close + "</think>".length());
        int open = response.indexOf("<think>");
        if (open >= 0) return options.unclosedThinkingHasNoAnswer() ? null : response.substring(open + "<think>".length());
        return response;
    }

    // ---------------------------------------------------------------- boxes

    /** Contents of every \boxed{…} and \fbox{…} (nested braces respected; "\boxed 5" too), in order of appearance. */
    public static List<String> boxed(String text) {
        return boxSpans(text).stream().map(Span::content).toList();
    }

    /** The last box together with the boxes right before it that are only separated by commas, "and" or $ signs ("\\boxed{1}, \\boxed{2}"). */
    static String lastBoxGroup(String text) {
        List<Span> spans = boxSpans(text);
        if (spans.isEmpty()) return null;
        int first = spans.size() - 1;
        while (first > 0 && BOX_GAP.matcher(text.substring(spans.get(first - 1).end, spans.get(first).start)).matches()) first--;
        return String.join(", ", spans.subList(first, spans.size()).stream().map(Span::content).toList());
    }

    private static final Pattern BOX_GAP = Pattern.compile("(?i)(?:[\\s$,;.]|\\\\[()\\[\\]])*(?:and)?(?:[\\s$,;]|\\\\[()\\[\\]])*");

    private static List<Span> boxSpans(String text) {
        List<Span> out = new ArrayList<>();
        int i = 0;
        while (true) {
            int b = text.indexOf("\\boxed", i), f = text.indexOf("\\fbox", i);
            int at = b < 0 ? f : (f < 0 ? b : Math.min(b, f));
            if (at < 0) break;
            int j = at + (at == b ? "\\boxed".length() : "\\fbox".length());
            while (j < text.length() && text.charAt(j) == ' ') j++;
            if (j < text.length() && text.charAt(j) == '{') {
                int end = matchBrace(text, j);
                if (end < 0) { out.add(new Span(at, text.length(), text.substring(j + 1).strip())); break; }
                out.add(new Span(at, end + 1, text.substring(j + 1, end).strip()));
                i = end + 1;
            } else {
                // "\boxed 5": the rest of the token.
                int k = j;
                while (k < text.length() && !Character.isWhitespace(text.charAt(k)) && text.charAt(k) != '$') k++;
                if (k > j) out.add(new Span(at, k, text.substring(j, k)));
                i = Math.max(k, at + 1);
            }
        }
        return out;
    }

    /** Index of the brace closing the one at {@code open}, or -1. Escaped braces \{ \} do not count. */
    static int matchBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') { i++; continue; }
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i;
        }
        return -1;
    }

    // ---------------------------------------------------------------- maths

    private static final Pattern HASHES = Pattern.compile("####\\s*([^\\n]*)");
    private static final Pattern ANSWER_PHRASE = Pattern.compile(
            "(?i)(?:final\\s+answer|the\\s+answer|answer)\\s*(?:\\*\\*)?\\s*(?:is|was|would\\s+be|will\\s+be|should\\s+be|:|=)\\s*(?::\\s*)?(?:\\*\\*)?"
                    + "|(?:最终答案|答案)\\s*(?:是|为|:|：)\\s*");
    private static final Pattern FINAL_ANSWER_HEADING = Pattern.compile("(?i)\\**final\\s+answer\\**\\s*:?\\**[ \\t]*\\n");
    private static final Pattern NUMBER = Pattern.compile(
            "(?<![\\w.^_])-?(?:\\d{1,3}(?:(?:,\\\\!\\s*|\\{,}|,)\\d{3})+|\\d+)(?:\\.\\d+)?(?:\\s*/\\s*\\d+(?:\\.\\d+)?)?(?:\\s*%)?|(?<![\\w.])-?\\.\\d+");
    private static final Pattern PROSE_IN_DOLLARS = Pattern.compile("(?:^|\\s)(?:and|or|the|is|for|per|each|to|of|with|at|in|on|so|but|from|then|a)\\s", Pattern.CASE_INSENSITIVE);

    /** The final answer of a maths response, or null. {@code parts} is how many answers the gold holds (several boxes are joined up to that many). */
    public String extractMath(String response, int parts) {
        String text = stripThinking(response);
        if (text == null || text.isBlank()) return null;
        return extractMathFrom(text, parts);
    }

    private String extractMathFrom(String text, int parts) {
        List<String> boxes = boxed(text).stream().filter(b -> !b.isBlank()).toList();
        if (!boxes.isEmpty()) {
            if (parts > 1 && boxes.size() > 1) {
                int n = Math.min(parts, boxes.size());
                return String.join(", ", boxes.subList(boxes.size() - n, boxes.size()));
            }
            return boxes.get(boxes.size() - 1);
        }
        Matcher h = HASHES.matcher(text);
        String hashes = null;
        while (h.find()) hashes = h.group(1);
        if (hashes != null && !hashes.isBlank()) {
            String a = fromTail(hashes);
            if (a != null) return a;
        }
        String phrase = fromAnswerPhrase(text);
        if (phrase != null) return phrase;
        // A response that is nothing but an answer ("3.0", "x^2+1", "(1, 2]") is taken whole.
        String whole = text.strip();
        if (whole.length() <= 300 && !hasDelimiters(whole) && !isProse(whole) && !wordsBeforeNumber(whole) && looksLikeAnswer(whole)) return whole;
        return lastMathOrNumber(text);
    }

    private String fromAnswerPhrase(String text) {
        Matcher m = ANSWER_PHRASE.matcher(text);
        int tailStart = -1;
        while (m.find()) tailStart = m.end();
        Matcher hd = FINAL_ANSWER_HEADING.matcher(text);
        int headingEnd = -1;
        while (hd.find()) headingEnd = hd.end();
        if (headingEnd > tailStart) {
            // "**Final Answer**" on its own line: the answer is on the next non-empty line.
            String rest = text.substring(headingEnd).stripLeading();
            return rest.isEmpty() ? null : fromTail(firstLogicalLine(rest));
        }
        if (tailStart < 0) return null;
        String rest = text.substring(tailStart).stripLeading();
        if (rest.isEmpty()) return null;
        return fromTail(firstLogicalLine(rest));
    }

    /** The first line, extended over a display block (\[ … \] or $$ … $$) that starts on it. */
    private static String firstLogicalLine(String s) {
        for (String open : new String[]{"\\[", "$$"}) {
            if (s.startsWith(open)) {
                int close = s.indexOf(open.equals("\\[") ? "\\]" : "$$", open.length());
                if (close > 0) return s.substring(0, close + 2);
            }
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static final Pattern LEADING_LABEL = Pattern.compile("^\\(?[A-J]\\)\\s+(?=\\S)");
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?](?=\\s|$)");
    private static final Pattern IS_WORD = Pattern.compile("(?i)\\s(?:is|are|equals|be|was|of)\\s");

    /** The answer within the text that follows "the answer is": a LaTeX span, a short expression, or else its last number. */
    private String fromTail(String tail) {
        String s = tail.strip();
        List<Span> spans = mathSpans(s);
        if (!spans.isEmpty() && spans.get(0).start == 0) return spans.get(0).content;
        // Cut at the end of the sentence, outside LaTeX spans.
        Matcher e = SENTENCE_END.matcher(s);
        while (e.find()) {
            int at = e.start();
            if (spans.stream().noneMatch(sp -> sp.start <= at && at < sp.end)) { s = s.substring(0, at); break; }
        }
        s = s.replace("**", "").strip();
        // "(C) 12": an option label in front of the value.
        Matcher label = LEADING_LABEL.matcher(s);
        if (label.find()) s = s.substring(label.end());
        Matcher is = IS_WORD.matcher(s);
        int after = -1;
        while (is.find()) after = is.end();
        if (after > 0) {
            String a = fromTail(s.substring(after));
            if (a != null) return a;
        }
        spans = mathSpans(s);
        if (!spans.isEmpty()) return spans.get(spans.size() - 1).content;
        if (s.isEmpty()) return null;
        if (s.length() <= 80 && !isProse(s) && looksLikeAnswer(s)) return s;
        Span n = lastNumber(s);
        return n == null ? (s.length() <= 40 && !s.isBlank() ? s : null) : n.content;
    }

    private static final Pattern TEXT_GROUP = Pattern.compile("\\\\(?:text\\w*|mbox|mathrm|operatorname|begin|end)\\{[^{}]*}|\\\\[a-zA-Z]+");
    private static final Pattern LONG_WORD = Pattern.compile("[A-Za-z]{3,}");

    /** Two or more words of three letters or more outside LaTeX commands: a sentence, not an answer. */
    static boolean isProse(String s) {
        Matcher m = LONG_WORD.matcher(TEXT_GROUP.matcher(s).replaceAll(" "));
        int words = 0;
        while (m.find()) {
            String w = m.group();
            if (!w.equalsIgnoreCase("and") && !w.equalsIgnoreCase("or") && ++words >= 2) return true;
        }
        return false;
    }

    private static boolean hasDelimiters(String s) {
        return s.replace("\\$", "").indexOf('$') >= 0 || s.contains("\\[") || s.contains("\\(");
    }

    private static final Pattern DIGIT = Pattern.compile("\\d");

    /** "It costs 78.20": a word leads up to the number, so this is a sentence, not an answer with a unit after it. */
    static boolean wordsBeforeNumber(String s) {
        String t = TEXT_GROUP.matcher(s).replaceAll(" ");
        Matcher d = DIGIT.matcher(t), w = LONG_WORD.matcher(t);
        return d.find() && w.find() && w.start() < d.start();
    }

    /** A short string that parses as maths (not a sentence of words). */
    private static boolean looksLikeAnswer(String s) {
        try {
            Node n = LatexParser.parse(s);
            if (n instanceof Node.Text(String t)) return t.strip().split("\\s+").length <= 3;
            return true;
        } catch (ParseException | ArithmeticException | NumberFormatException e) {
            return false;
        }
    }

    private String lastMathOrNumber(String text) {
        List<Span> spans = mathSpans(text);
        Span lastSpan = null;
        for (int i = spans.size() - 1; i >= 0; i--) {
            if (!spans.get(i).content.isBlank()) { lastSpan = spans.get(i); break; }
        }
        Span num = lastNumber(text);
        if (lastSpan != null && (num == null || lastSpan.end >= num.start)) return lastSpan.content;
        return num == null ? null : num.content;
    }

    record Span(int start, int end, String content) {}

    private static Span lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        Span last = null;
        while (m.find()) last = new Span(m.start(), m.end(), m.group().replace(" ", "").replace("\\!", "").replace("{,}", ","));
        return last;
    }

    /** LaTeX spans $…$, $$…$$, \(…\), \[…\] in order; an inline $…$ may not cross a line nor read like prose (prices: "$5 and $7"). */
    static List<Span> mathSpans(String text) {
        List<Span> out = new ArrayList<>();
        int i = 0, n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < n) {
                char d = text.charAt(i + 1);
                if (d == '(' || d == '[') {
                    String close = d == '(' ? "\\)" : "\\]";
                    int end = text.indexOf(close, i + 2);
                    if (end < 0) { i += 2; continue; }
                    String content = text.substring(i + 2, end);
                    if (d == '[' || content.indexOf('\n') < 0) out.add(new Span(i, end + 2, content.strip()));
                    i = end + 2;
                    continue;
                }
                i += 2; // \$ and other escapes
                continue;
            }
            if (c == '$') {
                if (i + 1 < n && text.charAt(i + 1) == '$') {
                    int end = text.indexOf("$$", i + 2);
                    if (end < 0) { i += 2; continue; }
                    out.add(new Span(i, end + 2, text.substring(i + 2, end).strip()));
                    i = end + 2;
                    continue;
                }
                int end = closingDollar(text, i + 1);
                if (end < 0) { i++; continue; }
                String content = text.substring(i + 1, end);
                if (content.indexOf('\n') >= 0 || PROSE_IN_DOLLARS.matcher(content.replaceAll("\\\\text\\{[^}]*}", "")).find()) {
                    i++; // a lone price sign; try the closing $ as an opener
                    continue;
                }
                out.add(new Span(i, end + 1, content.strip()));
                i = end + 1;
                continue;
            }
            i++;
        }
        return out;
    }

    private static int closingDollar(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') { i++; continue; }
            if (c == '$') return i;
        }
        return -1;
    }

    // ---------------------------------------------------------------- gold

    /** A gold answer in any of its usual dresses ("\boxed{5}", "5", "$\frac{1}{2}$", "#### 72", a worked solution) reduced to the answer. */
    public String goldAnswer(String gold) {
        if (gold == null) return null;
        String g = gold.strip();
        if (g.isEmpty()) return null;
        String boxes = lastBoxGroup(g);
        if (boxes != null) return boxes;
        Matcher h = HASHES.matcher(g);
        String hashes = null;
        while (h.find()) hashes = h.group(1);
        if (hashes != null && !hashes.isBlank()) return hashes.strip();
        if (g.length() <= LatexParser.MAX_LENGTH && !isProse(g) && parses(g)) return g;
        String a = extractMathFrom(g, 1);
        return a == null ? g : a;
    }

    private static boolean parses(String s) {
        try {
            Node n = LatexParser.parse(s);
            return !(n instanceof Node.Text(String t)) || t.strip().split("\\s+").length <= 4;
        } catch (ParseException | ArithmeticException | NumberFormatException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- multiple choice

    /** "answer is (B)", "Answer: **B**", "the correct answer would be option B". */
    private static final Pattern CHOICE_ANSWER = Pattern.compile(
            "(?i:answer)(?:\\s+(?i:is|would\\s+be|should\\s+be))?[\\s*_:]*(?:(?i:option|choice)\\s*)?[\\s*_:]*\\(?([A-Z])\\)?(?![A-Za-z0-9])");
    /** "option B", "choice (C)": weaker, as a response may discuss several options before answering. */
    private static final Pattern CHOICE_MENTION = Pattern.compile(
            "(?i:choice|option)(?:\\s+(?i:is))?[\\s*_:]*\\(?([A-Z])\\)?(?![A-Za-z0-9])");
    private static final Pattern CHOICE_BOLD = Pattern.compile("\\*\\*\\s*\\(?([A-Z])\\)?[.):]?\\s*\\*\\*");
    private static final Pattern CHOICE_PAREN = Pattern.compile("\\(([A-Z])\\)");
    private static final Pattern CHOICE_LINE = Pattern.compile("(?m)^\\s*([A-Z])[).:](?:\\s|$)");
    private static final Pattern CHOICE_WHOLE = Pattern.compile("^[\\s*(\\[]*([A-Z])[\\s*).\\]:]*$");
    private static final Pattern CHOICE_TAIL = Pattern.compile("(?<![A-Za-z])([A-Z])[\\s*).]*$");
    private static final Pattern LONE_LETTER = Pattern.compile("(?<![A-Za-z0-9'’\\\\])([A-Z])(?![A-Za-z0-9'’])( [a-z])?");
    private static final Pattern OPTION_PREFIX = Pattern.compile("^\\s*\\(?([A-Z])\\s*[).:]\\s*");
    private static final Pattern TEXT_CMD = Pattern.compile("\\\\(?:text|textbf|mathrm|mathbf|textrm|mbox)\\{([^{}]*)}");

    /** The option letter a response chose, or null; {@code options} (may be empty) bound the letters and allow matching by option text. */
    public String extractChoice(String response, List<String> options) {
        String text = stripThinking(response);
        if (text == null || text.isBlank()) return null;
        char maxLetter = options == null || options.isEmpty() ? 'J' : (char) ('A' + options.size() - 1);
        List<String> boxes = boxed(text);
        if (!boxes.isEmpty()) {
            String l = letterOf(boxes.get(boxes.size() - 1), maxLetter);
            if (l != null) return l;
        }
        String t = TEXT_CMD.matcher(text).replaceAll("$1").replace("$", "");
        for (Pattern p : new Pattern[]{CHOICE_ANSWER, CHOICE_BOLD}) {
            String l = lastLetter(p, t, maxLetter);
            if (l != null) return l;
        }
        Matcher w = CHOICE_WHOLE.matcher(t.strip());
        if (w.matches() && w.group(1).charAt(0) <= maxLetter) return w.group(1);
        // A stated value ("\\boxed{78.20}", "the answer is 78.20") outranks letters merely mentioned along the way.
        if (options != null && !options.isEmpty()) {
            String l = byOptionText(text, options);
            if (l != null) return l;
        }
        for (Pattern p : new Pattern[]{CHOICE_MENTION, CHOICE_PAREN, CHOICE_LINE}) {
            String l = lastLetter(p, t, maxLetter);
            if (l != null) return l;
        }
        Matcher tail = CHOICE_TAIL.matcher(t.strip());
        if (tail.find() && tail.group(1).charAt(0) <= maxLetter && tail.group(1).charAt(0) != 'I') return tail.group(1);
        // Last resort: the last capital letter standing alone ("Because B is valid"), but not the pronoun I or the article A.
        Matcher lone = LONE_LETTER.matcher(t);
        String last = null;
        while (lone.find()) {
            char c = lone.group(1).charAt(0);
            if (c <= maxLetter && c != 'I' && !(c == 'A' && lone.group(2) != null)) last = lone.group(1);
        }
        return last;
    }

    private static String lastLetter(Pattern p, String text, char maxLetter) {
        Matcher m = p.matcher(text);
        String last = null;
        while (m.find()) if (m.group(1).charAt(0) <= maxLetter) last = m.group(1);
        return last;
    }

    /** "B", "(B)", "\text{(B)}", "B) 12", "**B**" → "B"; null when the text is not a letter choice. */
    public static String letterOf(String s, char maxLetter) {
        String t = TEXT_CMD.matcher(s).replaceAll("$1").replace("$", "").replace("*", "").strip();
        Matcher w = CHOICE_WHOLE.matcher(t);
        if (w.matches() && w.group(1).charAt(0) <= maxLetter) return w.group(1);
        Matcher pre = OPTION_PREFIX.matcher(t);
        if (pre.find() && pre.group(1).charAt(0) <= maxLetter && (t.startsWith("(") || pre.end() < t.length())) return pre.group(1);
        return null;
    }

    /** The option text without its "A)" label. */
    public static String optionText(String option) {
        Matcher m = OPTION_PREFIX.matcher(option);
        return m.find() ? option.substring(m.end()).strip() : option.strip();
    }

    private static final Pattern LITERAL_NOISE = Pattern.compile("\\s+|\\$|\\\\(?=[%$])|\\\\[,;:! ]|\\\\(?:text|mathrm|mbox)\\{|[{}]");

    /** An option's text as written, minus spacing, dollar signs and text wrappers; case-folded. */
    private static String optionLiteral(String s) {
        return LITERAL_NOISE.matcher(s.toLowerCase(java.util.Locale.ROOT)).replaceAll("");
    }

    private String byOptionText(String text, List<String> options) {
        String answer = extractMathFrom(text, 1);
        if (answer == null) return null;
        // The same words first ("3% Profit" is not "3% Loss", though units and words drop out in maths), then the same value.
        String literal = optionLiteral(answer), byText = null;
        int textMatches = 0;
        for (int k = 0; k < options.size(); k++) {
            if (optionLiteral(optionText(options.get(k))).equals(literal)) {
                textMatches++;
                byText = String.valueOf((char) ('A' + k));
            }
        }
        if (textMatches == 1) return byText;
        if (textMatches > 1) return null;
        String found = null;
        for (int k = 0; k < options.size(); k++) {
            if (io.srm4j.reasoning.verify.Grader.sameAnswer(optionText(options.get(k)), answer)) {
                if (found != null) return null; // ambiguous
                found = String.valueOf((char) ('A' + k));
            }
        }
        return found;
    }
}
