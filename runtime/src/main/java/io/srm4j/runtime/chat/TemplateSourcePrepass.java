package io.srm4j.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a jinja2 template into source that Jinjava renders the same way. It lexes the template as jinja2's lexer
 * does and:
 * <ul>
 *   <li>applies jinja2's whitespace control itself ({@code trim_blocks}, {@code lstrip_blocks}, {@code -}/{@code +}
 *       modifiers, the dropped final newline), then hands Jinjava plain tags: Jinjava's lstrip_blocks also strips
 *       whitespace before a tag in mid-line ({@code {{ a }} {% if %}}), which jinja2 keeps;</li>
 *   <li>drops comments;</li>
 *   <li>rewrites stepped slices {@code x[a:b:c]} (Qwen3 walks {@code messages[::-1]}), which Jinjava's parser
 *       rejects, to {@code x[srm4j_slice(a, b, c)]}, evaluated by {@link PythonMethodResolver};</li>
 *   <li>separates the closing braces of dict literals ({@code {{ {'a': {}} }}}), which Jinjava would take for the
 *       end of the expression.</li>
 * </ul>
 * Text, string literals and raw blocks are left as they are. Doing this at source level keeps the change small
 * and visible; extending Jinjava's JUEL-based lexer and parser would mean copying large parts of them.
 */
final class TemplateSourcePrepass {
    static final String SLICE_FUNCTION = "srm4j_slice";
    static final String LOOP_FILTER_FUNCTION = "srm4j_loop_filter";
    private static final java.util.regex.Pattern FOR_TAG = java.util.regex.Pattern.compile(
            "\\s*for\\s+(.+?)\\s+in\\s+(.*)", java.util.regex.Pattern.DOTALL);

    private TemplateSourcePrepass() {
    }

    /**
     * A tag: kind is '{' (expression), '%' (statement), '#' (comment) or 'r' (raw block; body = its content,
     * marks = those of {@code {% raw %}} on the left and {@code {% endraw %}} on the right, inner marks those
     * facing the content). A mark is '-', '+' or 0.
     */
    private record Tag(char kind, char leftMark, String body, char rightMark, char innerOpenMark, char innerCloseMark) {
    }

    /**
     * The rewritten source, with the filter and test names the template uses (jinja2 rejects unknown ones when it
     * compiles a template; Jinjava would silently yield nothing), and a syntax problem jinja2 would report, if any.
     */
    record Prepared(String source, java.util.Set<String> filters, java.util.Set<String> tests, String problem) {
    }

    private static final java.util.regex.Pattern FILTER_NAME = java.util.regex.Pattern.compile("(?<!\\|)\\|\\s*([A-Za-z_]\\w*)");
    private static final java.util.regex.Pattern TEST_NAME = java.util.regex.Pattern.compile(
            "(?<![\\w.])is\\s+(?:not\\s+)?([A-Za-z_]\\w*|==|!=|<=|>=|<|>)");

    static Prepared prepare(String source) {
        String rewritten = rewrite(source);
        java.util.Set<String> filters = new java.util.TreeSet<>(), tests = new java.util.TreeSet<>();
        String problem = null;
        for (Object piece : lex(String.join("\n", PythonStrings.splitlines(source, false)))) {
            if (piece instanceof Tag tag && (tag.kind() == '{' || tag.kind() == '%')) {
                String code = withoutStrings(tag.body());
                java.util.regex.Matcher f = FILTER_NAME.matcher(code);
                while (f.find()) filters.add(f.group(1));
                java.util.regex.Matcher t = TEST_NAME.matcher(code);
                while (t.find()) tests.add(t.group(1));
                if (tag.kind() == '%') {
                    java.util.regex.Matcher filterTag = java.util.regex.Pattern.compile("\\s*filter\\s+([A-Za-z_]\\w*)").matcher(code);
                    if (filterTag.lookingAt()) filters.add(filterTag.group(1));
                }
            } else if (piece instanceof String text && problem == null) {
                int at = unterminatedTag(text);
                if (at >= 0) problem = "unterminated '" + text.substring(at, at + 2) + "' in: " + abbreviate(text.substring(at));
            }
        }
        return new Prepared(rewritten, filters, tests, problem);
    }

    /** Where text still holds a tag opener (lex leaves an unterminated tag as text), or -1. */
    private static int unterminatedTag(String text) {
        for (int i = 0; i + 1 < text.length(); i++) {
            if (text.charAt(i) == '{' && "{%#".indexOf(text.charAt(i + 1)) >= 0) return i;
        }
        return -1;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** The code with each string literal's contents blanked, so names are searched in code only. */
    private static String withoutStrings(String code) {
        StringBuilder out = new StringBuilder(code.length());
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(code, i);
                out.append("''");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static String rewrite(String source) {
        // jinja2 splits the source into lines and joins them with "\n": newlines are normalised and one
        // trailing newline is dropped (keep_trailing_newline=False).
        String src = String.join("\n", PythonStrings.splitlines(source, false));
        List<Object> pieces = lex(src); // text, tag, text, tag, ..., text
        StringBuilder out = new StringBuilder(src.length());
        boolean lineStarting = true; // jinja2's lexer state: did the previous match end a line?
        String text = (String) pieces.get(0);
        for (int k = 1; k < pieces.size(); k += 2) {
            Tag tag = (Tag) pieces.get(k);
            if (tag.leftMark() == '-') {
                text = PythonStrings.strip(text, null, false, true);
            } else if (tag.leftMark() != '+' && tag.kind() != '{') {
                text = lstripBlock(text, lineStarting);
            }
            out.append(text);
            switch (tag.kind()) {
                case '{' -> out.append("{{").append(rewriteCode(tag.body())).append("}}");
                case '%' -> out.append("{%").append(rewriteStatement(tag.body())).append("%}");
                case 'r' -> out.append("{% raw %}").append(rawContent(tag)).append("{% endraw %}");
                default -> { } // comments produce nothing
            }
            String next = (String) pieces.get(k + 1);
            if (tag.rightMark() == '-') { // strips all following whitespace
                String stripped = PythonStrings.strip(next, null, true, false);
                lineStarting = next.substring(0, next.length() - stripped.length()).endsWith("\n");
                next = stripped;
            } else if (tag.rightMark() != '+' && tag.kind() != '{' && next.startsWith("\n")) { // trim_blocks
                next = next.substring(1);
                lineStarting = true;
            } else {
                lineStarting = false;
            }
            text = next;
        }
        return out.append(text).toString();
    }

    /** lstrip_blocks: whitespace between the start of a line and a block tag or comment is removed. */
    private static String lstripBlock(String text, boolean lineStarting) {
        int lineStart = text.lastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && lineStart < text.length()
                && PythonStrings.all(text.substring(lineStart), PythonStrings::isSpace)) {
            return text.substring(0, lineStart);
        }
        return text;
    }

    /** The raw block's content with the whitespace control of the tags facing it. */
    private static String rawContent(Tag raw) {
        String content = raw.body();
        if (raw.innerOpenMark() == '-') content = PythonStrings.strip(content, null, true, false);
        if (raw.innerCloseMark() == '-') return PythonStrings.strip(content, null, false, true);
        // {% raw %} never ends a line for lstrip purposes: its match ends with "%}".
        return raw.innerCloseMark() == '+' ? content : lstripBlock(content, false);
    }

    /** Splits the source into text strings and tags, as jinja2's lexer finds them: text, tag, text, ..., text. */
    private static List<Object> lex(String s) {
        List<Object> pieces = new ArrayList<>();
        int i = 0, n = s.length(), textStart = 0;
        while (i < n - 1) {
            char c0 = s.charAt(i), c1 = s.charAt(i + 1);
            if (c0 != '{' || (c1 != '{' && c1 != '%' && c1 != '#')) {
                i++;
                continue;
            }
            int bodyStart = i + 2;
            char left = bodyStart < n && (s.charAt(bodyStart) == '-' || s.charAt(bodyStart) == '+') ? s.charAt(bodyStart) : 0;
            if (left != 0) bodyStart++;
            String closer = c1 == '{' ? "}}" : c1 == '%' ? "%}" : "#}";
            int close = c1 == '#' ? s.indexOf(closer, bodyStart) : codeEnd(s, bodyStart, closer);
            if (close < 0) break; // unterminated: left as text for Jinjava to report
            int bodyEnd = close;
            char right = 0;
            if (bodyEnd > bodyStart && (s.charAt(bodyEnd - 1) == '-' || (c1 != '{' && s.charAt(bodyEnd - 1) == '+'))) {
                right = s.charAt(bodyEnd - 1);
                bodyEnd--;
            }
            String body = s.substring(bodyStart, bodyEnd);
            int after = close + 2;
            if (c1 == '%' && body.strip().equals("raw")) {
                int[] end = findEndRaw(s, after);
                if (end == null) break;
                pieces.add(s.substring(textStart, i));
                pieces.add(new Tag('r', left, s.substring(after, end[0]), (char) end[3], right, (char) end[2]));
                i = textStart = end[1];
                continue;
            }
            pieces.add(s.substring(textStart, i));
            pieces.add(new Tag(c1, left, body, right, (char) 0, (char) 0));
            i = textStart = after;
        }
        pieces.add(s.substring(textStart));
        return pieces;
    }

    /** Locates {@code {% endraw %}} from {@code from}: [contentEnd, tagEnd, leftMark, rightMark], or null. */
    private static int[] findEndRaw(String s, int from) {
        int i = from;
        while ((i = s.indexOf("{%", i)) >= 0) {
            int j = i + 2;
            char left = j < s.length() && (s.charAt(j) == '-' || s.charAt(j) == '+') ? s.charAt(j) : 0;
            if (left != 0) j++;
            int close = s.indexOf("%}", j);
            if (close < 0) return null;
            String body = s.substring(j, close);
            char right = 0;
            if (body.endsWith("-") || body.endsWith("+")) {
                right = body.charAt(body.length() - 1);
                body = body.substring(0, body.length() - 1);
            }
            if (body.strip().equals("endraw")) return new int[] {i, close + 2, left, right};
            i += 2;
        }
        return null;
    }

    /**
     * The index of the closing delimiter of a code region. Like jinja2's lexer, a delimiter inside a string literal
     * or inside open brackets does not count.
     */
    private static int codeEnd(String s, int from, String closer) {
        int depth = 0;
        for (int i = from; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(s, i);
            } else if (depth == 0 && s.startsWith(closer, i)) {
                return i;
            } else if (c == '-' || c == '+') {
                if (depth == 0 && s.startsWith(closer, i + 1)) return i + 1;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        return -1;
    }

    /** Index of the quote that closes the string literal opening at {@code start}. */
    private static int stringEnd(String s, int start) {
        char q = s.charAt(start);
        for (int i = start + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') i++;
            else if (c == q) return i;
        }
        return s.length() - 1;
    }

    /**
     * A statement; a for-loop's condition ({@code for m in messages if m.role != 'system'}), which Jinjava ignores,
     * becomes a call that filters the iterable first. In jinja2 the first top-level {@code if} after the iterable
     * always starts the condition (a conditional expression there needs parentheses).
     */
    private static String rewriteStatement(String body) {
        java.util.regex.Matcher m = FOR_TAG.matcher(body);
        if (m.matches()) {
            String rest = m.group(2);
            int at = topLevelKeyword(rest, "if");
            if (at >= 0) {
                String iterable = rest.substring(0, at).strip();
                String condition = rest.substring(at + 2).strip();
                String recursive = "";
                if (condition.endsWith(" recursive")) { // "for x in xs if c recursive"
                    recursive = " recursive";
                    condition = condition.substring(0, condition.length() - recursive.length()).strip();
                }
                String targets = m.group(1).strip();
                if (targets.startsWith("(") && targets.endsWith(")")) targets = targets.substring(1, targets.length() - 1);
                return " for " + m.group(1).strip() + " in " + LOOP_FILTER_FUNCTION + "(" + rewriteCode(iterable) + ", "
                        + quote(targets) + ", " + quote(rewriteCode(condition)) + ")" + recursive + " ";
            }
        }
        return rewriteCode(body);
    }

    /** A string literal holding {@code s}, for Jinjava's scanner. */
    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Index of {@code keyword} as a separate word outside strings and brackets, or -1. */
    private static int topLevelKeyword(String s, String keyword) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') i = stringEnd(s, i);
            else if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') depth--;
            else if (depth == 0 && s.startsWith(keyword, i)
                    && (i == 0 || !Character.isJavaIdentifierPart(s.charAt(i - 1)))
                    && (i + keyword.length() == s.length() || !Character.isJavaIdentifierPart(s.charAt(i + keyword.length())))) {
                return i;
            }
        }
        return -1;
    }

    private static String rewriteCode(String code) {
        StringBuilder out = new StringBuilder(code.length());
        int i = 0;
        while (i < code.length()) {
            char c = code.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(code, i);
                out.append(code, i, end + 1);
                i = end + 1;
            } else if (c == '[') {
                int end = matching(code, i);
                if (end < 0) {
                    out.append(code.substring(i));
                    break;
                }
                String inner = rewriteCode(code.substring(i + 1, end));
                List<String> parts = topLevelColonParts(inner);
                if (parts.size() == 3) {
                    out.append('[').append(SLICE_FUNCTION).append('(');
                    for (int p = 0; p < 3; p++) {
                        String part = parts.get(p).strip();
                        out.append(p > 0 ? ", " : "").append(part.isEmpty() ? "none" : part);
                    }
                    out.append(")]");
                } else {
                    out.append('[').append(inner).append(']');
                }
                i = end + 1;
            } else if (c == '}' && i + 1 < code.length() && code.charAt(i + 1) == '}') {
                out.append("} "); // a dict literal closing inside another: keep "}}" away from Jinjava's lexer
                i++;
            } else {
                out.append(c);
                i++;
            }
        }
        String rewritten = out.toString();
        // A dict literal closing right at the end of the tag would touch the tag's closing braces.
        return rewritten.endsWith("}") ? rewritten + " " : rewritten;
    }

    private static int matching(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') i = stringEnd(s, i);
            else if (c == '[' || c == '(' || c == '{') depth++;
            else if (c == ']' || c == ')' || c == '}') {
                if (--depth == 0) return c == ']' ? i : -1;
            }
        }
        return -1;
    }

    private static List<String> topLevelColonParts(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0, from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') i = stringEnd(s, i);
            else if (c == '[' || c == '(' || c == '{') depth++;
            else if (c == ']' || c == ')' || c == '}') depth--;
            else if (c == ':' && depth == 0) {
                parts.add(s.substring(from, i));
                from = i + 1;
            }
        }
        parts.add(s.substring(from));
        return parts;
    }
}
