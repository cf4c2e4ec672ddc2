package io.srm4j.runtime.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Memoises reference generations for the life of the test JVM, keyed by the model's content hash (not its path: the
 * same synthetic spec written twice hits the cache), the runtime options, the prompt ids, n, top and the EOG rule.
 * Requests that miss are run together in one child process, so a test asking for ten prompts loads the model once.
 */
public final class ReferenceCache {
    private ReferenceCache() {}

    private record FileStamp(Path path, long size, long modified) {}

    private static final Map<FileStamp, String> HASHES = new ConcurrentHashMap<>();
    private static final Map<String, LlamaCppNode.Generation> NODE = new ConcurrentHashMap<>();
    private static final Map<String, String> JAVA = new ConcurrentHashMap<>();
    private static final AtomicInteger NODE_PROCESSES = new AtomicInteger();
    private static final AtomicInteger JAVA_PROCESSES = new AtomicInteger();

    /** Cached {@link LlamaCppNode} generations, in request order. */
    public static List<LlamaCppNode.Generation> node(Path model, LlamaCppNode.Options options, List<LlamaCppNode.Request> requests) throws IOException {
        String prefix = sha256(model) + "|" + options.cacheKey() + "|";
        Map<String, LlamaCppNode.Request> missing = new LinkedHashMap<>();
        for (LlamaCppNode.Request r : requests) {
            String key = prefix + r.cacheKey();
            if (!NODE.containsKey(key)) missing.putIfAbsent(key, r);
        }
        if (!missing.isEmpty()) {
            NODE_PROCESSES.incrementAndGet();
            List<LlamaCppNode.Generation> gens = LlamaCppNode.run(model, options, List.copyOf(missing.values())).generations();
            int i = 0;
            for (String key : missing.keySet()) NODE.put(key, gens.get(i++));
        }
        List<LlamaCppNode.Generation> out = new ArrayList<>(requests.size());
        for (LlamaCppNode.Request r : requests) {
            out.add(NODE.get(prefix + r.cacheKey()));
        }
        return out;
    }

    /** One cached greedy generation with default options. */
    public static int[] nodeGreedy(Path model, int[] prompt, int n) throws IOException {
        return node(model, LlamaCppNode.Options.defaults(), List.of(LlamaCppNode.Request.greedy(prompt, n))).getFirst().tokens();
    }

    /** Cached {@link LlamaCppJava} completion texts, in request order. */
    public static List<String> java(Path model, LlamaCppJava.Options options, List<LlamaCppJava.Request> requests) throws IOException {
        String prefix = sha256(model) + "|t" + options.threads() + ",c" + options.contextSize() + "|";
        Map<String, LlamaCppJava.Request> missing = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        for (LlamaCppJava.Request r : requests) {
            String prompt = r.tokens() != null ? "ids" + Arrays.toString(r.tokens()) : "text:" + r.text();
            String key = prefix + prompt + "|n" + r.n() + "|ignoreEos" + r.ignoreEos();
            keys.add(key);
            if (!JAVA.containsKey(key)) missing.putIfAbsent(key, r);
        }
        if (!missing.isEmpty()) {
            JAVA_PROCESSES.incrementAndGet();
            List<LlamaCppJava.Completion> done = LlamaCppJava.run(model, options, List.copyOf(missing.values())).completions();
            int i = 0;
            for (String key : missing.keySet()) JAVA.put(key, done.get(i++).text());
        }
        return keys.stream().map(JAVA::get).toList();
    }

    /** How many child processes the cache has started so far (for tests of the cache itself). */
    public static int nodeProcesses() {
        return NODE_PROCESSES.get();
    }

    public static int javaProcesses() {
        return JAVA_PROCESSES.get();
    }

    /** SHA-256 of a file's content, remembered per (path, size, modification time). */
    public static String sha256(Path file) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        FileStamp stamp = new FileStamp(abs, Files.size(abs), Files.getLastModifiedTime(abs).toMillis());
        String h = HASHES.get(stamp);
        if (h != null) return h;
        try (InputStream in = Files.newInputStream(abs)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            h = HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        HASHES.put(stamp, h);
        return h;
    }
}
