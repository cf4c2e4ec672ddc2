package io.srm4j.reasoning.verify;

import io.srm4j.reasoning.verify.Node.*;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Exact (rational) and numeric (complex double) evaluation of scalar expression trees. */
final class Evaluator {
    private Evaluator() {}

    static final Set<String> CONSTANTS = Set.of("pi", "e", "i", "inf");

    static void freeVars(Node n, Set<String> out) {
        switch (n) {
            case Sym(String name) -> { if (!CONSTANTS.contains(name)) out.add(name); }
            case Add(List<Node> t) -> t.forEach(x -> freeVars(x, out));
            case Mul(List<Node> f) -> f.forEach(x -> freeVars(x, out));
            case Pow(Node b, Node e) -> { freeVars(b, out); freeVars(e, out); }
            case Fn(String name, List<Node> a) -> a.forEach(x -> freeVars(x, out));
            case Percent(Node v) -> freeVars(v, out);
            case PlusMinus(Node l, Node r) -> { freeVars(l, out); freeVars(r, out); }
            case Seq(char o, char c, List<Node> items) -> items.forEach(x -> freeVars(x, out));
            case Union(List<Node> p) -> p.forEach(x -> freeVars(x, out));
            case Relation(List<Node> ops, List<String> o) -> ops.forEach(x -> freeVars(x, out));
            case Matrix(List<List<Node>> rows) -> rows.forEach(r -> r.forEach(x -> freeVars(x, out)));
            case Num num -> { }
            case Text t -> { }
        }
    }

    static boolean approximate(Node n) {
        return switch (n) {
            case Num(BigRational v, boolean a) -> a;
            case Add(List<Node> t) -> t.stream().anyMatch(Evaluator::approximate);
            case Mul(List<Node> f) -> f.stream().anyMatch(Evaluator::approximate);
            case Pow(Node b, Node e) -> approximate(b) || approximate(e);
            case Fn(String name, List<Node> a) -> a.stream().anyMatch(Evaluator::approximate);
            case Percent(Node v) -> approximate(v);
            case PlusMinus(Node l, Node r) -> approximate(l) || approximate(r);
            default -> false;
        };
    }

    static boolean containsSym(Node n, String sym) {
        return switch (n) {
            case Sym(String name) -> name.equals(sym);
            case Add(List<Node> t) -> t.stream().anyMatch(x -> containsSym(x, sym));
            case Mul(List<Node> f) -> f.stream().anyMatch(x -> containsSym(x, sym));
            case Pow(Node b, Node e) -> containsSym(b, sym) || containsSym(e, sym);
            case Fn(String name, List<Node> a) -> a.stream().anyMatch(x -> containsSym(x, sym));
            case Percent(Node v) -> containsSym(v, sym);
            default -> false;
        };
    }

    private static final BigRational HUNDRED = BigRational.of(100);

    /** The exact rational value, or null when the expression is not (provably, cheaply) rational. */
    static BigRational exact(Node n, Deadline d) {
        d.check();
        try {
            return switch (n) {
                case Num(BigRational v, boolean a) -> v;
                case Add(List<Node> terms) -> {
                    BigRational s = BigRational.ZERO;
                    for (Node t : terms) {
                        BigRational v = exact(t, d);
                        if (v == null) yield null;
                        s = s.add(v);
                    }
                    yield s;
                }
                case Mul(List<Node> factors) -> {
                    BigRational p = BigRational.ONE;
                    for (Node f : factors) {
                        BigRational v = exact(f, d);
                        if (v == null) yield null;
                        p = p.multiply(v);
                        if (p.bitLength() > BigRational.MAX_BITS) yield null;
                    }
                    yield p;
                }
                case Pow(Node b, Node e) -> {
                    BigRational eb = exact(b, d), ee = exact(e, d);
                    if (eb == null || ee == null) yield null;
                    if (ee.den().bitLength() > 5 || ee.num().bitLength() > 31) yield null;
                    BigRational r = eb;
                    if (!ee.isInteger()) {
                        r = eb.root(ee.den().intValue());
                        if (r == null) yield null;
                    }
                    yield r.pow(ee.num().longValue());
                }
                case Percent(Node v) -> {
                    BigRational x = exact(v, d);
                    yield x == null ? null : x.divide(HUNDRED);
                }
                case Fn(String name, List<Node> args) -> exactFn(name, args, d);
                default -> null;
            };
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private static BigRational exactFn(String name, List<Node> args, Deadline d) {
        if (args.size() == 1) {
            BigRational x = exact(args.get(0), d);
            if (x == null) return null;
            return switch (name) {
                case "sqrt" -> x.root(2);
                case "abs" -> x.signum() < 0 ? x.negate() : x;
                case "floor" -> floor(x);
                case "ceil" -> floor(x.negate()).negate();
                case "factorial" -> {
                    if (!x.isInteger() || x.signum() < 0 || x.num().compareTo(BigInteger.valueOf(500)) > 0) yield null;
                    BigInteger f = BigInteger.ONE;
                    for (int k = 2; k <= x.num().intValue(); k++) f = f.multiply(BigInteger.valueOf(k));
                    yield new BigRational(f, BigInteger.ONE);
                }
                default -> null;
            };
        }
        if (args.size() == 2) {
            BigRational a = exact(args.get(0), d), b = exact(args.get(1), d);
            if (a == null || b == null) return null;
            return switch (name) {
                case "root" -> a.isInteger() && a.signum() > 0 && a.num().bitLength() < 8 ? b.root(a.num().intValue()) : null;
                case "binom" -> {
                    if (!a.isInteger() || !b.isInteger() || b.signum() < 0 || a.num().compareTo(BigInteger.valueOf(5000)) > 0) yield null;
                    int nn = a.num().intValue(), kk = b.num().intValue();
                    if (kk > nn && nn >= 0) yield BigRational.ZERO;
                    BigInteger r = BigInteger.ONE;
                    for (int j = 0; j < kk; j++) r = r.multiply(BigInteger.valueOf(nn - j)).divide(BigInteger.valueOf(j + 1));
                    yield new BigRational(r, BigInteger.ONE);
                }
                default -> null;
            };
        }
        return null;
    }

    private static BigRational floor(BigRational x) {
        BigInteger[] qr = x.num().divideAndRemainder(x.den());
        BigInteger q = qr[0];
        if (qr[1].signum() < 0) q = q.subtract(BigInteger.ONE);
        return new BigRational(q, BigInteger.ONE);
    }

    /** Numeric value with the variables bound by {@code env}; NaN where undefined. */
    static Complex eval(Node n, Map<String, Complex> env, Deadline d) {
        d.check();
        return switch (n) {
            case Num(BigRational v, boolean a) -> Complex.real(v.doubleValue());
            case Sym(String name) -> switch (name) {
                case "pi" -> Complex.real(Math.PI);
                case "e" -> Complex.real(Math.E);
                case "i" -> Complex.I;
                case "inf" -> Complex.real(Double.POSITIVE_INFINITY);
                default -> env.getOrDefault(name, Complex.NaN);
            };
            case Add(List<Node> terms) -> {
                Complex s = Complex.ZERO;
                for (Node t : terms) s = s.add(eval(t, env, d));
                yield s;
            }
            case Mul(List<Node> factors) -> {
                Complex p = Complex.ONE;
                for (Node f : factors) p = p.mul(eval(f, env, d));
                yield p;
            }
            case Pow(Node b, Node e) -> {
                Complex cb = eval(b, env, d), ce = eval(e, env, d);
                // Odd roots of negative reals are real in school maths: (-8)^(1/3) = -2.
                if (cb.isReal() && ce.isReal() && cb.re() < 0 && ce.re() != Math.rint(ce.re())) {
                    BigRational q = exact(e, d);
                    if (q != null && q.den().testBit(0)) {
                        double mag = Math.pow(-cb.re(), ce.re());
                        yield Complex.real(q.num().testBit(0) ? -mag : mag);
                    }
                }
                yield cb.pow(ce);
            }
            case Percent(Node v) -> eval(v, env, d).div(Complex.real(100));
            case Fn(String name, List<Node> args) -> evalFn(name, args, env, d);
            default -> Complex.NaN;
        };
    }

    private static Complex evalFn(String name, List<Node> args, Map<String, Complex> env, Deadline d) {
        if (args.size() == 1) {
            Complex x = eval(args.get(0), env, d);
            return switch (name) {
                case "sqrt" -> x.sqrt();
                case "sin" -> x.sin();
                case "cos" -> x.cos();
                case "tan" -> x.tan();
                case "cot" -> x.cos().div(x.sin());
                case "sec" -> Complex.ONE.div(x.cos());
                case "csc" -> Complex.ONE.div(x.sin());
                case "arcsin" -> x.isReal() ? Complex.real(Math.asin(x.re())) : Complex.NaN;
                case "arccos" -> x.isReal() ? Complex.real(Math.acos(x.re())) : Complex.NaN;
                case "arctan" -> x.isReal() ? Complex.real(Math.atan(x.re())) : Complex.NaN;
                case "sinh" -> x.isReal() ? Complex.real(Math.sinh(x.re())) : Complex.NaN;
                case "cosh" -> x.isReal() ? Complex.real(Math.cosh(x.re())) : Complex.NaN;
                case "tanh" -> x.isReal() ? Complex.real(Math.tanh(x.re())) : Complex.NaN;
                case "ln", "log" -> x.log();
                case "log10" -> x.log().div(Complex.real(Math.log(10)));
                case "exp" -> x.exp();
                case "abs" -> Complex.real(x.abs());
                case "floor" -> x.isReal() ? Complex.real(Math.floor(x.re())) : Complex.NaN;
                case "ceil" -> x.isReal() ? Complex.real(Math.ceil(x.re())) : Complex.NaN;
                case "factorial" -> factorial(x);
                default -> Complex.NaN;
            };
        }
        if (args.size() == 2) {
            Complex a = eval(args.get(0), env, d), b = eval(args.get(1), env, d);
            return switch (name) {
                case "root" -> {
                    if (b.isReal() && a.isReal() && b.re() < 0 && a.re() == Math.rint(a.re()) && ((long) a.re()) % 2 != 0) {
                        yield Complex.real(-Math.pow(-b.re(), 1.0 / a.re()));
                    }
                    yield b.pow(Complex.ONE.div(a));
                }
                case "log" -> b.log().div(a.log());
                case "binom" -> factorial(a).div(factorial(b).mul(factorial(a.sub(b))));
                case "gcd", "lcm", "max", "min" -> {
                    if (!a.isReal() || !b.isReal()) yield Complex.NaN;
                    yield switch (name) {
                        case "max" -> Complex.real(Math.max(a.re(), b.re()));
                        case "min" -> Complex.real(Math.min(a.re(), b.re()));
                        default -> {
                            if (a.re() != Math.rint(a.re()) || b.re() != Math.rint(b.re()) || Math.abs(a.re()) > 1e15 || Math.abs(b.re()) > 1e15) yield Complex.NaN;
                            long g = BigInteger.valueOf((long) a.re()).gcd(BigInteger.valueOf((long) b.re())).longValue();
                            yield Complex.real(name.equals("gcd") ? g : (g == 0 ? 0 : Math.abs(a.re() * b.re()) / g));
                        }
                    };
                }
                default -> Complex.NaN;
            };
        }
        return Complex.NaN;
    }

    private static Complex factorial(Complex x) {
        if (!x.isReal() || x.re() < 0 || x.re() != Math.rint(x.re())) return Complex.NaN;
        if (x.re() > 170) return Complex.real(Double.POSITIVE_INFINITY);
        double f = 1;
        for (int k = 2; k <= (int) x.re(); k++) f *= k;
        return Complex.real(f);
    }
}
