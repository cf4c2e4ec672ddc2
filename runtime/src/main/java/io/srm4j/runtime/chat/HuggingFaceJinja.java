package io.srm4j.runtime.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.IfTag;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import com.hubspot.jinjava.tree.TagNode;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Jinjava set up to render chat templates the way transformers' {@code apply_chat_template} renders them with
 * jinja2: {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])}
 * plus the globals {@code raise_exception} and {@code strftime_now} and a {@code tojson} filter that is
 * {@code json.dumps(..., ensure_ascii=False)}. Each gap between Jinjava and jinja2 that a chat template can hit is
 * closed here by one named extension:
 * <ul>
 *   <li>Python truthiness ({@link PythonTruthTypeConverter}, {@link PythonTruthIfTag}): Jinjava treats "false" as false;</li>
 *   <li>whitespace control, stepped slices, nested dict literals ({@link TemplateSourcePrepass});</li>
 *   <li>operator precedence ({@link PythonPrecedenceSyntax});</li>
 *   <li>Python str/dict/list methods ({@link PythonMethodResolver});</li>
 *   <li>Python printing of values ({@link PythonPrintingInterpreter}): True/False, lists and dicts as repr;</li>
 *   <li>filters tojson, trim, length/count, items and tests ({@link PythonTests}) with Python semantics.</li>
 * </ul>
 */
final class HuggingFaceJinja {
    private static final Jinjava JINJAVA = create();
    private static final ThreadLocal<Clock> CLOCK = new ThreadLocal<>();

    private HuggingFaceJinja() {
    }

    /** Renders {@code preparedSource} (already through {@link TemplateSourcePrepass}); {@code clock} drives strftime_now. */
    static String render(String preparedSource, Map<String, Object> bindings, Clock clock) {
        Clock previous = CLOCK.get();
        CLOCK.set(clock);
        RenderResult result;
        Map<String, Object> scope = new java.util.HashMap<>(GLOBAL_FUNCTIONS);
        scope.putAll(bindings);
        try {
            result = JINJAVA.renderForResult(preparedSource, scope);
        } finally {
            if (previous == null) CLOCK.remove();
            else CLOCK.set(previous);
        }
        for (TemplateError error : result.getErrors()) {
            TemplateRaised raised = find(error.getException(), TemplateRaised.class);
            if (raised != null) throw new TemplateException(raised.getMessage(), true, raised);
        }
        for (TemplateError error : result.getErrors()) {
            // Syntax errors that Jinjava reports as warnings (a stray {% endif %}) are errors in jinja2.
            if (error.getSeverity() == TemplateError.ErrorType.FATAL || error.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR) {
                String where = error.getLineno() > 0 ? " (template line " + error.getLineno() + ")" : "";
                throw new TemplateException("chat template failed" + where + ": " + error.getMessage(), false,
                        error.getException());
            }
        }
        return result.getOutput();
    }

    /**
     * The names a template uses that this environment lacks, as jinja2 reports them when it compiles a template
     * ("No filter named 'x'."); null when all are known.
     */
    static String unknownNames(TemplateSourcePrepass.Prepared prepared) {
        List<String> problems = new ArrayList<>();
        for (String f : prepared.filters()) {
            if (JINJAVA.getGlobalContext().getFilter(f) == null) problems.add("No filter named '" + f + "'.");
        }
        for (String t : prepared.tests()) {
            if (JINJAVA.getGlobalContext().getExpTest(t) == null) problems.add("No test named '" + t + "'.");
        }
        return problems.isEmpty() ? null : String.join(" ", problems);
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    private static Jinjava create() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        LegacyOverrides overrides = LegacyOverrides.newBuilder()
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                .withEvaluateMapKeys(true)
                .withKeepNullableLoopValues(true)
                .build();
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(false)  // whitespace control is applied by TemplateSourcePrepass, as jinja2 does it
                .withLstripBlocks(false)
                .withNestedInterpretationEnabled(false) // content like "{{ x }}" in a message stays text
                .withFailOnUnknownTokens(false)         // undefined → empty/falsy, as jinja2's default Undefined
                .withElResolver(resolver)
                .withLegacyOverrides(overrides)
                .withLocale(Locale.ENGLISH)
                .withInterperterFactory(new PythonPrintingInterpreter.Factory())
                .withMaxOutputSize(256L << 20)
                .build();
        Jinjava jinjava = new PythonSemanticsJinjava(config);
        jinjava.registerTag(new PythonTruthIfTag());
        jinjava.registerTag(new GenerationTag());
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", HuggingFaceJinja.class,
                "raiseException", Object.class));
        jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", HuggingFaceJinja.class,
                "strftimeNow", String.class));
        jinjava.registerFunction(new ELFunctionDefinition("", TemplateSourcePrepass.SLICE_FUNCTION, PySlice.class,
                "key", Object.class, Object.class, Object.class));
        jinjava.registerFunction(new ELFunctionDefinition("", TemplateSourcePrepass.LOOP_FILTER_FUNCTION,
                HuggingFaceJinja.class, "loopFilter", Object.class, String.class, String.class));
        jinjava.registerFilter(new ToJsonFilter());
        jinjava.registerFilter(new TrimFilter());
        jinjava.registerFilter(new LengthFilter("length"));
        jinjava.registerFilter(new LengthFilter("count"));
        jinjava.registerFilter(new ItemsFilter());
        jinjava.registerFilter(new SumFilter());
        jinjava.registerFilter(new SequenceFilter("list"));
        jinjava.registerFilter(new SequenceFilter("first"));
        jinjava.registerFilter(new SequenceFilter("last"));
        jinjava.registerFilter(new ExtremeFilter("max"));
        jinjava.registerFilter(new ExtremeFilter("min"));
        PythonTests.all().forEach(jinjava::registerExpTest);
        return jinjava;
    }

    /**
     * Names of the global functions, bound also as variables so that {@code strftime_now is defined} holds as in
     * jinja2 (Llama 3.2 checks it before calling); calls still go to the registered functions.
     */
    static final Map<String, Object> GLOBAL_FUNCTIONS = Map.of(
            "raise_exception", new GlobalFunction("raise_exception"),
            "strftime_now", new GlobalFunction("strftime_now"));

    /** A global function seen as a value; prints as Python prints a function. */
    record GlobalFunction(String name) {
        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    /** The template's {@code raise_exception(msg)}: aborts rendering with the template's message. */
    public static Object raiseException(Object message) {
        throw new TemplateRaised(PythonValues.str(message));
    }

    /**
     * The items of {@code {% for targets in iterable if condition %}} for which the condition holds (Jinjava
     * ignores a for-loop's condition; {@link TemplateSourcePrepass} moves it here, so loop.index and loop.length
     * count the kept items only, as in jinja2).
     */
    public static List<Object> loopFilter(Object iterable, String targets, String condition) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        List<String> names = Arrays.stream(targets.split(",")).map(String::strip).toList();
        List<Object> kept = new ArrayList<>();
        for (var it = PythonTypes.iterate(iterable); it.hasNext(); ) {
            Object item = it.next();
            interpreter.enterScope();
            try {
                if (names.size() == 1) {
                    interpreter.getContext().put(names.get(0), item);
                } else {
                    List<Object> parts = new ArrayList<>();
                    PythonTypes.iterate(item).forEachRemaining(parts::add);
                    if (parts.size() != names.size()) {
                        throw new IllegalArgumentException("ValueError: cannot unpack " + parts.size() + " values into "
                                + names.size() + " loop variables");
                    }
                    for (int i = 0; i < names.size(); i++) interpreter.getContext().put(names.get(i), parts.get(i));
                }
                if (PythonValues.truthy(interpreter.resolveELExpression(condition, interpreter.getLineNumber()))) {
                    kept.add(item);
                }
            } finally {
                interpreter.leaveScope();
            }
        }
        return kept;
    }

    /** transformers' {@code strftime_now(fmt)}: the current local time formatted with Python's strftime. */
    public static String strftimeNow(String format) {
        Clock clock = CLOCK.get() != null ? CLOCK.get() : Clock.systemDefaultZone();
        ZonedDateTime now = ZonedDateTime.ofInstant(Instant.now(clock), clock.getZone());
        return StrftimeFormatter.format(now, format, Locale.ENGLISH);
    }

    /** Thrown by raise_exception; Jinjava records it as a render error, which {@link #render} turns back into one. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Jinjava whose expressions parse with jinja2's precedence ({@link PythonPrecedenceSyntax}) and use
     * {@link PythonTruthTypeConverter} for {@code not}, {@code and}, {@code or} and ternaries.
     */
    private static final class PythonSemanticsJinjava extends Jinjava {
        private final ExpressionFactory expressionFactory;

        PythonSemanticsJinjava(JinjavaConfig config) {
            super(config);
            this.expressionFactory = new ExpressionFactoryImpl(new TreeStore(new PythonPrecedenceSyntax(), new Cache(1024)),
                    new PythonTruthTypeConverter());
        }

        @Override
        public ExpressionFactory getExpressionFactory() {
            return expressionFactory;
        }
    }

    /** Python truthiness inside expressions; Jinjava's converter calls "false" and 0.5 false. */
    private static final class PythonTruthTypeConverter extends TruthyTypeConverter {
        @Override
        protected Boolean coerceToBoolean(Object value) {
            return PythonValues.truthy(value);
        }
    }

    /** {@code {% if %}} / {@code {% elif %}} with Python truthiness (Jinjava's IfTag uses its own rule). */
    private static final class PythonTruthIfTag extends IfTag {
        @Override
        public boolean isPositiveIfElseNode(TagNode tagNode, JinjavaInterpreter interpreter) {
            return PythonValues.truthy(interpreter.resolveELExpression(tagNode.getHelpers(), tagNode.getLineNumber(),
                    tagNode.getStartPosition()));
        }
    }

    /**
     * transformers' {@code {% generation %}...{% endgeneration %}} (its AssistantTracker extension, which marks the
     * assistant's tokens for training masks): for rendering it is transparent.
     */
    private static final class GenerationTag implements com.hubspot.jinjava.lib.tag.Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (com.hubspot.jinjava.tree.Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }

    /** transformers' tojson: {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    private static final class ToJsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = args.length > 0 ? args[0] : kwargs.get("indent");
            List<String> separators = null;
            if (kwargs.get("separators") instanceof Collection<?> c) {
                separators = c.stream().map(String::valueOf).toList();
            }
            return new PythonJson(indent, separators, PythonValues.truthy(kwargs.get("sort_keys")),
                    PythonValues.truthy(kwargs.get("ensure_ascii"))).write(var);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }
    }

    /** jinja2's trim: {@code str.strip(chars)} with Python's (Unicode) whitespace. */
    private static final class TrimFilter implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object chars = args.length > 0 ? args[0] : kwargs.get("chars");
            return PythonStrings.strip(var == null ? "" : PythonValues.str(var), chars == null ? null : chars.toString(), true, true);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }
    }

    /** jinja2's length/count: Python's len(), which counts a string's code points, not UTF-16 units. */
    private record LengthFilter(String getName) implements Filter {
        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return switch (var) {
                case null -> 0;
                case CharSequence s -> PythonStrings.length(s.toString());
                case Collection<?> c -> c.size();
                case Map<?, ?> m -> m.size();
                case Object[] a -> a.length;
                default -> throw new IllegalArgumentException("TypeError: object of type '" + PythonTypes.name(var)
                        + "' has no len()");
            };
        }
    }

    /** jinja2's items filter: a mapping's (key, value) pairs. */
    private static final class ItemsFilter implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) return List.of();
            if (!(var instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("TypeError: items filter needs a mapping, got " + PythonTypes.name(var));
            }
            List<Object> pairs = new ArrayList<>(m.size());
            m.forEach((k, v) -> pairs.add(Arrays.asList(k, v)));
            return pairs;
        }
    }

    /** jinja2's list/first/last, which treat a str as a sequence of characters and a dict as its keys. */
    private record SequenceFilter(String getName) implements Filter {
        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            List<Object> items = new ArrayList<>();
            PythonTypes.iterate(var).forEachRemaining(items::add);
            return switch (getName) {
                case "list" -> items;
                case "first" -> items.isEmpty() ? null : items.getFirst();
                default -> items.isEmpty() ? null : items.getLast();
            };
        }
    }

    /** jinja2's sum(iterable, attribute=None, start=0): integers stay integers (Jinjava's sum gives a float). */
    private static final class SumFilter implements Filter {
        @Override
        public String getName() {
            return "sum";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object attribute = args.length > 0 ? args[0] : kwargs.get("attribute");
            Object start = args.length > 1 ? args[1] : kwargs.getOrDefault("start", 0L);
            boolean floating = !(start instanceof Long || start instanceof Integer);
            long whole = floating ? 0 : ((Number) start).longValue();
            double real = floating ? ((Number) start).doubleValue() : 0;
            for (var it = PythonTypes.iterate(var); it.hasNext(); ) {
                Object item = it.next();
                if (attribute != null) item = item instanceof Map<?, ?> m ? m.get(attribute.toString()) : null;
                if (!(item instanceof Number n)) {
                    throw new IllegalArgumentException("TypeError: unsupported operand type for sum: " + PythonTypes.name(item));
                }
                if (n instanceof Double || n instanceof Float || n instanceof java.math.BigDecimal) floating = true;
                if (floating) real += n.doubleValue();
                else whole += n.longValue();
            }
            return floating ? (Object) (real + whole) : (Object) whole; // boxed apart: a ternary would widen to double
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }
    }

    /** jinja2's max/min(value, case_sensitive=False, attribute=None). */
    private record ExtremeFilter(String getName) implements Filter {
        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            boolean caseSensitive = PythonValues.truthy(args.length > 0 ? args[0] : kwargs.get("case_sensitive"));
            Object attribute = args.length > 1 ? args[1] : kwargs.get("attribute");
            Object best = null, bestKey = null;
            for (var it = PythonTypes.iterate(var); it.hasNext(); ) {
                Object item = it.next();
                Object key = attribute != null && item instanceof Map<?, ?> m ? m.get(attribute.toString()) : item;
                if (!caseSensitive && key instanceof CharSequence cs) key = PythonStrings.lower(cs.toString());
                int order = bestKey == null ? 0 : compare(key, bestKey);
                if (bestKey == null || (getName.equals("max") ? order > 0 : order < 0)) {
                    best = item;
                    bestKey = key;
                }
            }
            return best;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private static int compare(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) return Double.compare(x.doubleValue(), y.doubleValue());
            if (a instanceof Comparable ca && a.getClass() == b.getClass()) return ca.compareTo(b);
            throw new IllegalArgumentException("TypeError: cannot order " + PythonTypes.name(a) + " and " + PythonTypes.name(b));
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }
    }

    /** Prints values as jinja2 does (str()): True/False, lists and dicts as Python repr, floats in Python form. */
    static final class PythonPrintingInterpreter extends JinjavaInterpreter {
        PythonPrintingInterpreter(Jinjava application, Context context, JinjavaConfig config) {
            super(application, context, config);
        }

        PythonPrintingInterpreter(JinjavaInterpreter original) {
            super(original);
        }

        @Override
        public String getAsString(Object object) {
            // null stays empty: Jinjava cannot tell jinja2's Undefined (prints "") from None (prints "None").
            return object == null ? "" : PythonValues.str(object);
        }

        static final class Factory implements InterpreterFactory {
            @Override
            public JinjavaInterpreter newInstance(JinjavaInterpreter original) {
                return new PythonPrintingInterpreter(original);
            }

            @Override
            public JinjavaInterpreter newInstance(Jinjava application, Context context, JinjavaConfig config) {
                return new PythonPrintingInterpreter(application, context, config);
            }
        }
    }
}
