package io.srm4j.runtime.engine;

import io.srm4j.runtime.sampling.SampledToken;
import io.srm4j.runtime.sampling.Sampler;
import io.srm4j.runtime.tokenizer.Detokenizer;
import io.srm4j.runtime.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The per-sequence side of generation, shared by the single-sequence {@link Session} and the batched
 * {@link BatchEngine}: sample from logits, detokenize, watch stop tokens and strings, stream to the listener,
 * and decide when the sequence is finished.
 */
final class SequenceDecoder {
    private final GenerationParams params;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final Detokenizer detok;
    private final Session.StopMatcher stops;
    private final TokenListener listener;
    private final List<SampledToken> sampled = new ArrayList<>();
    private int[] out = new int[64];
    private int n;
    private FinishReason reason;

    SequenceDecoder(GenerationParams params, Tokenizer tokenizer, long seed, TokenListener listener) {
        this.params = params;
        this.tokenizer = tokenizer;
        this.sampler = new Sampler(params.sampling().withSeed(seed));
        // Control tokens are not rendered in output, as llama.cpp does by default.
        this.detok = tokenizer == null ? null : tokenizer.detokenizer(false);
        this.stops = new Session.StopMatcher(params.stopStrings());
        this.listener = listener;
        if (params.maxTokens() == 0) reason = FinishReason.LENGTH;
    }

    boolean finished() {
        return reason != null;
    }

    /** The last token sampled (to be fed to the model next). */
    int lastToken() {
        return out[n - 1];
    }

    /**
     * Samples the next token from {@code logits[offset .. offset + vocab)} given the sequence's tokens so far, and
     * streams it. {@code contextFull} says the sequence cannot take another position. Returns true while the
     * sequence goes on (its new token must then be evaluated).
     */
    boolean accept(float[] logits, int offset, int vocab, int[] history, int historyLength, boolean contextFull) {
        return accept(draw(logits, offset, vocab, history, historyLength), contextFull);
    }

    /**
     * Only the sampling half of {@link #accept}: touches nothing but this sequence's sampler, so the sequences of a
     * batch may draw on different threads; {@link #accept(SampledToken, boolean)} then takes the tokens in order.
     */
    SampledToken draw(float[] logits, int offset, int vocab, int[] history, int historyLength) {
        return sampler.sample(logits, offset, vocab, history, historyLength);
    }

    /** Takes a token from {@link #draw}: records and streams it, and decides whether the sequence goes on. */
    boolean accept(SampledToken st, boolean contextFull) {
        if (n == out.length) out = Arrays.copyOf(out, n * 2);
        out[n++] = st.id();
        sampled.add(st);
        boolean endToken = params.stopTokens().contains(st.id())
                || (!params.ignoreEndOfGeneration() && tokenizer != null && tokenizer.isEndOfGeneration(st.id()));
        boolean last = endToken || contextFull || n == params.maxTokens();
        String piece = endToken || detok == null ? "" : detok.push(st.id());
        if (last && detok != null) piece += detok.flush();
        String delta = stops.add(piece, last);
        if (stops.matched() != null) {
            listener.onToken(st, delta);
            reason = FinishReason.STOP_STRING;
        } else if (!listener.onToken(st, delta)) {
            reason = FinishReason.CANCELLED;
        } else if (endToken) {
            reason = FinishReason.STOP;
        } else if (n == params.maxTokens()) {
            reason = FinishReason.LENGTH;
        } else if (contextFull) {
            reason = FinishReason.CONTEXT_FULL;
        }
        return reason == null;
    }

    /** Ends the sequence early (e.g. cancelled from outside). */
    void cancel() {
        if (reason == null) reason = FinishReason.CANCELLED;
    }

    Generation result(int[] prompt, Generation.Timings timings) {
        return new Generation(prompt.clone(), Arrays.copyOf(out, n), stops.text(), reason, stops.matched(),
                List.copyOf(sampled), timings);
    }

    int generated() {
        return n;
    }
}
