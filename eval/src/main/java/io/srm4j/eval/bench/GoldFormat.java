package io.srm4j.eval.bench;

import java.math.BigDecimal;
import java.util.Locale;

/** How the gold field's raw text becomes the reference answer. */
public enum GoldFormat {
    /** The text as stored (MATH-500's LaTeX answers). */
    AS_IS,
    /** GSM8K: the worked solution ends with {@code #### <number>}; take that number, without thousands commas. */
    GSM8K,
    /** A number written canonically: "025" → "25", "27.0" → "27", "1,000" → "1000". */
    NUMBER,
    /** A choice letter, upper-cased; an integer is read as a 0-based option index. */
    CHOICE;

    public String wireName() { return name().toLowerCase(Locale.ROOT); }

    public static GoldFormat parse(String name) {
        for (GoldFormat format : values()) {
            if (format.wireName().equalsIgnoreCase(name.strip())) return format;
        }
        throw new IllegalArgumentException("unknown gold format '" + name + "' (expected as_is, gsm8k, number or choice)");
    }

    /** @throws IllegalArgumentException naming the problem when the text cannot be read in this format */
    public String normalize(String raw) {
        String text = raw.strip();
        return switch (this) {
            case AS_IS -> text;
            case GSM8K -> {
                int marker = text.lastIndexOf("####");
                if (marker < 0) throw new IllegalArgumentException("GSM8K answer has no '####' final-answer line");
                yield canonicalNumber(text.substring(marker + 4).strip());
            }
            case NUMBER -> canonicalNumber(text);
            case CHOICE -> {
                if (text.matches("\\d+")) {
                    int index = Integer.parseInt(text);
                    if (index > 25) throw new IllegalArgumentException("choice index " + index + " is beyond Z");
                    yield String.valueOf((char) ('A' + index));
                }
                String letter = text.toUpperCase(Locale.ROOT);
                if (!letter.matches("[A-Z]")) throw new IllegalArgumentException("choice answer '" + raw + "' is not a letter");
                yield letter;
            }
        };
    }

    static String canonicalNumber(String text) {
        String cleaned = text.replace(",", "").replace("$", "").strip();
        try {
            BigDecimal value = new BigDecimal(cleaned);
            BigDecimal stripped = value.stripTrailingZeros();
            return stripped.scale() <= 0 ? stripped.toBigIntegerExact().toString() : stripped.toPlainString();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("answer '" + text + "' is not a number");
        }
    }
}
