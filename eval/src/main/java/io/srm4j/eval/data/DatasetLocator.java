package io.srm4j.eval.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds a benchmark's dataset file when none is given: {@code $SRM4J_DATA/<file>}, then
 * {@code shared/datasets/<file>} in the working directory or any of its parents, then the same next to where
 * srm4j's classes were loaded from (the layout where a checkout sits next to {@code shared/}).
 */
public final class DatasetLocator {
    public static final String ENV = "SRM4J_DATA";

    private final Map<String, String> env;
    private final List<Path> searchFrom;

    /** @param searchFrom folders whose ancestors are searched for {@code shared/datasets}, in order */
    public DatasetLocator(Map<String, String> env, Path... searchFrom) {
        this.env = Map.copyOf(env);
        this.searchFrom = java.util.Arrays.stream(searchFrom).map(p -> p.toAbsolutePath().normalize()).toList();
    }

    /** {@code $SRM4J_DATA}, the working directory, and the location of srm4j's own classes or jar. */
    public static DatasetLocator fromEnvironment() {
        List<Path> from = new ArrayList<>(List.of(Path.of("")));
        try {
            java.security.CodeSource source = DatasetLocator.class.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null) from.add(Path.of(source.getLocation().toURI()));
        } catch (java.net.URISyntaxException | IllegalArgumentException | SecurityException e) {
            // classes loaded from somewhere without a file path (custom loader): search the working directory only
        }
        return new DatasetLocator(System.getenv(), from.toArray(Path[]::new));
    }

    /**
     * @param explicit   the user's {@code --dataset} path, or {@code null}
     * @param fileName   the benchmark's default file name
     */
    public Path resolve(Path explicit, String fileName) throws IOException {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw new NoSuchFileException(explicit.toString(), null, "dataset file given with --dataset not found");
            }
            return explicit;
        }
        List<Path> tried = candidates(fileName);
        for (Path candidate : tried) {
            if (Files.isRegularFile(candidate)) return candidate;
        }
        StringBuilder message = new StringBuilder("dataset file '" + fileName + "' not found; looked in:");
        for (Path candidate : tried) message.append("\n  ").append(candidate);
        if (tried.isEmpty()) message.append(" (nowhere)");
        message.append("\nPass --dataset PATH, or set ").append(ENV).append(" to the folder holding ").append(fileName);
        throw new NoSuchFileException(message.toString());
    }

    List<Path> candidates(String fileName) {
        List<Path> out = new ArrayList<>();
        String dataDir = env.get(ENV);
        if (dataDir != null && !dataDir.isBlank()) out.add(Path.of(dataDir).resolve(fileName));
        for (Path start : searchFrom) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve("shared").resolve("datasets").resolve(fileName);
                if (!out.contains(candidate)) out.add(candidate);
            }
        }
        return out;
    }
}
