package io.srm4j.reasoning.verify;

import io.srm4j.reasoning.answer.AnswerExtractor;
import io.srm4j.reasoning.answer.AnswerKind;

import java.util.List;

/**
 * Grades model responses against gold answers: extracts the answer ({@link AnswerExtractor}), parses both sides
 * ({@link LatexParser}) and compares them ({@link MathVerifier}). Every comparison runs under a time budget; a
 * pathological input yields a verdict (false, reason "timed out" or "could not parse"), never a hang.
 * Thread-safe: instances hold only configuration.
 */
public final class Grader {
    /**
     * @param timeoutMillis               budget for one grade (parse and compare)
     * @param unclosedThinkingHasNoAnswer a response cut off inside {@code <think>} has no answer
     */
    public record Options(long timeoutMillis, boolean unclosedThinkingHasNoAnswer) {
        public static final Options DEFAULT = new Options(2000, true);
    }

    private final Options options;
    private final AnswerExtractor extractor;

    public Grader() { this(Options.DEFAULT); }

    public Grader(Options options) {
        this.options = options;
        this.extractor = new AnswerExtractor(new AnswerExtractor.Options(options.unclosedThinkingHasNoAnswer()));
    }

    public AnswerExtractor extractor() { return extractor; }

    public GradeResult grade(String gold, String prediction) { return grade(gold, prediction, AnswerKind.MATH, List.of()); }

    public GradeResult grade(String gold, String prediction, AnswerKind kind) { return grade(gold, prediction, kind, List.of()); }

    /** @param options multiple-choice options ("A)12", "B)15", … or bare texts in letter order); may be empty */
    public GradeResult grade(String gold, String prediction, AnswerKind kind, List<String> options) {
        if (gold == null || gold.isBlank()) throw new IllegalArgumentException("gold answer is empty");
        if (prediction == null) prediction = "";
        try {
            return kind == AnswerKind.CHOICE ? gradeChoice(gold, prediction, options == null ? List.of() : options) : gradeMath(gold, prediction);
        } catch (Deadline.GradeTimeoutException e) {
            // Parsing the gold or the prediction itself ran out of budget (comparisons report their own timeouts).
            return new GradeResult(false, null, "timed out");
        }
    }

    private GradeResult gradeMath(String gold, String prediction) {
        Deadline deadline = Deadline.after(options.timeoutMillis());
        String goldAnswer = extractor.goldAnswer(gold);
        String goldLetter = goldAnswer == null ? null : AnswerExtractor.letterOf(goldAnswer, 'J');
        if (goldLetter != null) {
            // A maths question whose answer is an option letter (MATH's "\text{(B)}"): read the prediction as a choice.
            String predLetter = extractor.extractChoice(prediction, List.of());
            if (predLetter != null) {
                boolean ok = predLetter.equals(goldLetter);
                return new GradeResult(ok, predLetter, ok ? "same choice" : "different choice (gold " + goldLetter + ")");
            }
        }
        Node goldNode = tryParse(goldAnswer, deadline);
        // A gold list or set of n answers lets n separate boxes in the prediction stand for one answer.
        int parts = goldNode instanceof Node.Seq(char o, char c, List<Node> items) && (o == 0 || o == '{') ? items.size() : 1;
        String extracted = extractor.extractMath(prediction, parts);
        if (extracted == null) {
            boolean cut = extractor.stripThinking(prediction) == null;
            return new GradeResult(false, null, cut ? "no answer: the thinking never closed" : "no answer found");
        }
        return verdict(goldAnswer, goldNode, extracted, deadline);
    }

    private GradeResult gradeChoice(String gold, String prediction, List<String> options) {
        Deadline deadline = Deadline.after(options.isEmpty() ? this.options.timeoutMillis() : this.options.timeoutMillis() * 2);
        char maxLetter = options.isEmpty() ? 'J' : (char) ('A' + options.size() - 1);
        String g = extractor.goldAnswer(gold);
        String goldLetter = AnswerExtractor.letterOf(g, maxLetter);
        if (goldLetter == null) goldLetter = extractor.extractChoice(gold, options);
        String predLetter = extractor.extractChoice(prediction, options);
        if (goldLetter != null) {
            if (predLetter != null) {
                boolean ok = goldLetter.equals(predLetter);
                return new GradeResult(ok, predLetter, ok ? "same choice" : "different choice (gold " + goldLetter + ")");
            }
            if (extractor.stripThinking(prediction) == null) return new GradeResult(false, null, "no answer: the thinking never closed");
            return new GradeResult(false, null, "no choice found");
        }
        // The gold is an option's text: compare the prediction's chosen option text, or its answer, with it.
        String predAnswer = predLetter != null && predLetter.charAt(0) - 'A' < options.size()
                ? AnswerExtractor.optionText(options.get(predLetter.charAt(0) - 'A')) : extractor.extractMath(prediction, 1);
        if (predAnswer == null) return new GradeResult(false, predLetter, "no choice found");
        GradeResult r = verdict(g, tryParse(g, deadline), predAnswer, deadline);
        return new GradeResult(r.correct(), predLetter != null ? predLetter : predAnswer, r.reason());
    }

    private GradeResult verdict(String goldAnswer, Node goldNode, String extracted, Deadline deadline) {
        try {
            if (canonical(goldAnswer).equals(canonical(extracted))) return new GradeResult(true, extracted, "identical after normalisation");
            Node predNode = tryParse(extracted, deadline);
            if (goldNode == null || predNode == null) {
                return new GradeResult(false, extracted, "could not parse the " + (goldNode == null ? "gold" : "predicted") + " answer");
            }
            boolean ok = MathVerifier.equivalent(goldNode, predNode, deadline);
            if (!ok) ok = decimalCommaMatch(goldAnswer, goldNode, extracted, predNode, deadline);
            return new GradeResult(ok, extracted, ok ? "equivalent" : "not equivalent");
        } catch (Deadline.GradeTimeoutException e) {
            return new GradeResult(false, extracted, "timed out");
        } catch (StackOverflowError | RuntimeException e) {
            // The parser bounds its nesting; this is a last guard so that no answer can take the grader down.
            return new GradeResult(false, extracted, "comparison failed: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Whether two answers (already extracted, e.g. from two samples) are the same answer; symmetric, for grouping votes.
     * Boxes and "#### n" wrappers are removed first.
     */
    public boolean equivalent(String a, String b) {
        if (a == null || b == null) return false;
        String x = extractor.goldAnswer(a), y = extractor.goldAnswer(b);
        if (x == null || y == null) return false;
        Deadline d = Deadline.after(options.timeoutMillis());
        try {
            if (canonical(x).equals(canonical(y))) return true;
            Node nx = tryParse(x, d), ny = tryParse(y, d);
            if (nx == null || ny == null) return false;
            return MathVerifier.equivalent(nx, ny, d) || MathVerifier.equivalent(ny, nx, d);
        } catch (Deadline.GradeTimeoutException e) {
            return false;
        } catch (StackOverflowError | RuntimeException e) {
            return false;
        }
    }

    /** Equivalence of two bare answers with the default budget (used to match an answer to an option's text). */
    public static boolean sameAnswer(String a, String b) {
        Deadline d = Deadline.after(Options.DEFAULT.timeoutMillis());
        try {
            if (canonical(a).equals(canonical(b))) return true;
            Node na = tryParse(a, d), nb = tryParse(b, d);
            return na != null && nb != null && MathVerifier.equivalent(na, nb, d);
        } catch (Deadline.GradeTimeoutException | StackOverflowError e) {
            return false;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** "1000,99" or "0,111": a lone number with a decimal comma (not "1,2", a list; not "1,000", thousands). */
    private static final java.util.regex.Pattern DECIMAL_COMMA = java.util.regex.Pattern.compile("^\\s*-?(?:\\d+,\\d{2}|\\d+,\\d{4,}|0,\\d+)\\s*$");

    /** A decimal written with a comma on one side against a decimal with a point on the other. */
    private static boolean decimalCommaMatch(String gold, Node goldNode, String pred, Node predNode, Deadline d) {
        Node g = goldNode, p = predNode;
        if (DECIMAL_COMMA.matcher(pred).matches() && goldNode instanceof Node.Num n && n.approximate()) p = tryParse(pred.replace(',', '.'), d);
        else if (DECIMAL_COMMA.matcher(gold).matches() && predNode instanceof Node.Num n && n.approximate()) g = tryParse(gold.replace(',', '.'), d);
        else return false;
        return g != null && p != null && MathVerifier.equivalent(g, p, d);
    }

    static Node tryParse(String s, Deadline d) {
        if (s == null) return null;
        try {
            return LatexParser.parse(s, d);
        } catch (ParseException | ArithmeticException | NumberFormatException e) {
            return null;
        }
    }

    private static String canonical(String s) {
        String n = LatexParser.normalize(s);
        StringBuilder sb = new StringBuilder(n.length());
        for (int i = 0; i < n.length(); i++) if (!Character.isWhitespace(n.charAt(i))) sb.append(n.charAt(i));
        return sb.toString();
    }
}
