package io.srm4j.reasoning.verify;

import io.srm4j.reasoning.answer.AnswerKind;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraderPropertiesTest {
    private static final Grader GRADER = new Grader();

    /** Ways of writing p/q (q > 0) that every grader user expects to be read as the same number. */
    static List<String> spellings(long p, long q) {
        List<String> out = new ArrayList<>();
        String sign = p < 0 ? "-" : "";
        long a = Math.abs(p);
        out.add(sign + "\\frac{" + a + "}{" + q + "}");
        out.add(sign + "\\dfrac{" + a + "}{" + q + "}");
        out.add("\\frac{" + p + "}{" + q + "}");
        out.add(p + "/" + q);
        out.add("$" + sign + "\\tfrac{" + a + "}{" + q + "}$");
        out.add("\\boxed{" + sign + "\\frac{" + (2 * a) + "}{" + (2 * q) + "}}");
        out.add("\\left(" + sign + "\\frac{" + a + "}{" + q + "}\\right)");
        BigDecimal d = new BigDecimal(p);
        try {
            BigDecimal exact = d.divide(new BigDecimal(q));
            out.add(exact.toPlainString());
            out.add("The answer is " + exact.toPlainString() + ".");
        } catch (ArithmeticException nonTerminating) {
            // No finite decimal: 12 significant digits are within the stated 1e-6 tolerance.
            out.add(d.divide(new BigDecimal(q), new java.math.MathContext(12)).toPlainString());
        }
        if (a > q && a % q != 0) out.add(sign + (a / q) + "\\frac{" + (a % q) + "}{" + q + "}");
        if (q == 1) {
            out.add(String.format("%,d", p));
            out.add(p + ".0");
            out.add("#### " + p);
        }
        return out;
    }

    @Property(tries = 150)
    void anyRationalWrittenAnyWayEqualsItself(@ForAll @LongRange(min = -100000, max = 100000) long p, @ForAll @LongRange(min = 1, max = 2000) long q) {
        List<String> forms = spellings(p, q);
        String gold = forms.get(0);
        for (String f : forms) {
            GradeResult r = GRADER.grade(gold, f);
            assertTrue(r.correct(), () -> gold + " vs " + f + " -> " + r);
            GradeResult back = GRADER.grade(f, gold);
            assertTrue(back.correct(), () -> f + " vs " + gold + " -> " + back);
        }
    }

    @Property(tries = 150)
    void differentRationalsDiffer(@ForAll @LongRange(min = -5000, max = 5000) long p, @ForAll @LongRange(min = 1, max = 500) long q,
                                  @ForAll @LongRange(min = -5000, max = 5000) long r, @ForAll @LongRange(min = 1, max = 500) long s) {
        Assume.that(BigInteger.valueOf(p).multiply(BigInteger.valueOf(s)).compareTo(BigInteger.valueOf(r).multiply(BigInteger.valueOf(q))) != 0);
        String a = "\\frac{" + p + "}{" + q + "}", b = "\\frac{" + r + "}{" + s + "}";
        assertFalse(GRADER.grade(a, b).correct(), a + " vs " + b);
        assertFalse(GRADER.equivalent(a, b), a + " ~ " + b);
    }

    @Property(tries = 100)
    void equivalenceIsSymmetric(@ForAll("answers") String a, @ForAll("answers") String b) {
        assertEquals(GRADER.equivalent(a, b), GRADER.equivalent(b, a), a + " ~ " + b);
        assertTrue(GRADER.equivalent(a, a), a);
    }

    @Provide
    Arbitrary<String> answers() {
        return Arbitraries.of("1/2", "0.5", "\\frac{1}{2}", "2", "x+1", "1+x", "(1,2)", "[1,2]", "\\{1,2\\}", "x=3", "3", "50\\%",
                "\\sqrt{2}", "2^{1/2}", "\\pi", "3.14159", "1\\pm\\sqrt{2}", "x>3", "(3,\\infty)", "\\text{east}", "B", "(B)");
    }

    /** Random LaTeX-ish junk always gets a verdict quickly: no exception, no hang, no stack overflow. */
    @Property(tries = 200)
    void junkAlwaysGetsAVerdict(@ForAll("junk") String junk, @ForAll @IntRange(min = 0, max = 1) int kind) {
        long t0 = System.nanoTime();
        GradeResult r = GRADER.grade("\\frac{1}{2}", junk, kind == 0 ? AnswerKind.MATH : AnswerKind.CHOICE);
        assertNotNull(r.reason());
        assertTrue(GRADER.equivalent(junk, junk) || true);
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 5000, "too slow on " + junk);
    }

    @Provide
    Arbitrary<String> junk() {
        Arbitrary<String> token = Arbitraries.of("\\frac", "\\sqrt", "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", "1", "23", "x", "\\pi",
                "\\boxed{", "$", "\\left(", "\\right)", "+", "-", "=", "<", "\\le", ",", "\\cup", "\\pm", "%", "\\text{", " ", "i", "e", "!",
                "\\begin{pmatrix}", "&", "\\\\", "\\end{pmatrix}", "<think>", "</think>", "the answer is", "(B)", "0.5", "\\infty", "|", "/", "\\cdot");
        return token.list().ofMaxSize(60).map(l -> String.join("", l));
    }
}
