package io.srm4j.runtime.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} semantics that chat templates rely on and that Java's own String methods get subtly wrong:
 * Python's whitespace set (it includes U+00A0, U+3000, U+0085, ...), literal (not regex) separators, the
 * {@code maxsplit}/{@code count} arguments, and indexes counted in code points rather than UTF-16 units.
 */
final class PythonStrings {
    private PythonStrings() {
    }

    /** {@code str.isspace()} for one code point. */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0, end = s.length();
        if (left) {
            while (start < end) {
                int cp = s.codePointAt(start);
                if (!stripped(cp, chars)) break;
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = s.codePointBefore(end);
                if (!stripped(cp, chars)) break;
                end -= Character.charCount(cp);
            }
        }
        return s.substring(start, end);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
    }

    /** {@code str.split(sep, maxsplit)}; {@code sep == null} splits on whitespace runs and drops empty parts. */
    static List<String> split(String s, String sep, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
                if (i >= n) break;
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.codePointAt(j))) j += Character.charCount(s.codePointAt(j));
                parts.add(s.substring(i, j));
                i = j;
            }
            return parts;
        }
        requireSeparator(sep);
        int from = 0;
        while (maxSplit < 0 || parts.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) break;
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    /** {@code str.rsplit(sep, maxsplit)}: like split, but the splits are counted from the right. */
    static List<String> rsplit(String s, String sep, int maxSplit) {
        if (maxSplit < 0) return split(s, sep, -1);
        List<String> reversed = new ArrayList<>();
        if (sep == null) {
            int end = s.length();
            while (true) {
                while (end > 0 && isSpace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
                if (end <= 0) break;
                if (reversed.size() == maxSplit) {
                    reversed.add(strip(s.substring(0, end), null, true, false));
                    break;
                }
                int j = end;
                while (j > 0 && !isSpace(s.codePointBefore(j))) j -= Character.charCount(s.codePointBefore(j));
                reversed.add(s.substring(j, end));
                end = j;
            }
        } else {
            requireSeparator(sep);
            int end = s.length();
            while (reversed.size() < maxSplit) {
                int at = s.lastIndexOf(sep, end - sep.length());
                if (at < 0) break;
                reversed.add(s.substring(at + sep.length(), end));
                end = at;
            }
            reversed.add(s.substring(0, end));
        }
        return reversed.reversed();
    }

    private static void requireSeparator(String sep) {
        if (sep.isEmpty()) throw new IllegalArgumentException("ValueError: empty separator");
    }

    /** {@code str.replace(old, new, count)}, including Python's behaviour for an empty {@code old}. */
    static String replace(String s, String old, String replacement, int count) {
        if (count == 0) return s;
        StringBuilder out = new StringBuilder();
        int done = 0;
        if (old.isEmpty()) {
            int i = 0;
            while (i <= s.length()) {
                if (count < 0 || done < count) {
                    out.append(replacement);
                    done++;
                }
                if (i == s.length()) break;
                int cp = s.codePointAt(i);
                out.appendCodePoint(cp);
                i += Character.charCount(cp);
            }
            return out.toString();
        }
        int from = 0;
        while (count < 0 || done < count) {
            int at = s.indexOf(old, from);
            if (at < 0) break;
            out.append(s, from, at).append(replacement);
            from = at + old.length();
            done++;
        }
        return out.append(s.substring(from)).toString();
    }

    /** Code-point length, as Python's {@code len(str)}. */
    static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    /** Converts a Python (code point) index, possibly negative, clamped to [0, len], into a UTF-16 offset. */
    static int offset(String s, Integer pyIndex, int defaultCp) {
        int len = length(s);
        int cp = pyIndex == null ? defaultCp : pyIndex < 0 ? Math.max(0, pyIndex + len) : Math.min(pyIndex, len);
        return s.offsetByCodePoints(0, cp);
    }

    /** {@code str.find(sub, start, end)} with the result in code points; -1 when absent. */
    static int find(String s, String sub, Integer start, Integer end, boolean fromRight) {
        int from = offset(s, start, 0), to = offset(s, end, length(s));
        if (to < from) return -1;
        String window = s.substring(from, to);
        int at = fromRight ? window.lastIndexOf(sub) : window.indexOf(sub);
        return at < 0 ? -1 : s.codePointCount(0, from + at);
    }

    /** {@code str.count(sub)}: non-overlapping occurrences (an empty {@code sub} counts len + 1). */
    static int count(String s, String sub) {
        if (sub.isEmpty()) return length(s) + 1;
        int n = 0, from = 0;
        while ((from = s.indexOf(sub, from)) >= 0) {
            n++;
            from += sub.length();
        }
        return n;
    }

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** {@code str.capitalize()}: first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        return Character.toString(Character.toTitleCase(first)) + lower(s.substring(Character.charCount(first)));
    }

    /** {@code str.title()}: a cased character after an uncased one starts a word. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            out.appendCodePoint(cased ? (previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp)) : cp);
            previousCased = cased;
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    static String swapcase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> out.appendCodePoint(Character.isUpperCase(cp) ? Character.toLowerCase(cp)
                : Character.isLowerCase(cp) ? Character.toUpperCase(cp) : cp));
        return out.toString();
    }

    /** {@code str.splitlines(keepends)} with Python's set of line boundaries. */
    static List<String> splitlines(String s, boolean keepEnds) {
        List<String> lines = new ArrayList<>();
        int start = 0, i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int eol = switch (c) {
                case '\n', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029' -> 1;
                case '\r' -> i + 1 < n && s.charAt(i + 1) == '\n' ? 2 : 1;
                default -> 0;
            };
            if (eol == 0) {
                i++;
                continue;
            }
            lines.add(s.substring(start, keepEnds ? i + eol : i));
            i += eol;
            start = i;
        }
        if (start < n) lines.add(s.substring(start));
        return lines;
    }

    static boolean all(String s, java.util.function.IntPredicate test) {
        return !s.isEmpty() && s.codePoints().allMatch(test);
    }

    /** Python's {@code repr(str)}: single quotes unless the text holds a single quote and no double quote. */
    static String repr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder(s.length() + 2).append(quote);
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (cp == quote) out.append('\\').appendCodePoint(cp);
                    else if (cp < 0x20 || cp == 0x7f) out.append(String.format("\\x%02x", cp));
                    else out.appendCodePoint(cp);
                }
            }
        });
        return out.append(quote).toString();
    }
}
