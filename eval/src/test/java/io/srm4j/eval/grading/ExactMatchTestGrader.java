package io.srm4j.eval.grading;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TEST ONLY: a deliberately minimal grader (last {@code \boxed{…}} without nesting, else the last number;
 * equivalence by exact string match after trimming). The real grader lives in the reasoning module and is wired
 * in by the integrator; this one exists so eval's own tests do not depend on it.
 */
public class ExactMatchTestGrader implements AnswerGrader {
    private static final Pattern BOXED = Pattern.compile("\\\\boxed\\{([^{}]*)}");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");

    @Override
    public GradeResult grade(String gold, String response, AnswerKind kind) {
        String extracted = extract(response);
        return new GradeResult(extracted != null && equivalent(gold, extracted, kind), extracted);
    }

    @Override
    public boolean equivalent(String a, String b, AnswerKind kind) {
        return a.strip().equals(b.strip());
    }

    static String extract(String response) {
        String last = null;
        Matcher boxed = BOXED.matcher(response);
        while (boxed.find()) last = boxed.group(1).strip();
        if (last != null) return last;
        Matcher number = NUMBER.matcher(response);
        while (number.find()) last = number.group();
        return last;
    }
}
