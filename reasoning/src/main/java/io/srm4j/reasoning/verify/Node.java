package io.srm4j.reasoning.verify;

import java.util.List;

/** A parsed answer: an arithmetic expression, or a structure of them (set, tuple, interval, relation, matrix, text). */
public sealed interface Node {
    /** A literal number; {@code approximate} marks a decimal written by hand (0.333), which is compared with tolerance. */
    record Num(BigRational value, boolean approximate) implements Node {}
    /** A variable or a named constant: "pi", "e", "i" (imaginary unit), "inf". */
    record Sym(String name) implements Node {}
    record Add(List<Node> terms) implements Node {}
    record Mul(List<Node> factors) implements Node {}
    record Pow(Node base, Node exponent) implements Node {}
    /** A function application: sqrt, root (index, radicand), sin, log (arg) or log (base, arg), abs, factorial, binom... */
    record Fn(String name, List<Node> args) implements Node {}
    /** A value written with a percent sign: read as the value itself or as value/100. */
    record Percent(Node value) implements Node {}
    /** a ± b: stands for both a + b and a − b. */
    record PlusMinus(Node left, Node right) implements Node {}
    /**
     * A bracketed or bare list. open/close are '(' ')' '[' ']' for tuples and intervals, '{' '}' for sets written \{..\},
     * and 0 for a bare comma list "1, 2" (whose order does not matter).
     */
    record Seq(char open, char close, List<Node> items) implements Node {}
    record Union(List<Node> parts) implements Node {}
    /** A chain a op b op c ...; ops are "=", "<", "<=", ">", ">=", "!=", "~" (approximately), "in". */
    record Relation(List<Node> operands, List<String> ops) implements Node {}
    record Matrix(List<List<Node>> rows) implements Node {}
    /** Words: \text{Evelyn}, "east", a unit left on its own. */
    record Text(String text) implements Node {}
}
