package io.srm4j.runtime.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the few pieces of jinja2 syntax that Jinjava's expression parser rejects, inside {@code {{ }}} and
 * {@code {% %}} only (never in text, comments, string literals or raw blocks):
 * <ul>
 *   <li>stepped slices {@code x[a:b:c]} (Qwen3 walks {@code messages[::-1]}) become
 *       {@code x[srm4j_slice(a, b, c)]}, evaluated by {@link PythonMethodResolver}.</li>
 * </ul>
 * A source-level rewrite keeps the change small and visible; extending Jinjava's JUEL-based parser would mean
 * copying large parts of it.
 */
final class TemplateSourcePrepass {
    static final String SLICE_FUNCTION = "srm4j_slice";
    private static final Pattern RAW_OPEN = Pattern.compile("\\{%[-+]?\\s*raw\\s*[-+]?%\\}");
    private static final Pattern RAW_CLOSE = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%\\}");

    private TemplateSourcePrepass() {
    }

    static String rewrite(String source) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        Matcher rawOpen = RAW_OPEN.matcher(source);
        Matcher rawClose = RAW_CLOSE.matcher(source);
        int i = 0, n = source.length();
        while (i < n) {
            int open = source.indexOf('{', i);
            if (open < 0 || open + 1 >= n) break;
            char kind = source.charAt(open + 1);
            if (kind != '{' && kind != '%' && kind != '#') {
                out.append(source, i, open + 1);
                i = open + 1;
                continue;
            }
            if (kind == '%' && rawOpen.region(open, n).lookingAt()) {
                int end = rawClose.find(rawOpen.end()) ? rawClose.end() : n;
                out.append(source, i, end);
                i = end;
                continue;
            }
            out.append(source, i, open);
            String closer = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            int close = kind == '#' ? source.indexOf(closer, open + 2) : codeEnd(source, open + 2, closer);
            if (close < 0) { // unterminated: leave it for Jinjava to report
                out.append(source, open, n);
                return out.toString();
            }
            String region = source.substring(open, close + 2);
            out.append(kind == '#' ? region : rewriteCode(region));
            i = close + 2;
        }
        out.append(source, Math.min(i, n), n);
        return out.toString();
    }

    /** The index of the closing delimiter of a code region, skipping string literals. */
    private static int codeEnd(String s, int from, String closer) {
        for (int i = from; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') i = stringEnd(s, i);
            else if (s.startsWith(closer, i)) return i;
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
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
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
