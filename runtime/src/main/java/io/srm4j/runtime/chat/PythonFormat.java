package io.srm4j.runtime.chat;

import java.util.List;
import java.util.Map;

/**
 * {@code str.format(*args, **kwargs)} for the replacement fields templates use: {@code {}}, {@code {0}},
 * {@code {name}}, with an optional {@code !s}/{@code !r} conversion, and {@code {{ }}} escapes. Format specs
 * ({@code {:>10}}) are rejected with a clear message rather than rendered differently from Python.
 */
final class PythonFormat {
    private PythonFormat() {
    }

    static String format(String pattern, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < pattern.length(); i++) {
            char ch = pattern.charAt(i);
            if (ch == '{') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '{') {
                    out.append('{');
                    i++;
                    continue;
                }
                int close = pattern.indexOf('}', i);
                if (close < 0) throw new IllegalArgumentException("ValueError: Single '{' encountered in format string");
                String field = pattern.substring(i + 1, close);
                String conversion = "s";
                int bang = field.indexOf('!');
                if (bang >= 0) {
                    conversion = field.substring(bang + 1);
                    field = field.substring(0, bang);
                }
                if (field.contains(":")) {
                    throw new IllegalArgumentException("str.format: format specs are not supported ('{" + field + "}')");
                }
                Object value;
                if (field.isEmpty()) {
                    value = positional(args, auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    value = positional(args, Integer.parseInt(field));
                } else if (kwargs.containsKey(field)) {
                    value = kwargs.get(field);
                } else {
                    throw new IllegalArgumentException("KeyError: '" + field + "'");
                }
                out.append(switch (conversion) {
                    case "s" -> PythonValues.str(value);
                    case "r" -> PythonValues.repr(value);
                    default -> throw new IllegalArgumentException("ValueError: Unknown conversion specifier " + conversion);
                });
                i = close;
            } else if (ch == '}') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '}') i++;
                else throw new IllegalArgumentException("ValueError: Single '}' encountered in format string");
                out.append('}');
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private static Object positional(List<Object> args, int index) {
        if (index >= args.size()) throw new IllegalArgumentException("IndexError: Replacement index " + index + " out of range");
        return args.get(index);
    }
}
