package io.srm4j.runtime.engine;

import io.srm4j.runtime.sampling.SampledToken;

/** Receives generated tokens as they come. */
@FunctionalInterface
public interface TokenListener {
    /**
     * Called once per generated token with the text it completes (possibly empty: a multi-byte character split over
     * tokens, or text held back while it might begin a stop string). Return false to stop generating.
     */
    boolean onToken(SampledToken token, String textDelta);

    TokenListener NONE = (t, d) -> true;
}
