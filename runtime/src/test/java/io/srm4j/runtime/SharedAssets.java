package io.srm4j.runtime;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (test models, vocabularies, datasets); tests that need it skip with a clear message without it. */
public final class SharedAssets {
    private SharedAssets() {}

    public static Path root() {
        String prop = System.getProperty("srm4j.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("../shared");
        if (!Files.isDirectory(p) && Files.isDirectory(Path.of("../../shared"))) p = Path.of("../../shared");
        return p.toAbsolutePath().normalize();
    }

    /** The path of a file under ../shared, or a skipped test when it is absent. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), () -> "skipped: " + p + " not found (the shared test assets live in ../shared beside the repository)");
        return p;
    }
}
