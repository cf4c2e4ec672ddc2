package io.srm4j.cli;

import io.srm4j.train.lab.Lab;
import io.srm4j.train.lab.LabConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "lab", description = {
        "Train a direct-answer and a chain-of-thought model from scratch on synthetic reasoning problems with the",
        "same size and budget, evaluate both on held-out problems (greedy and self-consistency) and print and save",
        "the table with 95%% confidence intervals. Resumes an interrupted run in the same --out folder."})
final class LabCommand implements Callable<Integer> {
    private static final LabConfig D = LabConfig.defaults();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", defaultValue = "lab-out", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--task", description = "task family: sum (default), shift-sum or shift-digit (or <name>-<terms>-<starts>[-<range>]), countdown (or countdown-<numbers>), chain or chain-paths")
    String task = D.task();
    @Option(names = "--seed", description = "seed of data, initialisation and sampling (default: 42)")
    long seed = D.seed();
    @Option(names = "--dim", description = "model width") int dim = D.dim();
    @Option(names = "--layers") int layers = D.layers();
    @Option(names = "--heads") int heads = D.heads();
    @Option(names = "--ffn", description = "feed-forward width") int ffn = D.ffn();
    @Option(names = "--seq-len", description = "training sequence length and context") int seqLen = D.seqLen();
    @Option(names = "--batch", description = "sequences per step") int batch = D.batch();
    @Option(names = "--steps", description = "optimiser steps per model") int steps = D.steps();
    @Option(names = "--lr", description = "peak learning rate") float lr = D.learningRate();
    @Option(names = "--warmup", description = "warm-up steps") int warmup = D.warmup();
    @Option(names = "--held-out", description = "held-out problems evaluated") int heldOut = D.heldOut();
    @Option(names = "--samples", description = "samples per problem for self-consistency") int samples = D.samples();
    @Option(names = "--temperature", description = "temperature of those samples") double temperature = D.temperature();
    @Option(names = "--max-tokens", description = "generation budget per answer") int maxTokens = D.maxTokens();
    @Option(names = "--checkpoint-every", description = "steps between checkpoints") int checkpointEvery = D.checkpointEvery();

    @Override
    public Integer call() throws Exception {
        LabConfig config = new LabConfig(task, seed, dim, layers, heads, ffn, seqLen, batch, steps, lr, Math.min(warmup, steps - 1),
                heldOut, samples, temperature, maxTokens, checkpointEvery);
        // The parse result holds the whole command line; keep what follows the subcommand's name.
        var args = spec.commandLine().getParseResult().originalArgs();
        int at = args.indexOf(spec.name());
        String command = "./srm4j lab " + String.join(" ", args.subList(at + 1, args.size()));
        PrintStream log = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Lab.run(config, out, command.strip(), log);
        return 0;
    }
}
