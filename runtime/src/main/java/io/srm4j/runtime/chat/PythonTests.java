package io.srm4j.runtime.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * jinja2's tests ({@code x is string}, {@code x is false}, ...) with Python's types: a str is iterable and a
 * sequence (Llama 3.1 picks tojson for tool output that "is iterable"), {@code is false}/{@code is true} mean
 * identity with the booleans (not falsiness), {@code 1 == 'x'} is simply false. Jinjava's versions differ on each.
 */
final class PythonTests {
    private PythonTests() {
    }

    static List<ExpTest> all() {
        return List.of(
                test("string", (v, a) -> v instanceof CharSequence),
                test("mapping", (v, a) -> v instanceof Map<?, ?>),
                test("iterable", (v, a) -> v instanceof CharSequence || v instanceof Collection<?> || v instanceof Map<?, ?>
                        || v instanceof Object[]),
                test("sequence", (v, a) -> v instanceof CharSequence || v instanceof Collection<?> || v instanceof Map<?, ?>
                        || v instanceof Object[]),
                test("none", (v, a) -> v == null),
                test("boolean", (v, a) -> v instanceof Boolean),
                test("false", (v, a) -> Boolean.FALSE.equals(v)),
                test("true", (v, a) -> Boolean.TRUE.equals(v)),
                test("number", (v, a) -> v instanceof Number || v instanceof Boolean), // bool is an int in Python
                test("integer", (v, a) -> v instanceof Number && !isFloat(v)),
                test("float", (v, a) -> isFloat(v)),
                test("eq", PythonTests::equal),
                test("equalto", PythonTests::equal),
                test("==", PythonTests::equal),
                test("ne", (v, a) -> !equal(v, a)),
                test("!=", (v, a) -> !equal(v, a)),
                test("sameas", (v, a) -> a.length > 0 && (v == a[0] || v instanceof Boolean && v.equals(a[0]))));
    }

    private static boolean isFloat(Object v) {
        return v instanceof Double || v instanceof Float || v instanceof BigDecimal;
    }

    /** Python {@code ==}: numbers by value across int/float, everything else by equals; never a type error. */
    static boolean equal(Object v, Object[] args) {
        if (args.length == 0) throw new IllegalArgumentException("TypeError: test needs a value to compare with");
        Object other = args[0];
        BigDecimal a = numeric(v), b = numeric(other);
        if (a != null && b != null) return a.compareTo(b) == 0;
        if (v instanceof CharSequence s && other instanceof CharSequence t) return s.toString().contentEquals(t);
        return Objects.equals(v, other);
    }

    /** A number (bool counts as 0/1, as in Python) as an exact decimal; null for anything else or non-finite. */
    private static BigDecimal numeric(Object v) {
        if (v instanceof Boolean b) return b ? BigDecimal.ONE : BigDecimal.ZERO;
        if (v instanceof Double d && !Double.isFinite(d)) return null;
        if (v instanceof Float f && !Float.isFinite(f)) return null;
        return v instanceof Number n ? new BigDecimal(n.toString()) : null;
    }

    private static ExpTest test(String name, BiPredicate<Object, Object[]> predicate) {
        return new ExpTest() {
            @Override
            public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
                return predicate.test(var, args == null ? new Object[0] : args);
            }

            @Override
            public String getName() {
                return name;
            }
        };
    }
}
