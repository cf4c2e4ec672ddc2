package io.srm4j.train.data;

/** Training data that cannot be used as given: a bad line, a template that cannot mark the answer, and so on. */
public final class DataException extends IllegalArgumentException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
