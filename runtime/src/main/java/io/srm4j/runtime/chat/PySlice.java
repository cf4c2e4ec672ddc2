package io.srm4j.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * A Python slice {@code [start:stop:step]}. Jinjava's parser accepts {@code [a:b]} but not a step, so
 * {@link TemplateSourcePrepass} rewrites {@code x[a:b:c]} to {@code x[srm4j_slice(a, b, c)]}; Jinjava hands the
 * subscript to the resolvers as a string, hence the textual key form (a control character keeps it from
 * colliding with a real key).
 */
record PySlice(Integer start, Integer stop, Integer step) {
    private static final String KEY_PREFIX = "\u0001slice:";

    PySlice {
        if (step != null && step == 0) throw new IllegalArgumentException("ValueError: slice step cannot be zero");
    }

    /** Called from templates (after the pre-pass) to build the subscript key. */
    public static String key(Object start, Object stop, Object step) {
        return KEY_PREFIX + part(start) + ":" + part(stop) + ":" + part(step);
    }

    private static String part(Object v) {
        return switch (v) {
            case null -> "";
            case Number n -> Long.toString(n.longValue());
            default -> throw new IllegalArgumentException("TypeError: slice indices must be integers or None, got "
                    + PythonTypes.name(v));
        };
    }

    static boolean isKey(String s) {
        return s.startsWith(KEY_PREFIX);
    }

    static PySlice parse(String key) {
        String[] parts = key.substring(KEY_PREFIX.length()).split(":", -1);
        return new PySlice(number(parts[0]), number(parts[1]), number(parts[2]));
    }

    private static Integer number(String s) {
        return s.isEmpty() ? null : (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Long.parseLong(s)));
    }

    /** The element indexes this slice selects from a sequence of {@code length}, as Python's slice.indices(). */
    List<Integer> indexes(int length) {
        int st = step == null ? 1 : step;
        int lo, hi;
        if (st > 0) {
            lo = clamp(start, 0, length, 0);
            hi = clamp(stop, 0, length, length);
        } else {
            lo = clamp(start, -1, length - 1, length - 1);
            hi = clamp(stop, -1, length - 1, -1);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = lo; st > 0 ? i < hi : i > hi; i += st) out.add(i);
        return out;
    }

    private static int clamp(Integer index, int min, int max, int fallback) {
        if (index == null) return fallback;
        int length = max - (min < 0 ? -1 : 0); // recover the sequence length from the bounds
        long i = index < 0 ? (long) index + length : index;
        return (int) Math.max(min, Math.min(max, i));
    }

    Object apply(Object sequence) {
        if (sequence instanceof CharSequence cs) {
            int[] cps = cs.toString().codePoints().toArray();
            StringBuilder out = new StringBuilder();
            for (int i : indexes(cps.length)) out.appendCodePoint(cps[i]);
            return out.toString();
        }
        List<?> list = (List<?>) sequence;
        List<Object> out = new ArrayList<>();
        for (int i : indexes(list.size())) out.add(list.get(i));
        return out;
    }
}
