package io.srm4j.runtime.engine;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token (EOS, end of turn...) or a requested stop token. */
    STOP,
    /** The text reached one of the requested stop strings (not included in the output). */
    STOP_STRING,
    /** The token budget ran out. */
    LENGTH,
    /** The context window is full. */
    CONTEXT_FULL,
    /** The listener asked to stop. */
    CANCELLED;

    /** The OpenAI-style name ("stop" or "length"). */
    public String openAiName() {
        return this == LENGTH || this == CONTEXT_FULL ? "length" : "stop";
    }
}
