package io.srm4j.runtime.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)}, which is what
 * transformers installs as the templates' {@code tojson} filter. Jinjava's own tojson (Jackson) differs in
 * spacing ({@code {"a":1}} instead of {@code {"a": 1}}), in float formatting and in indentation, and any of those
 * changes the prompt's tokens.
 */
final class PythonJson {
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;

    /**
     * @param indent     null for single-line output, else the number of spaces (or a string) per level
     * @param separators null for Python's default: (", ", ": ") single-line, (",", ": ") when indenting
     */
    PythonJson(Object indent, List<String> separators, boolean sortKeys) {
        this(indent, separators, sortKeys, false);
    }

    /** @param ensureAscii escape every non-ASCII UTF-16 unit as {@code \\uXXXX}, as json.dumps(ensure_ascii=True) */
    PythonJson(Object indent, List<String> separators, boolean sortKeys, boolean ensureAscii) {
        this.ensureAscii = ensureAscii;
        this.indent = switch (indent) {
            case null -> null;
            case Number n -> " ".repeat(Math.max(0, n.intValue()));
            case String s -> s;
            default -> throw new IllegalArgumentException("tojson: indent must be an integer or a string, got " + indent);
        };
        if (separators != null) {
            if (separators.size() != 2) throw new IllegalArgumentException("tojson: separators must be a pair");
            this.itemSeparator = separators.get(0);
            this.keySeparator = separators.get(1);
        } else {
            this.itemSeparator = this.indent == null ? ", " : ",";
            this.keySeparator = ": ";
        }
        this.sortKeys = sortKeys;
    }

    static String dumps(Object value) {
        return new PythonJson(null, null, false).write(value);
    }

    String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, 0);
        return out.toString();
    }

    private void write(Object value, StringBuilder out, int depth) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case CharSequence s -> quote(s.toString(), out);
            case Character c -> quote(c.toString(), out);
            case Double d -> out.append(PythonValues.floatRepr(d, true));
            case Float f -> out.append(PythonValues.floatRepr(f.doubleValue(), true));
            case BigDecimal d -> out.append(PythonValues.floatRepr(d.doubleValue(), true));
            case Number n -> out.append(n);
            case Map<?, ?> m -> writeMap(m, out, depth);
            case Collection<?> c -> writeSequence(c, out, depth);
            case Object[] a -> writeSequence(List.of(a), out, depth);
            default -> throw new IllegalArgumentException(
                    "TypeError: Object of type " + value.getClass().getSimpleName() + " is not JSON serializable");
        }
    }

    private void writeSequence(Collection<?> items, StringBuilder out, int depth) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        boolean first = true;
        for (Object item : items) {
            if (!first) out.append(itemSeparator);
            newline(out, depth + 1);
            write(item, out, depth + 1);
            first = false;
        }
        newline(out, depth);
        out.append(']');
    }

    private void writeMap(Map<?, ?> map, StringBuilder out, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) entries.sort((a, b) -> key(a.getKey()).compareTo(key(b.getKey())));
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) out.append(itemSeparator);
            newline(out, depth + 1);
            quote(key(e.getKey()), out);
            out.append(keySeparator);
            write(e.getValue(), out, depth + 1);
            first = false;
        }
        newline(out, depth);
        out.append('}');
    }

    /** json.dumps turns None/True/False/number keys into their JSON spelling. */
    private static String key(Object k) {
        return switch (k) {
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Double d -> PythonValues.floatRepr(d, true);
            case Float f -> PythonValues.floatRepr(f.doubleValue(), true);
            default -> k.toString();
        };
    }

    private void newline(StringBuilder out, int depth) {
        if (indent != null) out.append('\n').append(indent.repeat(depth));
    }

    /** ensure_ascii=False: only the quote, the backslash and control characters are escaped. */
    private void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
