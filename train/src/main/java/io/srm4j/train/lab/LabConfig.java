package io.srm4j.train.lab;

import io.srm4j.train.model.TransformerConfig;

/**
 * Everything a lab run depends on; two runs with equal configs produce the same models and the same table.
 *
 * @param steps       optimiser steps per model (both models get the same budget: steps × batch × seqLen positions)
 * @param samples     samples per problem for self-consistency (majority vote)
 * @param temperature sampling temperature of those samples
 */
public record LabConfig(String task, long seed, int dim, int layers, int heads, int ffn, int seqLen, int batch,
                        int steps, float learningRate, int warmup, int heldOut, int samples, double temperature,
                        int maxTokens, int checkpointEvery) {
    public LabConfig {
        LabTask.byName(task);
        if (steps < 2 || batch < 1 || heldOut < 1 || samples < 1 || maxTokens < 1 || checkpointEvery < 1) {
            throw new IllegalArgumentException("steps (>= 2), batch, held-out problems, samples, max tokens and checkpoint interval must be positive: " + this);
        }
        if (warmup < 0 || warmup >= steps) throw new IllegalArgumentException("need 0 <= warmup < steps, got " + warmup + " and " + steps);
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        if (!(temperature > 0)) throw new IllegalArgumentException("self-consistency needs a positive temperature, got " + temperature);
    }

    /** The defaults `./srm4j lab` runs with (sized to finish within 20 minutes on 2 cores). */
    public static LabConfig defaults() {
        return new LabConfig(SumTask.NAME, 42, 64, 2, 4, 256, 104, 8, 3000, 3e-3f, 30, 400, 32, 0.6, 48, 50);
    }

    public TransformerConfig model(int vocab) {
        return new TransformerConfig(dim, layers, heads, heads, ffn, vocab, seqLen, 10000f, 1e-5f, false);
    }

    public LabConfig withSteps(int s) {
        return new LabConfig(task, seed, dim, layers, heads, ffn, seqLen, batch, s, learningRate, Math.min(warmup, s / 5), heldOut, samples, temperature, maxTokens, checkpointEvery);
    }
}
