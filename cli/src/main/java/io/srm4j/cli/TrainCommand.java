package io.srm4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code srm4j train <kind>}: training commands (supervised fine-tuning now; reinforcement learning later). */
@Command(name = "train", description = "Train a model on the CPU.", subcommands = {TrainSftCommand.class})
final class TrainCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
