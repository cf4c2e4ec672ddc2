package io.srm4j.reasoning.verify;

/** The answer text is not a mathematical expression this parser understands (or it nests too deeply). */
public final class ParseException extends RuntimeException {
    public ParseException(String message) { super(message, null, false, false); }
}
