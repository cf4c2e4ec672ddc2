package io.srm4j.eval.generation;

/** Why a sample ended: an end-of-generation token or stop string, or the max_tokens limit. */
public enum FinishReason {
    STOP, LENGTH;

    public String wireName() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static FinishReason fromWire(String name) {
        return switch (name) {
            case "stop" -> STOP;
            case "length" -> LENGTH;
            default -> throw new IllegalArgumentException("unknown finish reason '" + name + "' (expected stop or length)");
        };
    }
}
