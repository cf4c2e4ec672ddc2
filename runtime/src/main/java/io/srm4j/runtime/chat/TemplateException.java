package io.srm4j.runtime.chat;

/**
 * A chat template could not be rendered: it called {@code raise_exception(msg)} (then {@link #raisedByTemplate()} is
 * true and the message is the template's own), or it is malformed, or it did something Python's jinja2 would reject.
 */
public final class TemplateException extends RuntimeException {
    private final boolean raisedByTemplate;

    public TemplateException(String message, boolean raisedByTemplate, Throwable cause) {
        super(message, cause);
        this.raisedByTemplate = raisedByTemplate;
    }

    public TemplateException(String message) {
        this(message, false, null);
    }

    /** True when the template itself called {@code raise_exception}; {@link #getMessage()} is then its message. */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
