package io.srm4j.runtime.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.NamedParameterOperator;
import com.hubspot.jinjava.el.ext.StringConcatOperator;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ELContext;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Jinjava's expression grammar with jinja2's operator precedence where the two differ in ways chat templates hit:
 * <ul>
 *   <li>{@code not} binds looser than comparisons and tests in jinja2: {@code not x is defined} means
 *       {@code not (x is defined)} and {@code not a == b} means {@code not (a == b)}; Jinjava (like JUEL) binds it
 *       to the nearest operand, which silently inverts conditions in the Llama 3 and DeepSeek-R1 templates.</li>
 *   <li>a keyword argument takes a whole expression: {@code namespace(i=messages|length - 1)} binds
 *       {@code i = (messages|length - 1)}; Jinjava parses {@code (i = messages|length) - 1}.</li>
 * </ul>
 * and with Python's operators where Jinjava's differ: {@code a and b} yields an operand (not a boolean),
 * {@code ~} prints True/False as Python does, {@code ==}/{@code !=} compare without coercing ({@code 1 == 'x'}
 * is false, not an error), {@code 'ab' * 2} and {@code [0] * 3} repeat.
 */
final class PythonPrecedenceSyntax extends ExtendedSyntaxBuilder {

    /** The features of JUEL's JEE6 profile, which Jinjava's own expression factory uses. */
    PythonPrecedenceSyntax() {
        super(Feature.METHOD_INVOCATIONS, Feature.VARARGS);
    }

    @Override
    protected Parser createParser(String expression) {
        return new PythonPrecedenceParser(this, expression);
    }

    private static final class PythonPrecedenceParser extends ExtendedParser {
        PythonPrecedenceParser(PythonPrecedenceSyntax builder, String input) {
            super(builder, input);
            // Lowest extension point available: the argument value is parsed as a whole and-expression.
            putExtensionHandler(NamedParameterOperator.TOKEN, new ExtensionHandler(ExtensionPoint.OR) {
                @Override
                public AstNode createAstNode(AstNode... children) {
                    return NamedParameterOperator.HANDLER.createAstNode(children);
                }
            });
            putExtensionHandler(StringConcatOperator.TOKEN, new ExtensionHandler(ExtensionPoint.ADD) {
                @Override
                public AstNode createAstNode(AstNode... children) {
                    return createAstBinary(children[0], children[1], PYTHON_CONCAT);
                }
            });
        }

        @Override
        protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
            AstBinary.Operator python = operator == AstBinary.AND ? PYTHON_AND
                    : operator == AstBinary.EQ ? PYTHON_EQ
                    : operator == AstBinary.NE ? PYTHON_NE
                    : operator == AstBinary.MUL ? PYTHON_MUL
                    : operator;
            return super.createAstBinary(left, right, python);
        }

        @Override
        protected AstNode unary(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.NOT) {
                consumeToken();
                return createAstUnary(eq(true), AstUnary.NOT);
            }
            return super.unary(required);
        }
    }

    /** Python's {@code and}: the first falsy operand, else the last; the right side is evaluated only if needed. */
    private static final AstBinary.Operator PYTHON_AND = new AstBinary.Operator() {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            return PythonValues.truthy(l) ? right.eval(bindings, context) : l;
        }

        @Override
        public String toString() {
            return "and";
        }
    };

    /** jinja2's {@code ~}: both sides as str() (undefined/None as empty), concatenated. */
    private static final AstBinary.Operator PYTHON_CONCAT = new AstBinary.Operator() {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context), r = right.eval(bindings, context);
            return (l == null ? "" : PythonValues.str(l)) + (r == null ? "" : PythonValues.str(r));
        }

        @Override
        public String toString() {
            return "~";
        }
    };

    private static final AstBinary.Operator PYTHON_EQ = new AstBinary.Operator() {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            return PythonTests.equal(left.eval(bindings, context), new Object[] {right.eval(bindings, context)});
        }

        @Override
        public String toString() {
            return "==";
        }
    };

    private static final AstBinary.Operator PYTHON_NE = new AstBinary.Operator() {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            return !PythonTests.equal(left.eval(bindings, context), new Object[] {right.eval(bindings, context)});
        }

        @Override
        public String toString() {
            return "!=";
        }
    };

    /** Python's {@code *}: a str or list times an int repeats it; numbers multiply as before. */
    private static final AstBinary.Operator PYTHON_MUL = new AstBinary.Operator() {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context), r = right.eval(bindings, context);
            if (isSequence(l) && isInteger(r)) return repeat(l, ((Number) r).intValue());
            if (isInteger(l) && isSequence(r)) return repeat(r, ((Number) l).intValue());
            return AstBinary.MUL.eval(bindings, context, new Constant(l), new Constant(r));
        }

        @Override
        public String toString() {
            return "*";
        }
    };

    private static boolean isSequence(Object v) {
        return v instanceof CharSequence || v instanceof Collection<?>;
    }

    private static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte;
    }

    private static Object repeat(Object sequence, int times) {
        if (times > 1_000_000) throw new IllegalArgumentException("sequence repetition by " + times + " is too large");
        if (sequence instanceof CharSequence s) return s.toString().repeat(Math.max(0, times));
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < times; i++) out.addAll((Collection<?>) sequence);
        return out;
    }

    /** An already evaluated operand, to hand to JUEL's own operators. */
    private static final class Constant extends jinjava.de.odysseus.el.tree.impl.ast.AstRightValue {
        private final Object value;

        Constant(Object value) {
            this.value = value;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            return value;
        }

        @Override
        public String toString() {
            return String.valueOf(value);
        }

        @Override
        public void appendStructure(StringBuilder builder, Bindings bindings) {
            builder.append(value);
        }

        @Override
        public int getCardinality() {
            return 0;
        }

        @Override
        public AstNode getChild(int i) {
            return null;
        }
    }
}
