package io.srm4j.train.lab;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The sum of {@code terms} labelled digits, modulo 10: {@code a3+b5+c3+d8+e1=?}. The teacher adds the terms in an
 * order it draws at random, naming each term and writing each running total ({@code e1+c3=4+d8=2+a3=5+b5=0}): every
 * order is a valid reasoning path to the one answer (120 of them for five terms), and different orders rest on
 * different partial sums. That is the setting self-consistency is made for: greedy decoding follows the single most
 * likely order (the lab's model takes the same one on almost every problem) and inherits whatever that order's partial
 * sums lead it to get wrong, while samples spread over many orders, so the mistakes they make on different partial
 * sums scatter over different wrong answers and the right answer, which every correct path shares, wins the vote.
 * The labels make "which terms are left" a question about distinct letters rather than about counts of repeated
 * digits, which a small model learns far more easily (docs/LAB.md has the numbers).
 *
 * <p>A question's answer depends only on its multiset of digits, so {@link #key} is that multiset: a held-out
 * problem's digits never appear in training in any arrangement.
 */
public final class SumTask implements LabTask {
    public static final String NAME = "sum";

    private final int terms;

    public SumTask(int terms) {
        if (terms < 2 || terms > 20) throw new IllegalArgumentException("terms must be between 2 and 20, got " + terms);
        this.terms = terms;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the sum of " + terms + " labelled digits mod 10; the model adds them in an order of its choosing, writing each"
                + " running total inside <think>…</think>";
    }

    @Override
    public LabProblem generate(RandomGenerator random) {
        int[] digits = new int[terms];
        StringBuilder question = new StringBuilder();
        for (int i = 0; i < terms; i++) {
            digits[i] = random.nextInt(10);
            question.append(i == 0 ? "" : "+").append(label(i)).append(digits[i]);
        }
        question.append("=?");
        // A uniformly random order (Fisher–Yates) of the terms.
        int[] order = new int[terms];
        for (int i = 0; i < terms; i++) order[i] = i;
        for (int i = terms - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int total = digits[order[0]];
        StringBuilder trace = new StringBuilder().append(label(order[0])).append(total);
        for (int i = 1; i < terms; i++) {
            total = (total + digits[order[i]]) % 10;
            trace.append('+').append(label(order[i])).append(digits[order[i]]).append('=').append(total);
        }
        return new LabProblem(question.toString(), trace.toString(), Integer.toString(total));
    }

    private static char label(int term) {
        return (char) ('a' + term);
    }

    /** The question's multiset of digits, sorted: all a problem's answer depends on. */
    @Override
    public String key(String question) {
        char[] digits = question.chars().filter(Character::isDigit).collect(StringBuilder::new, StringBuilder::appendCodePoint,
                StringBuilder::append).toString().toCharArray();
        Arrays.sort(digits);
        return new String(digits);
    }

    @Override
    public String checkTrace(LabProblem p) {
        String q = p.question(), t = p.trace();
        if (q.length() != 3 * terms + 1 || !q.endsWith("=?")) return "question is not " + terms + " terms: " + q;
        int[] digitOf = new int[terms];
        int sum = 0;
        for (int i = 0; i < terms; i++) {
            int at = 3 * i;
            if ((i > 0 && q.charAt(at - 1) != '+') || q.charAt(at) != label(i) || !Character.isDigit(q.charAt(at + 1))) return "malformed question " + q;
            digitOf[i] = q.charAt(at + 1) - '0';
            sum += digitOf[i];
        }
        if (t.length() != 2 + 5 * (terms - 1)) return "trace has " + t.length() + " characters, " + terms + " terms need " + (2 + 5 * (terms - 1));
        boolean[] used = new boolean[terms];
        int total = 0;
        for (int i = 0; i < terms; i++) {
            int at = i == 0 ? 0 : 2 + 5 * (i - 1) + 1; // the term's label; later steps are "+", label, digit, "=", total
            if (i > 0 && (t.charAt(at - 1) != '+' || t.charAt(at + 2) != '=')) return "malformed trace step " + i + " in " + t;
            int term = t.charAt(at) - 'a';
            if (term < 0 || term >= terms) return "trace step " + i + " names " + t.charAt(at) + ", not a term of " + q;
            if (used[term]) return "trace step " + i + " adds term " + t.charAt(at) + " a second time";
            used[term] = true;
            if (t.charAt(at + 1) != (char) ('0' + digitOf[term])) return "trace step " + i + " says " + t.charAt(at) + " is " + t.charAt(at + 1) + ", the question " + digitOf[term];
            int expected = (total + digitOf[term]) % 10;
            if (i > 0 && t.charAt(at + 3) != (char) ('0' + expected)) {
                return "step " + i + ": " + total + "+" + digitOf[term] + " is " + expected + " (mod 10), the trace says " + t.charAt(at + 3);
            }
            total = expected;
        }
        if (total != sum % 10) return "the trace ends at " + total + ", the sum is " + sum % 10; // cannot happen once every term is used once
        return Integer.toString(total).equals(p.answer()) ? null : "answer " + p.answer() + " is not the final total " + total;
    }
}
