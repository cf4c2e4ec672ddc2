package io.srm4j.cli;

import io.srm4j.runtime.sampling.SamplingParams;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Sampling and stopping options shared by the commands that generate. Defaults are llama.cpp's. */
final class SamplingOptions {
    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0.0")
    float presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0.0")
    float frequencyPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", description = "tokens the penalties look back at; -1 = all")
    int repeatLastN;

    @Option(names = "--seed", description = "random seed; the same seed, model and prompt give the same output (default: random)")
    Long seed;

    @Option(names = "--top-logprobs", defaultValue = "0", description = "report this many alternatives per token (JSON output)")
    int topLogprobs;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stops = new ArrayList<>();

    long resolvedSeed() {
        if (seed == null) seed = ThreadLocalRandom.current().nextLong() & 0x7fffffffL;
        return seed;
    }

    SamplingParams toParams() {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                repeatLastN, resolvedSeed(), topLogprobs);
    }
}
