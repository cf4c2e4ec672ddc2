package io.srm4j.runtime.chat;

import com.hubspot.jinjava.el.ext.NamedParameter;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Gives template values the Python methods chat templates call on them ({@code content.split('</think>')[-1]},
 * {@code text.strip('\n')}, {@code msg.get('x')}, {@code d.items()}, ...). Without it Jinjava would call the Java
 * method of the same name where one exists (String.split takes a regex and returns an array; String.strip takes
 * no argument) and fail elsewhere. It also evaluates Python's stepped slices ({@code [::-1]}), which
 * {@link TemplateSourcePrepass} turns into a subscript by a {@link PySlice} key because Jinjava cannot parse them.
 * Mutating methods (list.append, dict.update, ...) raise, as in transformers' immutable jinja2 sandbox.
 */
final class PythonMethodResolver extends ELResolver {

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base == null || property == null) return null;
        String name = property.toString();
        if (PySlice.isKey(name) && (base instanceof CharSequence || base instanceof List<?>)) {
            context.setPropertyResolved(true);
            return PySlice.parse(name).apply(base);
        }
        if (base instanceof CharSequence s && isInteger(name)) {
            // Python indexes strings by code point, and a negative index counts from the end.
            String str = s.toString();
            int len = PythonStrings.length(str);
            long i = Long.parseLong(name);
            if (i < 0) i += len;
            context.setPropertyResolved(true);
            if (i < 0 || i >= len) throw new IllegalArgumentException("IndexError: string index out of range");
            int at = str.offsetByCodePoints(0, (int) i);
            return Character.toString(str.codePointAt(at));
        }
        return null;
    }

    private static boolean isInteger(String s) {
        return !s.isEmpty() && s.matches("-?\\d{1,9}");
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) return null;
        String name = method.toString();
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new LinkedHashMap<>();
        if (params != null) {
            for (Object p : params) {
                if (p instanceof NamedParameter np) kwargs.put(np.getName(), np.getValue());
                else args.add(p);
            }
        }
        Call call = new Call(name, args, kwargs);
        Object result;
        try {
            result = switch (base) {
                case CharSequence s -> stringMethod(s.toString(), call);
                case Map<?, ?> m -> mapMethod(m, call);
                case List<?> l -> listMethod(l, call);
                default -> NOT_HANDLED;
            };
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("TypeError: bad argument to " + name + "(): " + e.getMessage(), e);
        }
        if (result == NOT_HANDLED) return null;
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_HANDLED = new Object();

    /** One method call's positional and keyword arguments, read the way Python binds them. */
    private record Call(String name, List<Object> args, Map<String, Object> kwargs) {
        Object arg(int index, String keyword, Object fallback) {
            if (index < args.size()) return args.get(index);
            return kwargs.getOrDefault(keyword, fallback);
        }

        String string(int index, String keyword) {
            Object v = arg(index, keyword, null);
            if (v == null) return null;
            if (v instanceof CharSequence s) return s.toString();
            throw new IllegalArgumentException("TypeError: " + name + "() argument must be str or None, not "
                    + PythonTypes.name(v));
        }

        String requiredString(int index, String keyword) {
            String s = string(index, keyword);
            if (s == null) throw new IllegalArgumentException("TypeError: " + name + "() missing a str argument");
            return s;
        }

        int integer(int index, String keyword, int fallback) {
            Object v = arg(index, keyword, null);
            if (v == null) return fallback;
            if (v instanceof Number n) return n.intValue();
            throw new IllegalArgumentException("TypeError: " + name + "() expected an integer, got "
                    + PythonTypes.name(v));
        }

        Integer optionalInteger(int index, String keyword) {
            Object v = arg(index, keyword, null);
            return v == null ? null : integer(index, keyword, 0);
        }

        void maxArgs(int n) {
            if (args.size() + kwargs.size() > n) {
                throw new IllegalArgumentException("TypeError: " + name + "() takes at most " + n + " arguments ("
                        + (args.size() + kwargs.size()) + " given)");
            }
        }
    }

    private static Object stringMethod(String s, Call c) {
        return switch (c.name()) {
            case "strip", "lstrip", "rstrip" -> {
                c.maxArgs(1);
                yield PythonStrings.strip(s, c.string(0, "chars"), !c.name().equals("rstrip"), !c.name().equals("lstrip"));
            }
            case "split", "rsplit" -> {
                c.maxArgs(2);
                String sep = c.string(0, "sep");
                int max = c.integer(1, "maxsplit", -1);
                yield c.name().equals("split") ? PythonStrings.split(s, sep, max) : PythonStrings.rsplit(s, sep, max);
            }
            case "splitlines" -> PythonStrings.splitlines(s, PythonValues.truthy(c.arg(0, "keepends", false)));
            case "startswith", "endswith" -> {
                Object affix = c.arg(0, null, null);
                int from = PythonStrings.offset(s, c.optionalInteger(1, "start"), 0);
                int to = PythonStrings.offset(s, c.optionalInteger(2, "end"), PythonStrings.length(s));
                String window = from <= to ? s.substring(from, to) : "";
                List<?> options = affix instanceof Collection<?> col ? List.copyOf(col) : List.of(Objects.requireNonNull(affix,
                        () -> "TypeError: " + c.name() + "() takes a str or tuple of str"));
                boolean start = c.name().equals("startswith");
                yield options.stream().anyMatch(o -> start ? window.startsWith(o.toString()) : window.endsWith(o.toString()));
            }
            case "replace" -> {
                c.maxArgs(3);
                yield PythonStrings.replace(s, c.requiredString(0, "old"), c.requiredString(1, "new"), c.integer(2, "count", -1));
            }
            case "upper" -> PythonStrings.upper(s);
            case "lower", "casefold" -> PythonStrings.lower(s);
            case "title" -> PythonStrings.title(s);
            case "capitalize" -> PythonStrings.capitalize(s);
            case "swapcase" -> PythonStrings.swapcase(s);
            case "find", "rfind", "index", "rindex" -> {
                int at = PythonStrings.find(s, c.requiredString(0, "sub"), c.optionalInteger(1, "start"),
                        c.optionalInteger(2, "end"), c.name().startsWith("r"));
                if (at < 0 && c.name().endsWith("index")) throw new IllegalArgumentException("ValueError: substring not found");
                yield at;
            }
            case "count" -> PythonStrings.count(s, c.requiredString(0, "sub"));
            case "join" -> {
                StringBuilder out = new StringBuilder();
                Iterator<?> it = PythonTypes.iterate(c.arg(0, "iterable", null));
                while (it.hasNext()) {
                    Object item = it.next();
                    if (!(item instanceof CharSequence)) {
                        throw new IllegalArgumentException("TypeError: sequence item: expected str instance, "
                                + PythonTypes.name(item) + " found");
                    }
                    out.append(item);
                    if (it.hasNext()) out.append(s);
                }
                yield out.toString();
            }
            case "format" -> PythonFormat.format(s, c.args(), c.kwargs());
            case "removeprefix" -> {
                String p = c.requiredString(0, "prefix");
                yield s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = c.requiredString(0, "suffix");
                yield s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            }
            case "partition", "rpartition" -> {
                String sep = c.requiredString(0, "sep");
                int at = c.name().equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) yield c.name().equals("partition") ? List.of(s, "", "") : List.of("", "", s);
                yield List.of(s.substring(0, at), sep, s.substring(at + sep.length()));
            }
            case "zfill" -> {
                int width = c.integer(0, "width", 0), len = PythonStrings.length(s);
                if (len >= width) yield s;
                boolean signed = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-');
                yield signed ? s.charAt(0) + "0".repeat(width - len) + s.substring(1) : "0".repeat(width - len) + s;
            }
            case "center", "ljust", "rjust" -> {
                int width = c.integer(0, "width", 0), len = PythonStrings.length(s);
                String fill = c.arg(1, "fillchar", " ").toString();
                if (len >= width) yield s;
                int pad = width - len;
                int left = switch (c.name()) {
                    case "ljust" -> 0;
                    case "rjust" -> pad;
                    default -> pad / 2 + (pad & width & 1); // CPython's centring rule
                };
                yield fill.repeat(left) + s + fill.repeat(pad - left);
            }
            case "isdigit", "isdecimal", "isnumeric" -> PythonStrings.all(s, Character::isDigit);
            case "isalpha" -> PythonStrings.all(s, Character::isLetter);
            case "isalnum" -> PythonStrings.all(s, Character::isLetterOrDigit);
            case "isspace" -> PythonStrings.all(s, PythonStrings::isSpace);
            case "islower" -> s.codePoints().anyMatch(Character::isLowerCase)
                    && s.codePoints().noneMatch(cp -> Character.isUpperCase(cp) || Character.isTitleCase(cp));
            case "isupper" -> s.codePoints().anyMatch(Character::isUpperCase)
                    && s.codePoints().noneMatch(cp -> Character.isLowerCase(cp) || Character.isTitleCase(cp));
            default -> NOT_HANDLED;
        };
    }

    private static Object mapMethod(Map<?, ?> m, Call c) {
        return switch (c.name()) {
            case "get" -> {
                c.maxArgs(2);
                Object key = c.arg(0, "key", null);
                yield m.containsKey(key) ? m.get(key) : c.arg(1, "default", null);
            }
            case "items" -> {
                List<Object> pairs = new ArrayList<>(m.size());
                m.forEach((k, v) -> pairs.add(java.util.Arrays.asList(k, v)));
                yield pairs;
            }
            case "keys" -> new ArrayList<>(m.keySet());
            case "values" -> new ArrayList<>(m.values());
            case "copy" -> new LinkedHashMap<>(m);
            case "clear", "pop", "popitem", "setdefault", "update" -> throw unsafe(c.name(), "dict");
            default -> NOT_HANDLED;
        };
    }

    private static Object listMethod(List<?> l, Call c) {
        return switch (c.name()) {
            case "index" -> {
                int at = l.indexOf(c.arg(0, "value", null));
                if (at < 0) throw new IllegalArgumentException("ValueError: " + PythonValues.repr(c.arg(0, "value", null)) + " is not in list");
                yield at;
            }
            case "count" -> (int) l.stream().filter(x -> Objects.equals(x, c.arg(0, "value", null))).count();
            case "copy" -> new ArrayList<>(l);
            case "append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove" -> throw unsafe(c.name(), "list");
            default -> NOT_HANDLED;
        };
    }

    /** transformers renders in jinja2's ImmutableSandboxedEnvironment, which refuses to mutate lists and dicts. */
    private static IllegalArgumentException unsafe(String method, String type) {
        return new IllegalArgumentException("SecurityError: access to attribute '" + method + "' of '" + type
                + "' object is unsafe.");
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return Object.class;
    }
}
