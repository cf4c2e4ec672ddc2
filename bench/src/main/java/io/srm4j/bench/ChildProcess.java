package io.srm4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one benchmark in its own process with a deadline. Output goes to temporary files rather than pipes, so a
 * chatty native library can never block on a full pipe; on timeout the child and its descendants are killed.
 */
final class ChildProcess {
    private ChildProcess() {}

    record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
        /** The last line of stdout that starts with '{': the JSON result, whatever a native library printed before it. */
        String jsonLine() {
            return lastJsonLine(stdout);
        }
    }

    static Result run(List<String> command, Path workDir, Duration timeout) throws IOException {
        Path out = Files.createTempFile("srm4j-bench-", ".out");
        Path err = Files.createTempFile("srm4j-bench-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            if (workDir != null) pb.directory(workDir.toFile());
            Process p = pb.start();
            boolean finished;
            try {
                finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command.getFirst(), e);
            }
            if (!finished) kill(p);
            return new Result(finished ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), !finished);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String lastJsonLine(String stdout) {
        String[] lines = stdout.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (l.startsWith("{") && l.endsWith("}")) return l;
        }
        return null;
    }

    /** The last few lines of a (possibly long, log-filled) stream, for error messages. */
    static String tail(String s) {
        String[] lines = s.strip().split("\n");
        int from = Math.max(0, lines.length - 8);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }
}
