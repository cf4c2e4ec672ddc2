package io.srm4j.reasoning.verify;

import io.srm4j.reasoning.verify.Node.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses an answer written in LaTeX or plain maths ("\frac{1}{2}", "1/2", "(1,2]", "x \ge 3", "\begin{pmatrix}..") into a
 * {@link Node} tree. Recursive descent with a nesting limit and a {@link Deadline}, so no input overflows the stack or hangs.
 */
public final class LatexParser {
    /** Answers longer than this are not parsed (parsing is linear and time-bounded; this only caps memory). */
    public static final int MAX_LENGTH = 100_000;
    private static final int MAX_DEPTH = 120;

    private enum Kind { NUM, WORD, CMD, OP, ROWSEP, SETOPEN, SETCLOSE, END }

    /** @param spaced whether whitespace preceded the token (tells the mixed number "4 4/9" from a product) */
    private record Tok(Kind kind, String text, boolean spaced) {
        Tok(Kind kind, String text) { this(kind, text, false); }
        boolean is(String s) { return (kind == Kind.OP || kind == Kind.CMD) && text.equals(s); }
    }

    private final List<Tok> toks;
    private final Deadline deadline;
    private int pos;
    private int depth;

    private LatexParser(List<Tok> toks, Deadline deadline) { this.toks = toks; this.deadline = deadline; }

    public static Node parse(String input) { return parse(input, Deadline.none()); }

    public static Node parse(String input, Deadline deadline) {
        if (input.length() > MAX_LENGTH) throw new ParseException("answer too long to parse (" + input.length() + " characters)");
        String s = normalize(input);
        if (s.isEmpty()) throw new ParseException("empty answer");
        LatexParser p = new LatexParser(tokenize(s), deadline);
        try {
            Node n = p.parseList();
            if (p.peek().kind != Kind.END) throw new ParseException("unexpected '" + p.peek().text + "'");
            return n;
        } catch (IndexOutOfBoundsException | NumberFormatException | ArithmeticException e) {
            // A shape of input the grammar did not foresee: report it as unparseable rather than crash the grader.
            throw new ParseException("cannot parse: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- normalisation

    private static final Pattern SIZING = Pattern.compile("\\\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|bigg|Bigg|big|Big)(?![a-zA-Z])");
    private static final Pattern INVISIBLE_DELIM = Pattern.compile("\\\\(?:left|right)\\s*\\.");
    private static final Pattern SPACING = Pattern.compile("(?<!\\\\)\\\\(?:[,;:! ]|quad|qquad|displaystyle|textstyle|limits|nolimits|hfill|enspace|thinspace|medspace|thickspace|negthinspace)(?![a-zA-Z])");
    private static final Pattern DEGREES = Pattern.compile("\\^\\s*\\{\\s*\\\\circ\\s*\\}|\\^\\s*\\\\circ|\\^\\s*\\{\\s*\\\\degree\\s*\\}|\\\\circ|\\\\degree|°|\\\\textdegree");
    private static final Pattern TRIG = Pattern.compile("\\\\(?:sin|cos|tan|cot|sec|csc)(?![a-z])");
    private static final Pattern DEGREE_ARGUMENT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(?:\\^\\s*\\{\\s*\\\\circ\\s*\\}|\\^\\s*\\\\circ|°)");
    private static final Pattern GROUPED_COMMA = Pattern.compile("\\{\\s*,\\s*}");
    /** "11,\\! 111" is a thousands separator (thin space after the comma), unlike the list "32, 349". */
    private static final Pattern COMMA_SPACE_THOUSANDS = Pattern.compile("(?<=\\d),\\\\!\\s*(?=\\d{3}(?!\\d))");
    /** "1 000 000": digit groups separated by single spaces. */
    private static final Pattern SPACE_THOUSANDS = Pattern.compile("(?<![\\d.,])\\d{1,3}(?: \\d{3})+(?![\\d.,])");
    private static final Pattern THOUSANDS = Pattern.compile("(?<![\\d.,])([1-9]\\d{0,2})((?:,\\d{3})+)(?![\\d,])");
    private static final Pattern AND_WORD = Pattern.compile(
            "\\\\(?:text|textrm|mbox)\\{\\s*(?:and|or)\\s*\\}|(?<=\\S)\\s+(?:and|or)\\s+(?=\\S)|(?<=[)\\]}])\\s*(?:and|or)\\s*(?=[(\\[{\\\\])");

    /** String-level clean-up that keeps meaning: delimiters, spacing, sizing, synonyms, thousands separators. */
    static String normalize(String input) {
        String s = input.strip();
        // Each rewrite runs only when its trigger character is present: most answers are short and plain.
        boolean backslash = s.indexOf('\\') >= 0;
        if (s.indexOf('$') >= 0) s = s.replace("\\$", "").replace("$", "");
        if (backslash) {
            s = s.replace("\\[", " ").replace("\\]", " ").replace("\\(", " ").replace("\\)", " ");
            if (s.contains("\\left") || s.contains("\\right") || s.contains("\\big") || s.contains("\\Big")) {
                s = INVISIBLE_DELIM.matcher(s).replaceAll("");
                s = SIZING.matcher(s).replaceAll("");
            }
            if (s.contains("\\!")) s = COMMA_SPACE_THOUSANDS.matcher(s).replaceAll(",").replace("\\!", "");
            s = SPACING.matcher(s).replaceAll(" ");
            s = s.replace("\\%", "%").replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
                    .replace("\\dbinom", "\\binom").replace("\\tbinom", "\\binom")
                    .replace("\\lvert", "|").replace("\\rvert", "|").replace("\\vert", "|").replace("\\|", "|")
                    .replace("\\langle", "(").replace("\\rangle", ")").replace("\\ne ", "\\neq ");
        }
        if (s.indexOf('{') >= 0 && s.indexOf(',') >= 0) s = GROUPED_COMMA.matcher(s).replaceAll("");
        if (backslash && s.contains("overline")) s = REPEATING.matcher(s).replaceAll(LatexParser::repeatingDecimal);
        if (s.indexOf('/') >= 0) s = RATE_UNIT.matcher(s).replaceAll("");
        if (s.indexOf('~') >= 0) s = s.replace("~", " ");
        if (backslash || s.indexOf('°') >= 0) {
            // Inside trigonometry a degree is π/180 (sin 30° = 1/2); elsewhere "90°" is just 90.
            if (TRIG.matcher(s).find()) s = DEGREE_ARGUMENT.matcher(s).replaceAll("{($1\\\\pi/180)}");
            s = DEGREES.matcher(s).replaceAll("");
        }
        if (!isAscii(s)) {
            s = s.replace('−', '-').replace('–', '-').replace("×", "\\times ").replace("÷", "/").replace("·", "\\cdot ")
                    .replace("π", "\\pi ").replace("∞", "\\infty ").replace("√", "\\sqrt").replace("≤", "<=").replace("≥", ">=")
                    .replace("≠", "!=").replace("±", "\\pm ").replace("∪", "\\cup ").replace("≈", "\\approx ").replace("∈", "\\in ");
        }
        if (s.contains("and") || s.contains("or")) s = AND_WORD.matcher(s).replaceAll(",");
        String t = s.strip();
        if (s.indexOf(',') >= 0 && !(t.startsWith("(") || t.startsWith("[") || t.startsWith("\\{"))) {
            Matcher m = THOUSANDS.matcher(s);
            if (m.find()) {
                StringBuilder sb = new StringBuilder();
                m.reset();
                while (m.find()) m.appendReplacement(sb, m.group(1) + m.group(2).replace(",", ""));
                m.appendTail(sb);
                s = sb.toString();
            }
        }
        if (s.indexOf(' ') >= 0 && SPACE_THOUSANDS.matcher(s).find()) s = SPACE_THOUSANDS.matcher(s).replaceAll(m -> m.group().replace(" ", ""));
        s = s.strip();
        // Sentence punctuation written inside the maths ("\\frac{1}{3}." or "5,"), but never an ellipsis.
        while (!s.isEmpty() && !s.endsWith("...") && ".,;:".indexOf(s.charAt(s.length() - 1)) >= 0
                && !(s.length() >= 2 && s.charAt(s.length() - 2) == '\\')) {
            s = s.substring(0, s.length() - 1).strip();
        }
        return s;
    }

    /** 0.1\\overline{6} = 1/6: a repeating decimal as an exact fraction. */
    private static final Pattern REPEATING = Pattern.compile("(\\d*)\\.(\\d*)\\\\overline\\{(\\d+)}");
    /** km/h, miles/hour and the like after a quantity carry no value (a bare "/h" would read as division by h). */
    private static final Pattern RATE_UNIT = Pattern.compile(
            "(?<=[\\d\\s}])\\s*\\\\?(?:text\\{|mbox\\{|mathrm\\{)?\\s*(?:km|m|mi|cm|mm|ft|kg|g|lb|lbs|miles|meters|metres|feet|dollars|words|pages|units|gallons|liters|litres)\\s*/\\s*(?:h|hr|hrs|hour|s|sec|min|day|week|month|year|minute|second|gallon|mile|km)\\b}?");

    private static String repeatingDecimal(java.util.regex.MatchResult m) {
        String whole = m.group(1).isEmpty() ? "0" : m.group(1), fixed = m.group(2), rep = m.group(3);
        java.math.BigInteger withRep = new java.math.BigInteger(fixed + rep), without = fixed.isEmpty() ? java.math.BigInteger.ZERO : new java.math.BigInteger(fixed);
        java.math.BigInteger den = java.math.BigInteger.TEN.pow(fixed.length()).multiply(java.math.BigInteger.TEN.pow(rep.length()).subtract(java.math.BigInteger.ONE));
        java.math.BigInteger num = withRep.subtract(without).add(new java.math.BigInteger(whole).multiply(den));
        return "(\\\\frac{" + num + "}{" + den + "})";
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 128) return false;
        return true;
    }

    // ---------------------------------------------------------------- tokens

    private static List<Tok> tokenize(String s) {
        List<Tok> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) { i++; continue; }
            boolean spaced = i > 0 && Character.isWhitespace(s.charAt(i - 1));
            if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(s.charAt(i + 1)))) {
                int j = i;
                while (j < n && isDigit(s.charAt(j))) j++;
                if (j < n && s.charAt(j) == '.' && j + 1 < n && isDigit(s.charAt(j + 1))) {
                    j++;
                    while (j < n && isDigit(s.charAt(j))) j++;
                }
                // Scientific notation 1.5e-3 / 2E5 (an "e" followed by a digit or a signed digit).
                if (j + 1 < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
                    int k = j + 1;
                    if (k < n && (s.charAt(k) == '+' || s.charAt(k) == '-')) k++;
                    if (k < n && isDigit(s.charAt(k)) && !(k + 1 < n && Character.isLetter(s.charAt(k + 1)))) {
                        while (k < n && isDigit(s.charAt(k))) k++;
                        j = k;
                    }
                }
                out.add(new Tok(Kind.NUM, s.substring(i, j), spaced));
                i = j;
            } else if (Character.isLetter(c)) {
                int j = i;
                while (j < n && Character.isLetter(s.charAt(j))) j++;
                out.add(new Tok(Kind.WORD, s.substring(i, j)));
                i = j;
            } else if (c == '\\') {
                if (i + 1 >= n) { i++; continue; }
                char d = s.charAt(i + 1);
                if (Character.isLetter(d)) {
                    int j = i + 1;
                    while (j < n && Character.isLetter(s.charAt(j))) j++;
                    out.add(new Tok(Kind.CMD, s.substring(i + 1, j)));
                    i = j;
                } else if (d == '\\') { out.add(new Tok(Kind.ROWSEP, "\\\\")); i += 2; }
                else if (d == '{') { out.add(new Tok(Kind.SETOPEN, "\\{")); i += 2; }
                else if (d == '}') { out.add(new Tok(Kind.SETCLOSE, "\\}")); i += 2; }
                else i += 2; // \# \_ and the like carry no maths
            } else {
                String two = i + 1 < n ? s.substring(i, i + 2) : "";
                switch (two) {
                    case "<=", "=<" -> { out.add(new Tok(Kind.OP, "<=")); i += 2; continue; }
                    case ">=", "=>" -> { out.add(new Tok(Kind.OP, two.equals("=>") ? "=>" : ">=")); i += 2; continue; }
                    case "!=" -> { out.add(new Tok(Kind.OP, "!=")); i += 2; continue; }
                    case "**" -> { out.add(new Tok(Kind.OP, "^")); i += 2; continue; }
                    case "==" -> { out.add(new Tok(Kind.OP, "=")); i += 2; continue; }
                    default -> { }
                }
                if (c == '{' && s.startsWith("{}", i)) { i += 2; continue; } // empty group, e.g. "{}^\circ" leftovers
                out.add(new Tok(Kind.OP, String.valueOf(c)));
                i++;
            }
        }
        out.add(new Tok(Kind.END, ""));
        return out;
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    // ---------------------------------------------------------------- grammar

    private Tok peek() { return toks.get(pos); }
    private Tok next() {
        deadline.check();
        Tok t = toks.get(pos);
        if (t.kind != Kind.END) pos++; // END is sticky: reading past it keeps answering END
        return t;
    }
    private boolean accept(String s) { if (peek().is(s)) { pos++; return true; } return false; }
    private void expect(String s) { if (!accept(s)) throw new ParseException("expected '" + s + "' but found '" + peek().text + "'"); }

    private void enter() {
        deadline.check();
        if (++depth > MAX_DEPTH) throw new ParseException("expression nests too deeply");
    }

    private Node parseList() {
        enter();
        List<Node> items = new ArrayList<>();
        items.add(parseRelation());
        while (accept(",") || accept(";")) {
            if (isListEnd(peek())) break;
            items.add(parseRelation());
        }
        depth--;
        return items.size() == 1 ? items.get(0) : new Seq((char) 0, (char) 0, items);
    }

    private static boolean isListEnd(Tok t) {
        return t.kind == Kind.END || t.kind == Kind.SETCLOSE || t.kind == Kind.ROWSEP || t.is(")") || t.is("]") || t.is("}") || t.is("&") || t.is("end");
    }

    private static final Set<String> REL_CMDS = Set.of("le", "leq", "leqslant", "ge", "geq", "geqslant", "neq", "ne", "lt", "gt", "approx",
            "in", "equiv", "Rightarrow", "implies", "to", "rightarrow", "longrightarrow", "cong", "simeq", "sim");

    private String relOp(Tok t) {
        if (t.kind == Kind.OP) return switch (t.text) {
            case "=", "<", ">", "<=", ">=", "!=", "=>" -> t.text;
            default -> null;
        };
        if (t.kind == Kind.CMD) return switch (t.text) {
            case "le", "leq", "leqslant" -> "<=";
            case "ge", "geq", "geqslant" -> ">=";
            case "neq", "ne" -> "!=";
            case "lt" -> "<";
            case "gt" -> ">";
            case "approx", "simeq", "sim", "cong" -> "~";
            case "in" -> "in";
            case "equiv" -> "=";
            case "Rightarrow", "implies", "to", "rightarrow", "longrightarrow" -> "=>";
            default -> null;
        };
        return null;
    }

    private Node parseRelation() {
        enter();
        List<Node> operands = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        operands.add(parseUnion());
        String op;
        while ((op = relOp(peek())) != null) {
            next();
            ops.add(op);
            operands.add(parseUnion());
        }
        depth--;
        return ops.isEmpty() ? operands.get(0) : new Relation(operands, ops);
    }

    private Node parseUnion() {
        List<Node> parts = new ArrayList<>();
        parts.add(parseSum());
        while (accept("cup") || accept("U")) parts.add(parseSum());
        return parts.size() == 1 ? parts.get(0) : new Union(parts);
    }

    private Node parseSum() {
        enter();
        List<Node> terms = new ArrayList<>();
        terms.add(parseTerm());
        while (true) {
            if (accept("+")) terms.add(parseTerm());
            else if (accept("-")) terms.add(negate(parseTerm()));
            else if (accept("pm")) { Node acc = sum(terms); terms = new ArrayList<>(List.of(new PlusMinus(acc, parseTerm()))); }
            else if (accept("mp")) { Node acc = sum(terms); terms = new ArrayList<>(List.of(new PlusMinus(acc, negate(parseTerm())))); }
            else break;
        }
        depth--;
        return sum(terms);
    }

    private static Node sum(List<Node> terms) {
        if (terms.size() == 1) return terms.get(0);
        if (terms.stream().allMatch(t -> t instanceof Text)) return new Text(String.join(" ", terms.stream().map(t -> ((Text) t).text()).toList()));
        return new Add(List.copyOf(terms));
    }

    static Node realLine() {
        return new Seq('(', ')', List.of(negate(new Sym("inf")), new Sym("inf")));
    }

    static Node negate(Node n) {
        if (n instanceof Num(BigRational v, boolean a)) return new Num(v.negate(), a);
        return new Mul(List.of(new Num(BigRational.ONE.negate(), false), n));
    }

    private static final Set<String> MUL_CMDS = Set.of("cdot", "times", "ast", "star", "bullet");

    private Node parseTerm() {
        enter();
        List<Node> factors = new ArrayList<>();
        factors.add(parseUnary());
        while (true) {
            Tok t = peek();
            if (t.is("*") || (t.kind == Kind.CMD && MUL_CMDS.contains(t.text))) { next(); factors.add(parseUnary()); }
            // A ratio 7:32 is read as the quotient 7/32.
            else if (t.is("/") || t.is("div") || t.is(":")) { next(); factors.add(new Pow(parseUnary(), new Num(BigRational.ONE.negate(), false))); }
            else if (startsPrimary(t)) {
                if (plainMixedNumberAhead(factors)) {
                    // "4 4/9" written in plain text: 4 + 4/9.
                    Num whole = (Num) factors.get(0);
                    Node numerator = parsePrimary();
                    expect("/");
                    Node frac = new Mul(List.of(numerator, new Pow(parsePrimary(), new Num(BigRational.ONE.negate(), false))));
                    factors.set(0, new Add(List.of(whole, whole.value().signum() < 0 ? negate(frac) : frac)));
                    continue;
                }
                if (factors.size() == 1 && factors.get(0) instanceof Num num && num.value().isInteger() && !num.approximate()
                        && num.value().signum() != 0 && mixedFractionAhead()) {
                    // "1\frac{4}{5}" is the mixed number 1 + 4/5, not a product; "-1\frac{1}{3}" is -(1 + 1/3).
                    Node frac = parsePower();
                    factors.set(0, new Add(List.of(num, num.value().signum() < 0 ? negate(frac) : frac)));
                } else factors.add(parsePower());
            } else break;
        }
        depth--;
        // Units and other words next to a quantity ("5 \text{ cm}", "15 cm^2", "3 dollars") carry no value.
        if (factors.size() > 1 && factors.stream().anyMatch(LatexParser::isWordy) && !factors.stream().allMatch(LatexParser::isWordy)) {
            factors.removeIf(LatexParser::isWordy);
        }
        if (factors.size() == 1) return factors.get(0);
        if (factors.stream().allMatch(f -> f instanceof Text)) return new Text(String.join(" ", factors.stream().map(f -> ((Text) f).text()).toList()));
        return new Mul(List.copyOf(factors));
    }

    private static boolean isWordy(Node n) {
        return n instanceof Text || (n instanceof Pow(Node b, Node e) && b instanceof Text);
    }

    private boolean plainMixedNumberAhead(List<Node> factors) {
        if (factors.size() != 1 || !(factors.get(0) instanceof Num whole) || whole.approximate() || !whole.value().isInteger()) return false;
        if (pos == 0 || toks.get(pos - 1).kind != Kind.NUM || pos + 2 >= toks.size()) return false;
        Tok a = toks.get(pos), slash = toks.get(pos + 1), b = toks.get(pos + 2);
        return a.kind == Kind.NUM && a.spaced && !a.text.contains(".") && slash.is("/") && b.kind == Kind.NUM && !b.text.contains(".")
                && !toks.get(Math.min(pos + 3, toks.size() - 1)).is("^");
    }

    private boolean mixedFractionAhead() {
        if (!peek().is("frac")) return false;
        Tok a = toks.get(Math.min(pos + 1, toks.size() - 1));
        if (a.kind == Kind.NUM) return a.text.length() == 2 || a.text.matches("\\d");
        if (!a.is("{")) return false;
        return pos + 6 < toks.size() && toks.get(pos + 2).kind == Kind.NUM && toks.get(pos + 3).is("}")
                && toks.get(pos + 4).is("{") && toks.get(pos + 5).kind == Kind.NUM && toks.get(pos + 6).is("}")
                && !toks.get(pos + 2).text.contains(".") && !toks.get(pos + 5).text.contains(".");
    }

    private static final Set<String> NON_PRIMARY_CMDS = Set.of("cdot", "times", "div", "ast", "star", "bullet", "pm", "mp", "cup", "cap",
            "end", "right", "rfloor", "rceil", "setminus", "dots", "ldots", "cdots", "mid");

    private boolean startsPrimary(Tok t) {
        return switch (t.kind) {
            case NUM, WORD, SETOPEN -> true;
            case CMD -> !NON_PRIMARY_CMDS.contains(t.text) && !REL_CMDS.contains(t.text) && !t.text.equals("U");
            case OP -> t.text.equals("(") || t.text.equals("{");
            default -> false;
        };
    }

    private Node parseUnary() {
        enter();
        Node r;
        if (accept("-")) r = negate(parseUnary());
        else if (accept("+")) r = parseUnary();
        else if (accept("pm")) r = new PlusMinus(new Num(BigRational.ZERO, false), parseUnary());
        else r = parsePower();
        depth--;
        return r;
    }

    private Node parsePower() {
        enter();
        Node base = parsePostfix();
        while (accept("^")) {
            Node exp = readScriptArg();
            base = new Pow(base, exp);
            base = parsePostfixOps(base);
        }
        depth--;
        return base;
    }

    /** The argument of ^ or of \frac/\sqrt without braces: one character of a number, one letter, or one command. */
    private Node readScriptArg() {
        Tok t = peek();
        if (t.is("{")) return parseBraced();
        if (t.is("-")) { next(); return negate(readScriptArg()); }
        if (t.is("+")) { next(); return readScriptArg(); }
        if (t.kind == Kind.NUM && t.text.length() > 1 && !t.text.contains(".")) {
            toks.set(pos, new Tok(Kind.NUM, t.text.substring(1)));
            return new Num(BigRational.parseDecimal(t.text.substring(0, 1)), false);
        }
        if (t.kind == Kind.WORD && t.text.length() > 1 && !FUNCTION_WORDS.contains(t.text) && !isUnitWord(t.text)) {
            toks.set(pos, new Tok(Kind.WORD, t.text.substring(1)));
            return symbol(t.text.substring(0, 1));
        }
        return parsePrimary();
    }

    private Node parseBraced() {
        expect("{");
        if (accept("}")) return new Text("");
        Node n = parseList();
        expect("}");
        return n;
    }

    private Node parsePostfix() {
        return parsePostfixOps(parsePrimary());
    }

    private Node parsePostfixOps(Node p) {
        while (true) {
            Tok t = peek();
            if (t.is("!") && !toks.get(pos + 1).is("=")) { next(); p = new Fn("factorial", List.of(p)); }
            else if (t.is("%")) { next(); p = new Percent(p); }
            else if (t.kind == Kind.WORD && (t.text.equalsIgnoreCase("percent") || t.text.equalsIgnoreCase("pct") || t.text.equalsIgnoreCase("percentage"))) {
                next(); p = new Percent(p);
            } else if (t.is("_")) {
                next();
                String sub = subscriptText();
                if (p instanceof Sym(String name)) p = new Sym(name + "_" + sub);
                else if (p instanceof Num num && num.value().isInteger() && !num.approximate()) p = new Sym("base" + sub + ":" + num.value());
                // A subscript on anything else (a bracket, a function) carries no value for grading.
            } else if (t.is("'")) { next(); if (p instanceof Sym(String name)) p = new Sym(name + "'"); }
            else return p;
        }
    }

    private String subscriptText() {
        Tok t = peek();
        if (t.is("{")) {
            int d = 0;
            StringBuilder sb = new StringBuilder();
            do {
                Tok x = next();
                if (x.is("{")) d++;
                else if (x.is("}")) d--;
                else sb.append(x.text);
                if (x.kind == Kind.END) throw new ParseException("unclosed subscript");
            } while (d > 0);
            return sb.toString();
        }
        next();
        if (t.kind == Kind.NUM && t.text.length() > 1) { toks.set(pos - 1, t); }
        return t.text;
    }

    private static final Set<String> FUNCTION_WORDS = Set.of("sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "sqrt",
            "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "lg");
    private static final Set<String> UNIT_WORDS = Set.of("cm", "mm", "km", "ft", "in", "yd", "mi", "kg", "mg", "lb", "lbs", "oz", "hr", "hrs",
            "min", "mins", "sec", "secs", "s", "ml", "mph", "kph", "sq", "cc", "usd", "am", "pm", "th", "st", "nd", "rd", "of", "m", "g", "l",
            "cents", "units", "the", "is", "are", "and", "per", "yes", "no", "odd", "all", "any", "not", "nor");

    static boolean isUnitWord(String w) {
        if (w.length() >= 4) return true;
        if (w.length() < 2) return false;
        // Short words count only in lower case or Capitalised: "cm", "Yes"; "NO" or "AB" are products of names.
        String l = w.toLowerCase(Locale.ROOT);
        boolean plainCase = w.equals(l) || (Character.isUpperCase(w.charAt(0)) && w.substring(1).equals(l.substring(1)));
        return plainCase && UNIT_WORDS.contains(l);
    }

    private Node parsePrimary() {
        enter();
        try {
            Tok t = next();
            switch (t.kind) {
                case NUM -> {
                    boolean approx = t.text.contains(".");
                    return new Num(BigRational.parseDecimal(t.text), approx);
                }
                case WORD -> { return word(t.text); }
                case CMD -> { return command(t.text); }
                case SETOPEN -> {
                    if (peek().kind == Kind.SETCLOSE) { next(); return new Seq('{', '}', List.of()); }
                    Node inner = parseList();
                    if (accept("mid") || accept("|")) {
                        // Set-builder {x | x > 3}: the condition is the answer (compared with intervals as such).
                        Node condition = parseList();
                        if (next().kind != Kind.SETCLOSE) throw new ParseException("unclosed \\{");
                        return condition;
                    }
                    if (next().kind != Kind.SETCLOSE) throw new ParseException("unclosed \\{");
                    return new Seq('{', '}', items(inner));
                }
                case OP -> {
                    switch (t.text) {
                        case "(", "[" -> { return bracket(t.text.charAt(0)); }
                        case "{" -> {
                            if (accept("}")) return new Text("");
                            Node inner = parseList();
                            expect("}");
                            return inner;
                        }
                        case "|" -> {
                            Node inner = parseSum();
                            expect("|");
                            return new Fn("abs", List.of(inner));
                        }
                        default -> throw new ParseException("unexpected '" + t.text + "'");
                    }
                }
                default -> throw new ParseException(t.kind == Kind.END ? "expression ends too early" : "unexpected '" + t.text + "'");
            }
        } finally {
            depth--;
        }
    }

    private static List<Node> items(Node n) { return n instanceof Seq(char o, char c, List<Node> it) && o == 0 ? it : List.of(n); }

    private Node bracket(char open) {
        Tok t = peek();
        if (t.is(")") || t.is("]")) { next(); return new Seq(open, t.text.charAt(0), List.of()); }
        Node inner = parseList();
        Tok close = next();
        if (!(close.is(")") || close.is("]"))) throw new ParseException("unclosed '" + open + "'");
        char c = close.text.charAt(0);
        boolean single = !(inner instanceof Seq(char o, char cc, List<Node> it) && o == 0);
        if (single) {
            if ((open == '(' && c == ')') || (open == '[' && c == ']')) return inner;
            throw new ParseException("mismatched brackets " + open + c);
        }
        return new Seq(open, c, items(inner));
    }

    private Node word(String w) {
        String l = w.toLowerCase(Locale.ROOT);
        if (FUNCTION_WORDS.contains(l)) return command(l);
        switch (l) {
            case "pi" -> { return new Sym("pi"); }
            case "inf", "infinity", "infty", "oo" -> { return new Sym("inf"); }
            default -> { }
        }
        if (w.length() == 1) return symbol(w);
        if (isUnitWord(w)) return new Text(w);
        // "ab" is a times b in maths.
        List<Node> f = new ArrayList<>();
        for (int i = 0; i < w.length(); i++) f.add(symbol(String.valueOf(w.charAt(i))));
        return new Mul(f);
    }

    private static Node symbol(String name) {
        return new Sym(name);
    }

    private static final Set<String> TRANSPARENT = Set.of("mathrm", "mathbf", "mathit", "mathsf", "mathtt", "boldsymbol", "bm", "mathcal",
            "vec", "overline", "hat", "bar", "widehat", "overrightarrow", "tilde", "widetilde", "boxed", "fbox", "underline", "mathbb",
            "operatorname", "emph", "pmb", "textup", "check", "dot", "ddot");
    private static final Set<String> TEXT_CMDS = Set.of("text", "textbf", "textit", "textrm", "mbox", "textnormal", "texttt", "hbox", "textsf", "textsc");
    private static final Set<String> FUNCS = Set.of("sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh",
            "tanh", "ln", "log", "lg", "exp", "det", "gcd", "lcm", "max", "min", "arg", "deg");

    private Node command(String name) {
        switch (name) {
            case "frac", "over" -> {
                Node a = readScriptArg(), b = readScriptArg();
                return new Mul(List.of(a, new Pow(b, new Num(BigRational.ONE.negate(), false))));
            }
            case "sqrt" -> {
                if (accept("[")) {
                    Node index = parseSum();
                    expect("]");
                    return new Fn("root", List.of(index, readScriptArg()));
                }
                return new Fn("sqrt", List.of(readScriptArg()));
            }
            case "binom", "choose" -> { return new Fn("binom", List.of(readScriptArg(), readScriptArg())); }
            case "pi" -> { return new Sym("pi"); }
            case "infty", "infin", "infinity" -> { return new Sym("inf"); }
            case "emptyset", "varnothing", "O" -> { return new Seq('{', '}', List.of()); }
            case "dots", "ldots", "cdots", "dotsc", "dotsb" -> { return new Sym("..."); }
            case "lfloor", "lceil" -> {
                Node inner = parseSum();
                if (!(accept("rfloor") || accept("rceil"))) throw new ParseException("unclosed \\" + name);
                return new Fn(name.equals("lfloor") ? "floor" : "ceil", List.of(inner));
            }
            case "begin" -> { return environment(); }
            case "imath", "jmath" -> { return new Sym("i"); }
            default -> { }
        }
        if (TEXT_CMDS.contains(name)) return textCommand();
        if (TRANSPARENT.contains(name)) {
            if (name.equals("mathbb") && (peek().is("{") && toks.get(pos + 1).text.equals("R") && toks.get(pos + 2).is("}")
                    || peek().text.equals("R"))) {
                // \mathbb{R}: the whole real line.
                if (accept("{")) { next(); expect("}"); } else next();
                return realLine();
            }
            if (name.equals("operatorname")) {
                String fn = rawGroup().trim();
                if (FUNCS.contains(fn)) return function(fn);
                return new Sym(fn);
            }
            if (peek().is("{")) return parseBraced();
            return parsePrimary();
        }
        if (FUNCS.contains(name)) return function(name);
        return new Sym(name);
    }

    private Node textCommand() {
        String content = rawGroup().strip();
        if (content.isEmpty()) return new Text("");
        // Words stay words ("\\text{Evelyn}", "\\text{(B)}", "\\text{ cm}"); maths inside is parsed ("\\text{13}").
        if (content.chars().anyMatch(Character::isLetter) && content.indexOf('\\') < 0) return new Text(content);
        try {
            return parse(content, deadline);
        } catch (ParseException e) {
            return new Text(content);
        }
    }

    /** The raw text of a {...} group (for \text and \operatorname), or a single token without braces. */
    private String rawGroup() {
        if (!peek().is("{")) return next().text;
        next();
        StringBuilder sb = new StringBuilder();
        int d = 1;
        while (true) {
            Tok t = next();
            if (t.kind == Kind.END) throw new ParseException("unclosed {");
            if (t.is("{")) d++;
            if (t.is("}") && --d == 0) break;
            if (t.kind == Kind.CMD) sb.append('\\');
            if (!sb.isEmpty() && (t.kind == Kind.WORD || t.kind == Kind.NUM)) {
                char last = sb.charAt(sb.length() - 1);
                if (Character.isLetterOrDigit(last)) sb.append(' ');
            }
            sb.append(t.text);
        }
        return sb.toString();
    }

    private Node function(String name) {
        Node power = null;
        String fn = name;
        Node logBase = null;
        if (accept("^")) {
            power = readScriptArg();
            if (power instanceof Num(BigRational v, boolean a) && v.equals(BigRational.ONE.negate()) && fn.matches("sin|cos|tan")) {
                fn = "arc" + fn;
                power = null;
            }
        }
        if ((fn.equals("log")) && accept("_")) logBase = readScriptArg();
        if (power == null && accept("^")) power = readScriptArg();
        Node arg;
        if (peek().is("(")) {
            next();
            Node inner = parseList();
            expect(")");
            arg = inner;
        } else if (peek().is("{")) {
            arg = parseBraced();
        } else {
            // \sin 2x, \cos a: the argument runs through the implicit product that follows.
            List<Node> f = new ArrayList<>();
            f.add(parsePower());
            while (startsPrimary(peek()) && !(peek().kind == Kind.CMD && (FUNCS.contains(peek().text) || peek().text.equals("frac")))
                    && !peek().is("(") && !(peek().kind == Kind.WORD && FUNCTION_WORDS.contains(peek().text))) {
                f.add(parsePower());
            }
            arg = f.size() == 1 ? f.get(0) : new Mul(f);
        }
        List<Node> args = new ArrayList<>(items(arg));
        if (logBase != null) args.add(0, logBase);
        Node r = new Fn(fn.equals("lg") ? "log10" : fn, args);
        return power == null ? r : new Pow(r, power);
    }

    private Node environment() {
        String env = rawGroup().strip();
        if (env.equals("array")) rawGroup();
        List<List<Node>> rows = new ArrayList<>();
        List<Node> row = new ArrayList<>();
        while (true) {
            Tok t = peek();
            if (t.is("end")) {
                next();
                rawGroup();
                break;
            }
            if (t.kind == Kind.END) throw new ParseException("unclosed \\begin{" + env + "}");
            if (t.kind == Kind.ROWSEP) {
                next();
                if (!row.isEmpty()) rows.add(row);
                row = new ArrayList<>();
                continue;
            }
            if (t.is("&")) { next(); continue; }
            if (t.is("hline")) { next(); continue; }
            row.add(parseRelation());
        }
        if (!row.isEmpty()) rows.add(row);
        if (!env.contains("matrix") && !env.equals("array")) {
            // align/cases and friends: keep the last line's content as the answer.
            if (rows.isEmpty()) throw new ParseException("empty \\begin{" + env + "}");
            List<Node> last = rows.get(rows.size() - 1);
            return last.get(last.size() - 1);
        }
        int width = rows.isEmpty() ? 0 : rows.get(0).size();
        for (List<Node> r : rows) if (r.size() != width) throw new ParseException("ragged matrix");
        return new Matrix(rows);
    }
}
