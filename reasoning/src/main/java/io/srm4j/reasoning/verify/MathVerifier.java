package io.srm4j.reasoning.verify;

import io.srm4j.reasoning.verify.Node.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Decides whether two parsed answers mean the same thing.
 *
 * <p>Rules, in order: relations are compared as relations (equations up to a non-zero factor, inequalities up to a
 * positive factor and flipping), or unwrapped ("x = 3" against "3"; a chain "a = b = 5" stands for its last member);
 * words compare case- and punctuation-insensitively; ± stands for both signs; sets and bare lists compare unordered,
 * tuples/intervals/matrices ordered with identical brackets; a percentage reads as itself or as a hundredth.
 * Numbers without variables compare exactly as rationals when both sides are exact; an expression with roots,
 * π, logs, trig or i compares numerically to 1e-9 relative. A hand-written decimal (0.333) is approximate: it
 * matches when within 1e-6 relative (of the larger magnitude, at least 1e-6 absolute), so 0.333333 matches 1/3 but
 * 0.33 and 0.3333 do not. Expressions with variables compare at six deterministic positive points (relative 1e-8),
 * and at three negative points wherever both sides are real there (so |x| is not x, but ln(x²) is 2 ln x).
 * Units and words next to a quantity are dropped by the parser, so "5 cm" equals 5 (and, knowingly, "5 m").
 */
public final class MathVerifier {
    private static final double EXACT_TOL = 1e-9;
    private static final double APPROX_TOL = 1e-6;
    private static final double VAR_TOL = 1e-8;
    private static final int POINTS = 6;

    private final Deadline deadline;

    private MathVerifier(Deadline deadline) { this.deadline = deadline; }

    public static boolean equivalent(Node gold, Node pred, Deadline deadline) {
        return new MathVerifier(deadline).eq(gold, pred);
    }

    private boolean eq(Node g, Node p) {
        deadline.check();
        if (g.equals(p)) return true;
        g = reals(g);
        p = reals(p);
        // "x < 2 or x > 3" (a list of one-variable inequalities) against a union of intervals.
        if (p instanceof Union && g instanceof Seq sg && sg.open() == 0) g = asUnion(sg);
        if (g instanceof Union && p instanceof Seq sp && sp.open() == 0) p = asUnion(sp);
        if (g instanceof Relation rg && p instanceof Relation rp) return relationsEqual(rg, rp);
        if (g instanceof Relation rg) return relationVsValue(rg, p);
        if (p instanceof Relation rp) return relationVsValue(rp, g);
        if (g instanceof Text || p instanceof Text) return textEqual(g, p);
        if (hasPlusMinus(g) || hasPlusMinus(p)) return unorderedEqual(choices(g), choices(p));
        if (g instanceof Seq sg && p instanceof Seq sp) return seqEqual(sg, sp);
        if (g instanceof Union ug && p instanceof Union up) return unorderedEqual(ug.parts(), up.parts());
        if (g instanceof Matrix mg && p instanceof Matrix mp) return matrixEqual(mg, mp);
        if (g instanceof Matrix mg && p instanceof Seq sp) return vectorEqual(mg, sp);
        if (p instanceof Matrix mp && g instanceof Seq sg) return vectorEqual(mp, sg);
        if (g instanceof Seq sg) return sg.items().size() == 1 && sg.open() != '(' && sg.open() != '[' && eq(sg.items().get(0), p);
        if (p instanceof Seq sp) return sp.items().size() == 1 && sp.open() != '(' && sp.open() != '[' && eq(g, sp.items().get(0));
        if (g instanceof Union || p instanceof Union || g instanceof Matrix || p instanceof Matrix) return false;
        return scalarEqual(g, p);
    }

    /** "all real numbers" in words is the interval (-∞, ∞). */
    private static Node reals(Node n) {
        if (n instanceof Text(String t)) {
            String c = canon(t);
            if (c.equals("allrealnumbers") || c.equals("allreals") || c.equals("realnumbers") || c.equals("allrealx")) return LatexParser.realLine();
        }
        return n;
    }

    private static Node asUnion(Seq s) {
        List<Node> parts = new ArrayList<>();
        for (Node item : s.items()) {
            Node interval = item instanceof Relation r ? toInterval(r) : null;
            if (interval == null) return s;
            if (interval instanceof Union(List<Node> inner)) parts.addAll(inner);
            else parts.add(interval);
        }
        return new Union(parts);
    }

    // ---------------------------------------------------------------- relations

    private boolean relationsEqual(Relation g, Relation p) {
        if (g.operands().size() == 2 && p.operands().size() == 2) {
            String og = g.ops().get(0), op = p.ops().get(0);
            Node gl = g.operands().get(0), gr = g.operands().get(1), pl = p.operands().get(0), pr = p.operands().get(1);
            if (og.equals("<") || og.equals("<=")) { og = og.replace('<', '>'); Node t = gl; gl = gr; gr = t; }
            if (op.equals("<") || op.equals("<=")) { op = op.replace('<', '>'); Node t = pl; pl = pr; pr = t; }
            if (og.equals(op)) {
                switch (og) {
                    case "=", "!=", ">", ">=" -> {
                        if (proportional(difference(gl, gr), difference(pl, pr), og.startsWith(">"))) return true;
                    }
                    case "in" -> { if (eq(gl, pl) && eq(gr, pr)) return true; }
                    default -> { }
                }
            }
        }
        Node ig = toInterval(g), ip = toInterval(p);
        if (ig != null && ip != null && eq(ig, ip)) return true;
        Node ug = unwrap(g), up = unwrap(p);
        return ug != null && up != null && eq(ug, up);
    }

    private boolean relationVsValue(Relation r, Node value) {
        if (value instanceof Seq || value instanceof Union) {
            Node interval = toInterval(r);
            if (interval != null && eq(interval, value)) return true;
        }
        Node u = unwrap(r);
        return u != null && eq(u, value);
    }

    private static Node difference(Node a, Node b) { return new Add(List.of(a, LatexParser.negate(b))); }

    /** What a relation asserts as "the answer": x = 3 gives 3, a = b = 5 gives 5, x ≈ 11 gives 11, x ∈ S gives S. */
    static Node unwrap(Relation r) {
        List<Node> operands = r.operands();
        List<String> ops = r.ops();
        int implies = ops.lastIndexOf("=>");
        if (implies >= 0) {
            List<Node> rest = operands.subList(implies + 1, operands.size());
            return rest.size() == 1 ? rest.get(0) : unwrap(new Relation(rest, ops.subList(implies + 1, ops.size())));
        }
        if (ops.size() == 1 && ops.get(0).equals("in")) return operands.get(1);
        int approx = ops.indexOf("~");
        if (approx >= 0) {
            if (approx == 0) return operands.get(operands.size() - 1);
            operands = operands.subList(0, approx + 1);
            ops = ops.subList(0, approx);
        }
        if (!ops.stream().allMatch("="::equals)) return null;
        if (operands.size() >= 3) return operands.get(operands.size() - 1);
        Node l = operands.get(0), rhs = operands.get(1);
        if (isNameLike(l)) return rhs;
        if (isNameLike(rhs) && vars(l).isEmpty()) return l;
        return null;
    }

    /** A left-hand side that names the answer rather than constrains it: x, f(x), x_1, (p, q). */
    private static boolean isNameLike(Node n) {
        return switch (n) {
            case Sym s -> !Evaluator.CONSTANTS.contains(s.name());
            // AB, f(x), V_1:V_2, NO/BO: products and quotients of names.
            case Mul(List<Node> f) -> f.stream().allMatch(MathVerifier::isNameLike);
            case Pow(Node b, Node e) -> e instanceof Num(BigRational v, boolean a) && v.equals(BigRational.ONE.negate()) && isNameLike(b);
            case Seq(char o, char c, List<Node> items) -> items.stream().allMatch(MathVerifier::isNameLike);
            default -> false;
        };
    }

    /** An inequality in one variable as an interval: x > 3 is (3, ∞), -2 ≤ x < 7 is [-2, 7). */
    static Node toInterval(Relation r) {
        List<Node> o = r.operands();
        List<String> ops = r.ops();
        Node inf = new Sym("inf"), negInf = LatexParser.negate(new Sym("inf"));
        if (ops.size() == 1 && ops.get(0).equals("in")) return o.get(1);
        if (ops.size() == 1) {
            String op = ops.get(0);
            Node l = o.get(0), rr = o.get(1);
            if (!(l instanceof Sym) || !vars(rr).isEmpty()) {
                if (rr instanceof Sym && vars(l).isEmpty()) { Node t = l; l = rr; rr = t; op = flip(op); }
                else return null;
            }
            return switch (op) {
                case ">" -> new Seq('(', ')', List.of(rr, inf));
                case ">=" -> new Seq('[', ')', List.of(rr, inf));
                case "<" -> new Seq('(', ')', List.of(negInf, rr));
                case "<=" -> new Seq('(', ']', List.of(negInf, rr));
                case "!=" -> new Union(List.of(new Seq('(', ')', List.of(negInf, rr)), new Seq('(', ')', List.of(rr, inf))));
                default -> null;
            };
        }
        if (ops.size() == 2 && isNameLike(o.get(1)) && vars(o.get(0)).isEmpty() && vars(o.get(2)).isEmpty()) {
            String a = ops.get(0), b = ops.get(1);
            Node lo = o.get(0), hi = o.get(2);
            if (a.startsWith(">") && b.startsWith(">")) { Node t = lo; lo = hi; hi = t; String s = flip(b); b = flip(a); a = s; }
            if (a.startsWith("<") && b.startsWith("<")) {
                return new Seq(a.equals("<=") ? '[' : '(', b.equals("<=") ? ']' : ')', List.of(lo, hi));
            }
        }
        return null;
    }

    private static String flip(String op) {
        return switch (op) {
            case "<" -> ">";
            case ">" -> "<";
            case "<=" -> ">=";
            case ">=" -> "<=";
            default -> op;
        };
    }

    /** Whether a = c·b for one constant c (non-zero; positive when {@code positive}), checked at sample points. */
    private boolean proportional(Node a, Node b, boolean positive) {
        TreeSet<String> vars = new TreeSet<>();
        Evaluator.freeVars(a, vars);
        Evaluator.freeVars(b, vars);
        Complex ratio = null;
        int valid = 0;
        for (int k = 0; k < (vars.isEmpty() ? 1 : POINTS); k++) {
            Map<String, Complex> env = point(vars, k);
            Complex va = Evaluator.eval(a, env, deadline), vb = Evaluator.eval(b, env, deadline);
            if (!va.isFinite() || !vb.isFinite()) continue;
            boolean za = va.abs() < 1e-12, zb = vb.abs() < 1e-12;
            if (za && zb) { valid++; continue; }
            if (za != zb) return false;
            Complex r = va.div(vb);
            if (ratio == null) {
                ratio = r;
                if (positive && !(r.isReal() || Math.abs(r.im()) < 1e-12) || positive && r.re() <= 0) return false;
            } else if (r.sub(ratio).abs() > VAR_TOL * Math.max(1, ratio.abs())) return false;
            valid++;
        }
        return valid >= (vars.isEmpty() ? 1 : 2) && (ratio != null || vars.isEmpty());
    }

    // ---------------------------------------------------------------- words

    private boolean textEqual(Node g, Node p) {
        String a = textOf(g), b = textOf(p);
        return a != null && b != null && canon(a).equals(canon(b));
    }

    /** A node read as words: Text, a symbol ("B"), a product of symbols ("east" parsed as e·a·s·t). */
    private static String textOf(Node n) {
        return switch (n) {
            case Text(String t) -> t;
            case Sym(String s) -> s;
            case Mul(List<Node> f) when f.stream().allMatch(x -> x instanceof Sym) -> String.join("", f.stream().map(x -> ((Sym) x).name()).toList());
            case Num(BigRational v, boolean a) -> v.toString();
            default -> null;
        };
    }

    /** Words reduced for comparison: lower case, LaTeX text wrappers and everything but letters and digits removed. */
    public static String canon(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("\\\\text\\w*|\\\\mbox|\\\\mathrm", "").replaceAll("[^\\p{L}\\p{N}]", "");
    }

    // ---------------------------------------------------------------- structures

    private static boolean hasPlusMinus(Node n) {
        return switch (n) {
            case PlusMinus pm -> true;
            case Add(List<Node> t) -> t.stream().anyMatch(MathVerifier::hasPlusMinus);
            case Mul(List<Node> f) -> f.stream().anyMatch(MathVerifier::hasPlusMinus);
            case Pow(Node b, Node e) -> hasPlusMinus(b) || hasPlusMinus(e);
            case Fn(String name, List<Node> a) -> a.stream().anyMatch(MathVerifier::hasPlusMinus);
            case Seq(char o, char c, List<Node> items) -> (o == 0 || o == '{') && items.stream().anyMatch(MathVerifier::hasPlusMinus);
            default -> false;
        };
    }

    /** The values a ± expression (or a bare list / set of them) stands for. */
    private List<Node> choices(Node n) {
        if (n instanceof Seq(char o, char c, List<Node> items) && (o == 0 || o == '{')) {
            List<Node> out = new ArrayList<>();
            for (Node it : items) out.addAll(expand(it));
            return out;
        }
        return expand(n);
    }

    private List<Node> expand(Node n) {
        deadline.check();
        return switch (n) {
            case PlusMinus(Node l, Node r) -> {
                List<Node> out = new ArrayList<>();
                for (Node a : expand(l)) for (Node b : expand(r)) {
                    out.add(new Add(List.of(a, b)));
                    out.add(new Add(List.of(a, LatexParser.negate(b))));
                }
                yield cap(out);
            }
            case Add(List<Node> t) -> combine(t, Add::new);
            case Mul(List<Node> f) -> combine(f, Mul::new);
            case Pow(Node b, Node e) -> combine(List.of(b, e), l -> new Pow(l.get(0), l.get(1)));
            case Fn(String name, List<Node> a) -> combine(a, l -> new Fn(name, l));
            default -> List.of(n);
        };
    }

    private List<Node> combine(List<Node> parts, java.util.function.Function<List<Node>, Node> make) {
        List<List<Node>> acc = new ArrayList<>();
        acc.add(List.of());
        for (Node part : parts) {
            List<List<Node>> nextAcc = new ArrayList<>();
            for (Node v : expand(part)) for (List<Node> prefix : acc) {
                List<Node> l = new ArrayList<>(prefix);
                l.add(v);
                nextAcc.add(l);
            }
            acc = nextAcc.size() > 64 ? nextAcc.subList(0, 64) : nextAcc;
        }
        List<Node> out = new ArrayList<>();
        for (List<Node> l : acc) out.add(make.apply(List.copyOf(l)));
        return out;
    }

    private static List<Node> cap(List<Node> l) { return l.size() > 64 ? l.subList(0, 64) : l; }

    private boolean seqEqual(Seq g, Seq p) {
        boolean gBare = g.open() == 0, pBare = p.open() == 0, gSet = g.open() == '{', pSet = p.open() == '{';
        if ((gBare || gSet) && (pBare || pSet)) return unorderedEqual(g.items(), p.items());
        if (gSet || pSet) return false;
        if (!gBare && !pBare && (g.open() != p.open() || g.close() != p.close())) return false;
        return orderedEqual(g.items(), p.items());
    }

    private boolean orderedEqual(List<Node> a, List<Node> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!eq(a.get(i), b.get(i))) return false;
        return true;
    }

    /** Multiset equality; duplicates collapse first so {1, 1, 2} equals {2, 1} as sets do. */
    private boolean unorderedEqual(List<Node> a, List<Node> b) {
        List<Node> da = dedupe(a), db = dedupe(b);
        if (da.size() != db.size()) return false;
        boolean[] used = new boolean[db.size()];
        outer:
        for (Node x : da) {
            for (int j = 0; j < db.size(); j++) {
                if (!used[j] && eq(x, db.get(j))) { used[j] = true; continue outer; }
            }
            return false;
        }
        return true;
    }

    private List<Node> dedupe(List<Node> l) {
        List<Node> out = new ArrayList<>();
        outer:
        for (Node x : l) {
            for (Node y : out) if (eq(x, y)) continue outer;
            out.add(x);
        }
        return out;
    }

    private boolean matrixEqual(Matrix a, Matrix b) {
        if (a.rows().size() != b.rows().size()) return false;
        for (int i = 0; i < a.rows().size(); i++) if (!orderedEqual(a.rows().get(i), b.rows().get(i))) return false;
        return true;
    }

    /** A column or row vector written as a matrix against the same vector written as a tuple. */
    private boolean vectorEqual(Matrix m, Seq s) {
        if (s.open() != '(' && s.open() != 0) return false;
        List<Node> flat = new ArrayList<>();
        if (m.rows().size() == 1) flat.addAll(m.rows().get(0));
        else if (m.rows().stream().allMatch(r -> r.size() == 1)) m.rows().forEach(r -> flat.add(r.get(0)));
        else return false;
        return orderedEqual(flat, s.items());
    }

    // ---------------------------------------------------------------- scalars

    private boolean scalarEqual(Node g, Node p) {
        for (Node a : percentReadings(g)) for (Node b : percentReadings(p)) if (valueEqual(a, b)) return true;
        return false;
    }

    private static List<Node> percentReadings(Node n) {
        if (n instanceof Percent(Node v)) return List.of(n, v);
        return List.of(n);
    }

    private boolean valueEqual(Node a, Node b) {
        TreeSet<String> vars = new TreeSet<>();
        Evaluator.freeVars(a, vars);
        Evaluator.freeVars(b, vars);
        boolean approx = Evaluator.approximate(a) || Evaluator.approximate(b);
        if (vars.isEmpty()) {
            BigRational ea = Evaluator.exact(a, deadline), eb = Evaluator.exact(b, deadline);
            if (ea != null && eb != null) {
                if (ea.equals(eb)) return true;
                return approx && close(Complex.real(ea.doubleValue()), Complex.real(eb.doubleValue()), APPROX_TOL);
            }
            Complex ca = Evaluator.eval(a, Map.of(), deadline), cb = Evaluator.eval(b, Map.of(), deadline);
            if (!ca.isFinite() || !cb.isFinite()) {
                // Only a written ∞ equals ∞; two overflowing powers are not thereby equal.
                return Evaluator.containsSym(a, "inf") && Evaluator.containsSym(b, "inf") && ca.equals(cb) && !ca.isNaN();
            }
            return close(ca, cb, approx ? APPROX_TOL : EXACT_TOL);
        }
        int valid = 0;
        for (int k = 0; k < POINTS; k++) {
            Map<String, Complex> env = point(vars, k);
            Complex ca = Evaluator.eval(a, env, deadline), cb = Evaluator.eval(b, env, deadline);
            if (ca.isNaN() && cb.isNaN()) continue;
            if (!ca.isFinite() || !cb.isFinite()) { if (ca.equals(cb)) continue; return false; }
            if (!close(ca, cb, approx ? APPROX_TOL : VAR_TOL)) return false;
            valid++;
        }
        if (valid < 2) return false;
        // Negative values too, where both sides are real there: |x| is not x, though they agree for x > 0.
        // Where one side leaves the reals (ln x, sqrt x) the point says nothing, so ln(x^2) still equals 2 ln x.
        for (int k = 0; k < 3; k++) {
            Map<String, Complex> env = point(vars, k);
            env.replaceAll((name, v) -> v.neg());
            Complex ca = Evaluator.eval(a, env, deadline), cb = Evaluator.eval(b, env, deadline);
            if (!ca.isFinite() || !cb.isFinite() || !isReal(ca) || !isReal(cb)) continue;
            if (!close(ca, cb, approx ? APPROX_TOL : VAR_TOL)) return false;
        }
        return true;
    }

    private static boolean isReal(Complex c) {
        return Math.abs(c.im()) <= 1e-12 * Math.max(1, Math.abs(c.re()));
    }

    private static boolean close(Complex a, Complex b, double tol) {
        double scale = Math.max(1, Math.max(a.abs(), b.abs()));
        return a.sub(b).abs() <= tol * scale;
    }

    /** Deterministic pseudo-random values in [0.3, 2.3] (positive keeps roots and logs real for most answers). */
    private static Map<String, Complex> point(TreeSet<String> vars, int k) {
        Map<String, Complex> env = new HashMap<>();
        int j = 0;
        for (String v : vars) {
            double h = Math.sin((k + 1) * 12.9898 + (j + 1) * 78.233) * 43758.5453;
            env.put(v, Complex.real(0.3 + 2 * (h - Math.floor(h))));
            j++;
        }
        return env;
    }

    private static TreeSet<String> vars(Node n) {
        TreeSet<String> s = new TreeSet<>();
        Evaluator.freeVars(n, s);
        return s;
    }
}
