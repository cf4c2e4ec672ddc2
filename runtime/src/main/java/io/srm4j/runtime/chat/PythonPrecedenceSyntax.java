package io.srm4j.runtime.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.NamedParameterOperator;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;

/**
 * Jinjava's expression grammar with jinja2's operator precedence where the two differ in ways chat templates hit:
 * <ul>
 *   <li>{@code not} binds looser than comparisons and tests in jinja2: {@code not x is defined} means
 *       {@code not (x is defined)} and {@code not a == b} means {@code not (a == b)}; Jinjava (like JUEL) binds it
 *       to the nearest operand, which silently inverts conditions in the Llama 3 and DeepSeek-R1 templates.</li>
 *   <li>a keyword argument takes a whole expression: {@code namespace(i=messages|length - 1)} binds
 *       {@code i = (messages|length - 1)}; Jinjava parses {@code (i = messages|length) - 1}.</li>
 * </ul>
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
}
