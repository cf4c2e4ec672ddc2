package io.srm4j.eval.grading;

import java.util.Locale;

/** How a benchmark's answers are extracted and compared. */
public enum AnswerKind {
    /** A LaTeX/math expression, usually in the last {@code \boxed{}}; compared by mathematical equivalence. */
    MATH,
    /** A single number (GSM8K, AIME, AMC); compared numerically. */
    NUMBER,
    /** A multiple-choice letter (A–E…); compared as letters. */
    CHOICE;

    public String wireName() { return name().toLowerCase(Locale.ROOT); }

    public static AnswerKind parse(String name) {
        for (AnswerKind kind : values()) {
            if (kind.wireName().equalsIgnoreCase(name.strip())) return kind;
        }
        throw new IllegalArgumentException("unknown answer kind '" + name + "' (expected math, number or choice)");
    }
}
