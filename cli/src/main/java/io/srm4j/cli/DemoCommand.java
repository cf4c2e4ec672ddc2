package io.srm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.train.lab.LabDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "demo", description = {
        "Solve held-out problems live with srm4j's embedded tiny reasoning model (trained from scratch by",
        "`./srm4j lab`): shows reasoning traces and prints greedy and self-consistency accuracy."})
final class DemoCommand implements Callable<Integer> {
    /** The committed model, inside the jar. */
    static final String RESOURCE = "/demo/srm4j-demo.gguf";

    @Option(names = {"-m", "--model"}, description = "a lab model GGUF (default: the embedded one)")
    Path model;
    @Option(names = "--problems", defaultValue = "50", description = "held-out problems to solve (default: ${DEFAULT-VALUE})")
    int problems;
    @Option(names = "--samples", description = "samples per problem for self-consistency (default: the lab's, 32)")
    int samples = io.srm4j.train.lab.LabConfig.defaults().samples();
    @Option(names = "--temperature", description = "temperature of those samples (default: the lab's, 0.6)")
    double temperature = io.srm4j.train.lab.LabConfig.defaults().temperature();
    @Option(names = "--max-tokens", defaultValue = "96") int maxTokens;
    @Option(names = "--show", defaultValue = "3", description = "problems shown with their full reasoning (default: ${DEFAULT-VALUE})")
    int show;
    @Option(names = "--json", description = "print one JSON object instead of the live display")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Path file = model;
        Path temp = null;
        if (file == null) {
            temp = Files.createTempFile("srm4j-demo", ".gguf");
            try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException("the embedded demo model " + RESOURCE + " is missing from the jar");
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            file = temp;
        }
        try {
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            if (!json) {
                out.println("srm4j demo: a " + Files.size(file) / 1024 + " KiB model trained from scratch by the lab");
                out.println("made by: " + LabDemo.commandOf(file));
                out.println("task: " + LabDemo.heldOutOf(file).task().description());
                out.println();
            }
            LabDemo.Result r = LabDemo.run(file, problems, samples, temperature, maxTokens, show, json ? null : out);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("problems", r.problems());
                m.put("greedy_accuracy", r.greedy().accuracy());
                m.put("greedy_ci95", new double[]{r.greedy().low(), r.greedy().high()});
                m.put("self_consistency_accuracy", r.selfConsistency().accuracy());
                m.put("self_consistency_ci95", new double[]{r.selfConsistency().low(), r.selfConsistency().high()});
                m.put("samples", r.samples());
                m.put("temperature", temperature);
                m.put("task", r.task());
                m.put("seed", r.seed());
                m.put("model_command", r.command());
                m.put("seconds", r.seconds());
                out.println(new ObjectMapper().writeValueAsString(m));
            } else {
                out.println();
                out.printf("greedy accuracy:                %.3f  95%% CI [%.3f, %.3f]  (%d problems)%n", r.greedy().accuracy(), r.greedy().low(), r.greedy().high(), r.problems());
                out.printf("self-consistency (%d votes):     %.3f  95%% CI [%.3f, %.3f]%n", r.samples(), r.selfConsistency().accuracy(), r.selfConsistency().low(), r.selfConsistency().high());
                out.printf("time: %.1f s%n", r.seconds());
            }
            return 0;
        } finally {
            if (temp != null) Files.deleteIfExists(temp);
        }
    }
}
