package io.srm4j.eval.generation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * n samples of one prompt, asked for in one call so a backend can batch them (shared prompt prefill, one batched
 * decode). Sample {@code i} must be drawn with {@code sampleSeeds.get(i)}: the runner picks the seeds so that a
 * resumed run asks for exactly the samples that are missing and still gets what an uninterrupted run would.
 */
public record GenerationRequest(Prompt prompt, SamplingParams params, List<Long> sampleSeeds) {
    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(params, "params");
        sampleSeeds = List.copyOf(sampleSeeds);
        if (sampleSeeds.isEmpty()) throw new IllegalArgumentException("a generation request needs at least one sample");
    }

    /** n samples seeded {@code params.seed()}, {@code params.seed() + 1}, …. */
    public static GenerationRequest of(Prompt prompt, SamplingParams params, int n) {
        if (n <= 0) throw new IllegalArgumentException("n must be > 0, got " + n);
        List<Long> seeds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) seeds.add(params.seed() + i);
        return new GenerationRequest(prompt, params, seeds);
    }

    public int n() { return sampleSeeds.size(); }

    /** The sampling parameters of sample {@code i}: the request's, with that sample's seed. */
    public SamplingParams paramsFor(int i) { return params.withSeed(sampleSeeds.get(i)); }
}
