package io.srm4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The srm4j command line. Each subcommand lives in its own class; register new ones here. */
@Command(name = "srm4j", mixinStandardHelpOptions = true, version = "srm4j 0.1.0",
        description = "Small reasoning models on the JVM: run, think at test time, measure, train, serve.",
        subcommands = {
                BenchCommand.class,
                ChatCommand.class,
                DemoCommand.class,
                EvalCommand.class,
                ExportCommand.class,
                GenerateCommand.class,
                GradeCommand.class,
                InspectCommand.class,
                LabCommand.class,
                TokenizeCommand.class,
                TrainCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            // Expected failures (bad files, bad arguments) get one clear line; set SRM4J_DEBUG for the trace.
            commandLine.getErr().println("srm4j " + commandLine.getCommandName() + ": " + describe(ex));
            if (System.getenv("SRM4J_DEBUG") != null) ex.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    static String describe(Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) msg = ex.getClass().getSimpleName();
        if (ex instanceof java.nio.file.NoSuchFileException) msg = "no such file: " + msg;
        return msg;
    }
}
