package io.srm4j.reasoning.verify;

/** A complex double, enough for numeric equivalence checks (principal branches throughout). */
public record Complex(double re, double im) {
    public static final Complex ZERO = new Complex(0, 0);
    public static final Complex ONE = new Complex(1, 0);
    public static final Complex I = new Complex(0, 1);
    public static final Complex NaN = new Complex(Double.NaN, Double.NaN);

    public static Complex real(double re) { return new Complex(re, 0); }
    public boolean isReal() { return im == 0; }
    public boolean isFinite() { return Double.isFinite(re) && Double.isFinite(im); }
    public boolean isNaN() { return Double.isNaN(re) || Double.isNaN(im); }
    public double abs() { return Math.hypot(re, im); }

    public Complex add(Complex o) { return new Complex(re + o.re, im + o.im); }
    public Complex sub(Complex o) { return new Complex(re - o.re, im - o.im); }
    public Complex neg() { return new Complex(-re, -im); }
    public Complex mul(Complex o) {
        if (im == 0 && o.im == 0) return real(re * o.re);
        return new Complex(re * o.re - im * o.im, re * o.im + im * o.re);
    }
    public Complex div(Complex o) {
        if (im == 0 && o.im == 0) return real(re / o.re);
        double d = o.re * o.re + o.im * o.im;
        return new Complex((re * o.re + im * o.im) / d, (im * o.re - re * o.im) / d);
    }
    public Complex exp() {
        double m = Math.exp(re);
        return im == 0 ? real(m) : new Complex(m * Math.cos(im), m * Math.sin(im));
    }
    public Complex log() {
        if (im == 0 && re > 0) return real(Math.log(re));
        return new Complex(Math.log(abs()), Math.atan2(im, re));
    }
    public Complex sqrt() {
        if (im == 0) return re >= 0 ? real(Math.sqrt(re)) : new Complex(0, Math.sqrt(-re));
        double m = abs();
        double r = Math.sqrt((m + re) / 2), i = Math.copySign(Math.sqrt((m - re) / 2), im);
        return new Complex(r, i);
    }
    public Complex pow(Complex e) {
        if (im == 0 && e.im == 0) {
            if (re > 0 || e.re == Math.rint(e.re)) return real(Math.pow(re, e.re));
            if (re == 0) return e.re > 0 ? ZERO : real(Double.POSITIVE_INFINITY);
        }
        if (re == 0 && im == 0) return e.re > 0 ? ZERO : NaN;
        if (e.im == 0 && e.re == Math.rint(e.re) && Math.abs(e.re) <= 64) {
            Complex r = ONE, b = this;
            long n = (long) Math.abs(e.re);
            while (n > 0) { if ((n & 1) == 1) r = r.mul(b); b = b.mul(b); n >>= 1; }
            return e.re < 0 ? ONE.div(r) : r;
        }
        return log().mul(e).exp();
    }
    public Complex sin() { return im == 0 ? real(Math.sin(re)) : new Complex(Math.sin(re) * Math.cosh(im), Math.cos(re) * Math.sinh(im)); }
    public Complex cos() { return im == 0 ? real(Math.cos(re)) : new Complex(Math.cos(re) * Math.cosh(im), -Math.sin(re) * Math.sinh(im)); }
    public Complex tan() { return sin().div(cos()); }
}
