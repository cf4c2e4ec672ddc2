package io.srm4j.runtime.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a reference program with a deadline. Output goes to temporary files rather than pipes, so a chatty child can
 * never block on a full pipe; on timeout the child and its descendants are killed and the error names the command.
 */
final class ExternalProcess {
    private ExternalProcess() {}

    record Result(int exitCode, String stdout, String stderr, long millis) {}

    static Result run(List<String> command, Map<String, String> env, byte[] stdin, Duration timeout) throws IOException {
        Path out = Files.createTempFile("srm4j-ref-", ".out");
        Path err = Files.createTempFile("srm4j-ref-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            long start = System.nanoTime();
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // The child may exit before reading its input (bad arguments); its stderr says why, reported below.
            }
            boolean finished;
            try {
                finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command.getFirst(), e);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (!finished) {
                kill(p);
                throw new IOException("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command)
                        + "\nstderr tail:\n" + tail(Files.readString(err, StandardCharsets.UTF_8)));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8), millis);
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

    /** The last few lines of a (possibly long, log-filled) stream, for error messages. */
    static String tail(String s) {
        String[] lines = s.strip().split("\n");
        int from = Math.max(0, lines.length - 15);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }

    /** The last line of stdout that starts with '{': the JSON result, whatever a native library printed before it. */
    static String lastJsonLine(String stdout) {
        String[] lines = stdout.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith("{")) return lines[i];
        }
        return null;
    }
}
