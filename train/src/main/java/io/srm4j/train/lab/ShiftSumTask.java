package io.srm4j.train.lab;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The sum of {@code terms} digits, computed from a starting number of the solver's choosing. The question leaves a
 * blank for every value the solver writes, {@code ??+3=???+5=???+3=???+8=???+1=???-??=??}; the teacher draws a start
 * {@code k} (00–99) at random, fills it into the first and the last blank, adds the terms to it in the question's
 * order, writing every running total with three digits, and takes {@code k} off at the end:
 * {@code 47+3=050+5=055+3=058+8=066+1=067-47=20}, answer {@code 20}. Every start is a valid path to the one answer
 * (a hundred of them), and each shifts every partial sum, so different paths carry at different steps and rest on
 * different facts (the last step, a three-digit minus a two-digit number, most of all). A small model keeps a few of
 * those facts wrong however long it trains, and which ones a path meets depends on its start: greedy decoding commits
 * to one start and inherits that path's wrong facts, while samples spread over starts, so their mistakes scatter over
 * different wrong answers and the right one, shared by every correct path, wins the vote.
 *
 * <p>The trace fills in the question's blanks character for character, so the model finds the next term at a fixed
 * distance rather than by looking it up by label (the look-up of {@link SumTask}). Totals are not reduced modulo
 * anything: under a modulus one operand says nothing about the result until the model attends to both, and a small
 * model's training stalls on a plateau for a seed-dependent time (docs/LAB.md); a plain sum's leading digits rise
 * with each operand, which gives the gradient a slope. {@link #key} is the terms' multiset: a held-out problem's
 * digits never appear in training in any order.
 */
public final class ShiftSumTask implements LabTask {
    public static final String NAME = "shift-sum";
    /**
     * The same traces, but the answer is only the last digit of the sum ({@code 47+3=050+…+1=067-47=20}, answer
     * {@code 0}): a direct answer then needs the sum modulo 10 in one forward pass, which is not linear in the terms
     * (a plain sum is: one attention head averaging the question's digits gives it), while the chain of thought still
     * writes plain totals, which train without a plateau.
     */
    public static final String LAST_DIGIT_NAME = "shift-digit";
    /** The lab's default: five terms, a hundred starts. */
    static final int TERMS = 5, STARTS = 100;
    /** The default of {@link #LAST_DIGIT_NAME}: seven digits, a hundred starts. */
    static final int LAST_DIGIT_TERMS = 7, LAST_DIGIT_STARTS = 100, LAST_DIGIT_RANGE = 10;

    private final int terms, starts, termRange, termWidth, startWidth, totalWidth, answerWidth;
    private final boolean lastDigit;

    /**
     * The task a name from {@link #name()} stands for: {@code shift-sum}, {@code shift-sum-<terms>-<starts>[-<range>]},
     * or the same with {@code shift-digit}.
     */
    static ShiftSumTask byName(String name) {
        boolean last = name.startsWith(LAST_DIGIT_NAME);
        String prefix = last ? LAST_DIGIT_NAME : NAME;
        if (name.equals(NAME)) return new ShiftSumTask(TERMS, STARTS);
        if (name.equals(LAST_DIGIT_NAME)) return new ShiftSumTask(LAST_DIGIT_TERMS, LAST_DIGIT_STARTS, LAST_DIGIT_RANGE, true);
        if (name.startsWith(prefix + "-")) {
            String[] f = name.substring(prefix.length() + 1).split("-");
            try {
                if (f.length == 2) return new ShiftSumTask(Integer.parseInt(f[0]), Integer.parseInt(f[1]), 10, last);
                if (f.length == 3) return new ShiftSumTask(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), last);
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("lab task '" + name + "' is not " + prefix + "-<terms>-<starts>[-<range>]");
    }

    /** {@code starts}: the number of starting values (0 to starts − 1), i.e. of reasoning paths per problem. */
    public ShiftSumTask(int terms, int starts) {
        this(terms, starts, 10);
    }

    /** {@code termRange}: terms are drawn from 0 to termRange − 1 (10: digits, 100: two-digit numbers). */
    public ShiftSumTask(int terms, int starts, int termRange) {
        this(terms, starts, termRange, false);
    }

    /** {@code lastDigit}: the answer is the sum's last digit ({@link #LAST_DIGIT_NAME}) rather than the sum. */
    public ShiftSumTask(int terms, int starts, int termRange, boolean lastDigit) {
        if (terms < 1 || terms > 9) throw new IllegalArgumentException("terms must be between 1 and 9, got " + terms);
        if (starts < 1 || starts > 100) throw new IllegalArgumentException("starts must be between 1 and 100, got " + starts);
        this.terms = terms;
        this.starts = starts;
        if (termRange < 2 || termRange > 100) throw new IllegalArgumentException("terms range over 2 to 100 values, not " + termRange);
        this.termRange = termRange;
        this.lastDigit = lastDigit;
        termWidth = Integer.toString(termRange - 1).length();
        startWidth = Integer.toString(starts - 1).length();
        totalWidth = Integer.toString(starts - 1 + (termRange - 1) * terms).length();
        answerWidth = Integer.toString((termRange - 1) * terms).length();
    }

    @Override
    public String name() {
        String base = lastDigit ? LAST_DIGIT_NAME : NAME;
        boolean isDefault = lastDigit ? terms == LAST_DIGIT_TERMS && starts == LAST_DIGIT_STARTS && termRange == LAST_DIGIT_RANGE
                : terms == TERMS && starts == STARTS && termRange == 10;
        return isDefault ? base : base + "-" + terms + "-" + starts + (termRange == 10 ? "" : "-" + termRange);
    }

    @Override
    public String description() {
        String what = termRange == 10 ? terms + " digits" : terms + " numbers from 0 to " + (termRange - 1);
        return (lastDigit ? "the last digit of the sum of " : "the sum of ") + what + ", from a start (0-" + (starts - 1)
                + ") of the model's choosing that it takes off at the end; every running total is written inside <think>…</think>";
    }

    @Override
    public LabProblem generate(RandomGenerator random) {
        int[] digits = new int[terms];
        for (int i = 0; i < terms; i++) digits[i] = random.nextInt(termRange);
        return solve(digits, random.nextInt(starts));
    }

    /** The question with these terms and the teacher's trace from start {@code start}. */
    LabProblem solve(int[] digits, int start) {
        StringBuilder question = new StringBuilder(blanks(startWidth)), trace = new StringBuilder(pad(start, startWidth));
        int total = start;
        for (int d : digits) {
            total += d;
            question.append('+').append(pad(d, termWidth)).append('=').append(blanks(totalWidth));
            trace.append('+').append(pad(d, termWidth)).append('=').append(pad(total, totalWidth));
        }
        question.append('-').append(blanks(startWidth)).append('=').append(blanks(answerWidth));
        String difference = pad(total - start, answerWidth);
        trace.append('-').append(pad(start, startWidth)).append('=').append(difference);
        return new LabProblem(question.toString(), trace.toString(), answerOf(total - start));
    }

    /** What the solver answers for this sum: the sum itself, or its last digit. */
    private String answerOf(int sum) {
        return lastDigit ? Integer.toString(sum % 10) : pad(sum, answerWidth);
    }

    private static String blanks(int width) {
        return "?".repeat(width);
    }

    private static String pad(int n, int width) {
        String s = Integer.toString(n);
        return "0".repeat(width - s.length()) + s;
    }

    /** The question's terms, sorted: all a problem's answer depends on. */
    @Override
    public String key(String question) {
        int[] d = terms(question);
        if (d == null) return question;
        Arrays.sort(d);
        return Arrays.toString(d);
    }

    /** The terms of a well-formed question, or null. */
    private int[] terms(String q) {
        if (q.length() != startWidth + (2 + termWidth + totalWidth) * terms + 2 + startWidth + answerWidth || !q.startsWith(blanks(startWidth))
                || !q.endsWith("-" + blanks(startWidth) + "=" + blanks(answerWidth))) return null;
        int[] d = new int[terms];
        for (int i = 0; i < terms; i++) {
            int at = startWidth + (2 + termWidth + totalWidth) * i;
            if (q.charAt(at) != '+' || !q.startsWith("=" + blanks(totalWidth), at + 1 + termWidth)) return null;
            for (int c = 1; c <= termWidth; c++) if (!isDigit(q.charAt(at + c))) return null;
            d[i] = Integer.parseInt(q, at + 1, at + 1 + termWidth, 10);
            if (d[i] >= termRange) return null;
        }
        return d;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    @Override
    public String checkTrace(LabProblem p) {
        String q = p.question(), t = p.trace();
        int[] d = terms(q);
        if (d == null) return "question is not " + terms + " terms with blanks: " + q;
        if (t.length() != q.length()) return "trace has " + t.length() + " characters, the question's blanks need " + q.length();
        for (int i = 0; i < q.length(); i++) {
            if (q.charAt(i) == '?') {
                if (!isDigit(t.charAt(i))) return "blank " + i + " filled with '" + t.charAt(i) + "', not a digit: " + t;
            } else if (q.charAt(i) != t.charAt(i)) {
                return "the trace changes the question at " + i + " ('" + q.charAt(i) + "' to '" + t.charAt(i) + "'): " + t;
            }
        }
        int start = Integer.parseInt(t, 0, startWidth, 10), total = start;
        if (start >= starts) return "the trace starts from " + start + ", not one of the " + starts + " starts";
        for (int i = 0; i < terms; i++) {
            int before = total;
            total += d[i];
            int at = startWidth + (2 + termWidth + totalWidth) * i + 2 + termWidth, written = Integer.parseInt(t, at, at + totalWidth, 10);
            if (written != total) return "step " + (i + 1) + ": " + before + "+" + d[i] + " is " + total + ", the trace says " + written;
        }
        int at = startWidth + (2 + termWidth + totalWidth) * terms + 1;
        int taken = Integer.parseInt(t, at, at + startWidth, 10), result = Integer.parseInt(t, at + startWidth + 1, at + startWidth + 1 + answerWidth, 10);
        if (taken != start) return "the trace starts from " + start + " but takes off " + taken;
        if (result != total - start) return "last step: " + total + "-" + start + " is " + (total - start) + ", the trace says " + result;
        int sum = Arrays.stream(d).sum();
        if (result != sum) return "the trace ends at " + result + ", the sum is " + sum; // cannot happen
        return answerOf(result).equals(p.answer()) ? null
                : "answer " + p.answer() + " is not " + (lastDigit ? "the last digit of " : "") + "the final value " + pad(result, answerWidth);
    }
}
