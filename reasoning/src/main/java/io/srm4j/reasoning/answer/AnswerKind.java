package io.srm4j.reasoning.answer;

/** How a gold answer is compared: as mathematics (numbers, expressions, sets...) or as a multiple-choice letter. */
public enum AnswerKind {
    MATH, CHOICE;

    public static AnswerKind parse(String s) {
        return switch (s == null ? "math" : s.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "math", "" -> MATH;
            case "choice", "mc", "multiple_choice", "multiple-choice" -> CHOICE;
            default -> throw new IllegalArgumentException("unknown answer kind '" + s + "' (expected math or choice)");
        };
    }
}
