package io.srm4j.runtime.chat;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Python type names (for error messages) and iteration over template values. */
final class PythonTypes {
    private PythonTypes() {
    }

    static String name(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case CharSequence s -> "str";
            case Boolean b -> "bool";
            case Double d -> "float";
            case Float f -> "float";
            case Number n -> "int";
            case Map<?, ?> m -> "dict";
            case List<?> l -> "list";
            default -> v.getClass().getSimpleName();
        };
    }

    /**
     * Iterates a value as Python's {@code for x in v} would: strings by code point, dicts by key. Null iterates as
     * empty, as jinja2's Undefined does (Jinjava cannot tell Undefined from None).
     */
    static Iterator<?> iterate(Object v) {
        return switch (v) {
            case null -> java.util.Collections.emptyIterator();
            case CharSequence s -> s.toString().codePoints().mapToObj(Character::toString).iterator();
            case Map<?, ?> m -> m.keySet().iterator();
            case Collection<?> c -> c.iterator();
            case Object[] a -> List.of(a).iterator();
            default -> throw new IllegalArgumentException("TypeError: '" + name(v) + "' object is not iterable");
        };
    }
}
