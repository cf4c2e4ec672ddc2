package io.srm4j.runtime.chat;

import java.util.Objects;

/**
 * Splits a reasoning model's output into its reasoning (between {@code <think>} and {@code </think>}, tags
 * configurable) and its answer, either for a whole string ({@link #parse}) or incrementally as text deltas arrive
 * ({@link #feed}, then {@link #finish}). Incremental and whole-string parsing agree: the concatenated deltas equal
 * the whole-string result, however the text is cut into deltas, because text that could be the start of a tag is
 * held back until the next delta decides it.
 *
 * <p>Rules: an opening tag counts only at the start of the output (after optional whitespace, which is dropped);
 * without one, everything is answer, unless the parser was told the prompt already opened the think block
 * ({@code startInReasoning}, see {@link ChatTemplate#endsInsideThink}), in which case the output starts as
 * reasoning (and a repeated opening tag there is dropped). The first closing tag ends the reasoning; everything
 * after it, including further tags, is answer. Output that ends while still in reasoning is all reasoning, flagged
 * by {@link Result#unterminated()}. Reasoning and answer are returned verbatim (the newlines around the tags
 * included) so nothing is lost; strip them if wanted.
 */
public final class ReasoningParser {
    public static final String DEFAULT_OPEN = "<think>";
    public static final String DEFAULT_CLOSE = "</think>";

    /** A piece of parsed output; either part may be empty. */
    public record Delta(String reasoning, String content) {
        public static final Delta EMPTY = new Delta("", "");

        public boolean isEmpty() {
            return reasoning.isEmpty() && content.isEmpty();
        }
    }

    /**
     * A whole parsed output.
     *
     * @param reasoning   the text inside the think block (empty if there was none)
     * @param content     the answer
     * @param hadReasoning whether a think block was opened (by the output or the prompt)
     * @param unterminated whether the think block never closed (then content is empty)
     */
    public record Result(String reasoning, String content, boolean hadReasoning, boolean unterminated) {
    }

    private enum State { START, REASONING_START, REASONING, CONTENT }

    private final String open;
    private final String close;
    private final boolean startInReasoning;
    private State state;
    private String pending = "";
    private boolean sawReasoning;
    private boolean finished;

    public ReasoningParser(String openTag, String closeTag, boolean startInReasoning) {
        if (openTag == null || openTag.isEmpty() || closeTag == null || closeTag.isEmpty()) {
            throw new IllegalArgumentException("reasoning tags must be non-empty");
        }
        this.open = openTag;
        this.close = closeTag;
        this.startInReasoning = startInReasoning;
        this.state = startInReasoning ? State.REASONING_START : State.START;
        this.sawReasoning = startInReasoning;
    }

    /** Default {@code <think>}/{@code </think>} tags. */
    public ReasoningParser(boolean startInReasoning) {
        this(DEFAULT_OPEN, DEFAULT_CLOSE, startInReasoning);
    }

    public ReasoningParser() {
        this(false);
    }

    /** Parses a complete output with the default tags. */
    public static Result parse(String output, boolean startInReasoning) {
        return new ReasoningParser(startInReasoning).parseAll(output);
    }

    public static Result parse(String output) {
        return parse(output, false);
    }

    /** Parses a complete output with this parser's tags and start state (the parser must be fresh). */
    public Result parseAll(String output) {
        Delta a = feed(output);
        Delta b = finish();
        return new Result(a.reasoning() + b.reasoning(), a.content() + b.content(), sawReasoning,
                isReasoningUnterminated());
    }

    /** Consumes the next piece of output and returns what it decides; undecided text waits for the next call. */
    public Delta feed(String delta) {
        Objects.requireNonNull(delta, "delta");
        if (finished) throw new IllegalStateException("feed after finish");
        String buf = pending + delta;
        pending = "";
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        while (!buf.isEmpty()) {
            switch (state) {
                case START, REASONING_START -> {
                    String rest = PythonStrings.strip(buf, null, true, false);
                    if (rest.startsWith(open)) {
                        state = State.REASONING;
                        sawReasoning = true;
                        buf = rest.substring(open.length());
                    } else if (open.startsWith(rest)) { // only whitespace or a partial tag so far: wait
                        pending = buf;
                        buf = "";
                    } else {
                        state = state == State.START ? State.CONTENT : State.REASONING;
                    }
                }
                case REASONING -> {
                    int at = buf.indexOf(close);
                    if (at >= 0) {
                        reasoning.append(buf, 0, at);
                        buf = buf.substring(at + close.length());
                        state = State.CONTENT;
                    } else {
                        int keep = partialTagSuffix(buf, close);
                        reasoning.append(buf, 0, buf.length() - keep);
                        pending = buf.substring(buf.length() - keep);
                        buf = "";
                    }
                }
                case CONTENT -> {
                    content.append(buf);
                    buf = "";
                }
            }
        }
        return delta(reasoning, content);
    }

    /** Ends the output: releases held-back text. Afterwards {@link #isReasoningUnterminated()} is final. */
    public Delta finish() {
        if (finished) return Delta.EMPTY;
        finished = true;
        String rest = pending;
        pending = "";
        return switch (state) {
            case START, CONTENT -> new Delta("", rest);
            case REASONING_START, REASONING -> new Delta(rest, "");
        };
    }

    /** True while (or, after finish, if) the output is inside a think block that has not closed. */
    public boolean isReasoningUnterminated() {
        return state == State.REASONING || state == State.REASONING_START;
    }

    /** True once the output is known to be past the reasoning (or never had any). */
    public boolean inContent() {
        return state == State.CONTENT;
    }

    public boolean startsInReasoning() {
        return startInReasoning;
    }

    private static Delta delta(CharSequence reasoning, CharSequence content) {
        return reasoning.isEmpty() && content.isEmpty() ? Delta.EMPTY : new Delta(reasoning.toString(), content.toString());
    }

    /** Length of the longest proper suffix of {@code text} that is a prefix of {@code tag}. */
    private static int partialTagSuffix(String text, String tag) {
        for (int k = Math.min(tag.length() - 1, text.length()); k > 0; k--) {
            if (text.regionMatches(text.length() - k, tag, 0, k)) return k;
        }
        return 0;
    }
}
