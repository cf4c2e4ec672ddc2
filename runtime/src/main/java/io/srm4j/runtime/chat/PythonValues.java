package io.srm4j.runtime.chat;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/** Python's truthiness and {@code str()}/{@code repr()} of template values. */
final class PythonValues {
    private PythonValues() {
    }

    /**
     * Python truthiness. Jinjava's own rule also treats the string "false" and numbers like 0.5 as false, which
     * would e.g. take an assistant message whose content is "False" for an empty one.
     */
    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case CharSequence s -> !s.isEmpty();
            case BigDecimal d -> d.signum() != 0;
            case Double d -> d != 0.0;
            case Float f -> f != 0.0f;
            case Number n -> n.longValue() != 0;
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Object[] a -> a.length > 0;
            default -> true;
        };
    }

    /** {@code str(v)}, as jinja2 prints a value into the output. */
    static String str(Object v) {
        return switch (v) {
            case null -> "None";
            case CharSequence s -> s.toString();
            case Character c -> c.toString();
            default -> repr(v);
        };
    }

    /** {@code repr(v)}, as Python shows values nested in a list or dict. */
    static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case CharSequence s -> PythonStrings.repr(s.toString());
            case Character c -> PythonStrings.repr(c.toString());
            case Double d -> floatRepr(d, false);
            case Float f -> floatRepr(f.doubleValue(), false);
            case BigDecimal d -> floatRepr(d.doubleValue(), false);
            case Map<?, ?> m -> {
                StringBuilder out = new StringBuilder("{");
                Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
                while (it.hasNext()) {
                    Map.Entry<?, ?> e = it.next();
                    out.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                    if (it.hasNext()) out.append(", ");
                }
                yield out.append('}').toString();
            }
            case Collection<?> c -> {
                StringBuilder out = new StringBuilder("[");
                Iterator<?> it = c.iterator();
                while (it.hasNext()) {
                    out.append(repr(it.next()));
                    if (it.hasNext()) out.append(", ");
                }
                yield out.append(']').toString();
            }
            default -> v.toString();
        };
    }

    /**
     * Python's {@code repr(float)}: the shortest round-tripping digits (which Java's Double.toString also finds),
     * written in Python's layout: positional for exponents -4..15, else {@code 1e+20}/{@code 1e-05}.
     *
     * @param json true for json.dumps spellings of the non-finite values (NaN, Infinity)
     */
    static String floatRepr(double d, boolean json) {
        if (Double.isNaN(d)) return json ? "NaN" : "nan";
        if (Double.isInfinite(d)) return (d > 0 ? "" : "-") + (json ? "Infinity" : "inf");
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = exact.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - exact.scale(); // decimal exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = exact.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
