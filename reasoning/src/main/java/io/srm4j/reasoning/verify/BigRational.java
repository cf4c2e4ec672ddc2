package io.srm4j.reasoning.verify;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/** An exact rational number in lowest terms with a positive denominator. */
public record BigRational(BigInteger num, BigInteger den) implements Comparable<BigRational> {
    public static final BigRational ZERO = new BigRational(BigInteger.ZERO, BigInteger.ONE);
    public static final BigRational ONE = new BigRational(BigInteger.ONE, BigInteger.ONE);
    /** Exact results larger than this many bits are abandoned (the caller falls back to floating point). */
    static final int MAX_BITS = 1 << 15;

    public BigRational {
        if (den.signum() == 0) throw new ArithmeticException("division by zero");
        if (den.signum() < 0) { num = num.negate(); den = den.negate(); }
        BigInteger g = num.gcd(den);
        if (!g.equals(BigInteger.ONE) && g.signum() != 0) { num = num.divide(g); den = den.divide(g); }
        if (num.signum() == 0) den = BigInteger.ONE;
    }

    public static BigRational of(long n) { return new BigRational(BigInteger.valueOf(n), BigInteger.ONE); }
    public static BigRational of(BigInteger n, BigInteger d) { return new BigRational(n, d); }

    /** Parses a plain decimal such as "12", "-0.25", ".5" or "1.5e-3" exactly. */
    public static BigRational parseDecimal(String s) {
        BigDecimal d = new BigDecimal(s);
        // 1e999999999 would take the machine down when expanded; no written answer needs such exponents exactly.
        if (Math.abs((long) d.scale()) > 10_000) throw new NumberFormatException("exponent too large in " + s);
        if (d.scale() > 0) return new BigRational(d.unscaledValue(), BigInteger.TEN.pow(d.scale()));
        return new BigRational(d.toBigIntegerExact(), BigInteger.ONE);
    }

    public BigRational add(BigRational o) { return new BigRational(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den)); }
    public BigRational subtract(BigRational o) { return add(o.negate()); }
    public BigRational multiply(BigRational o) { return new BigRational(num.multiply(o.num), den.multiply(o.den)); }
    public BigRational divide(BigRational o) { return new BigRational(num.multiply(o.den), den.multiply(o.num)); }
    public BigRational negate() { return new BigRational(num.negate(), den); }
    public int signum() { return num.signum(); }
    public boolean isInteger() { return den.equals(BigInteger.ONE); }
    public int bitLength() { return Math.max(num.bitLength(), den.bitLength()); }

    /** Integer power, or null when the result would be unreasonably large. */
    public BigRational pow(long e) {
        if (e == 0) return ONE;
        if (Math.abs(e) > MAX_BITS || (long) Math.max(1, bitLength()) * Math.abs(e) > MAX_BITS) {
            // 1 and -1 stay small whatever the exponent.
            if (den.equals(BigInteger.ONE) && num.abs().equals(BigInteger.ONE)) return (e % 2 == 0) ? ONE : this;
            if (num.signum() == 0) return e > 0 ? ZERO : null;
            return null;
        }
        if (e < 0 && num.signum() == 0) throw new ArithmeticException("division by zero");
        BigRational r = new BigRational(num.pow((int) Math.abs(e)), den.pow((int) Math.abs(e)));
        return e > 0 ? r : ONE.divide(r);
    }

    /** The exact k-th root when this number is a perfect k-th power, else null. */
    public BigRational root(int k) {
        if (k == 1) return this;
        if (num.signum() < 0) {
            if (k % 2 == 0) return null;
            BigRational r = negate().root(k);
            return r == null ? null : r.negate();
        }
        BigInteger n = exactRoot(num, k), d = exactRoot(den, k);
        return n == null || d == null ? null : new BigRational(n, d);
    }

    private static BigInteger exactRoot(BigInteger x, int k) {
        if (x.signum() == 0 || x.equals(BigInteger.ONE)) return x;
        BigInteger guess;
        if (k == 2) guess = x.sqrt();
        else {
            double approx = Math.pow(x.doubleValue(), 1.0 / k);
            if (!Double.isFinite(approx) || approx > 1e15) return null;
            guess = BigInteger.valueOf(Math.round(approx));
        }
        for (int delta = -1; delta <= 1; delta++) {
            BigInteger c = guess.add(BigInteger.valueOf(delta));
            if (c.signum() > 0 && c.pow(k).equals(x)) return c;
        }
        return null;
    }

    public double doubleValue() {
        if (num.bitLength() < 1000 && den.bitLength() < 1000) return new BigDecimal(num).divide(new BigDecimal(den), MathContext.DECIMAL64).doubleValue();
        return new BigDecimal(num).divide(new BigDecimal(den), MathContext.DECIMAL64).doubleValue();
    }

    @Override public int compareTo(BigRational o) { return num.multiply(o.den).compareTo(o.num.multiply(den)); }
    @Override public String toString() { return isInteger() ? num.toString() : num + "/" + den; }
}
