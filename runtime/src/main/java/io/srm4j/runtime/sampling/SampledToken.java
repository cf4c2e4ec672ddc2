package io.srm4j.runtime.sampling;

import java.util.List;

/**
 * A chosen token with its log-probability under the model's own distribution (softmax of the raw logits, before
 * penalties, filters and temperature — the confidence signal test-time strategies use) and, when asked for, the
 * most likely alternatives in descending order.
 */
public record SampledToken(int id, float logprob, List<Alternative> top) {
    public record Alternative(int id, float logprob) {}
}
