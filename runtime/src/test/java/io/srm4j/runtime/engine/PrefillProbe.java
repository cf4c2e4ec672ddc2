package io.srm4j.runtime.engine;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hand-run (not a test): prompt processing (prefill) of a real model file by two builds of the runtime side by side in
 * one JVM, so that a busy machine's drift hits both alike. -Dold and -Dnew name a class path each (a classes
 * directory with its dependencies, or the CLI's jar); each is loaded with this probe by a loader of its own, loads
 * -Dmodel, and the two prefill a fixed pseudo-random prompt of -Dtokens tokens (default 256) alternately -Dreps times
 * after one warm-up each. Threads: -Dsrm4j.threads, as the CLI's --threads.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dsrm4j.threads=2 \
 *   -cp runtime/target/test-classes -Dold=/tmp/old/srm4j.jar -Dnew=cli/target/srm4j.jar \
 *   -Dmodel=qwen3-0.6b-q4_k_m.gguf io.srm4j.runtime.engine.PrefillProbe
 * </pre>
 */
public final class PrefillProbe {
    public static void main(String[] args) throws Exception {
        String testClasses = PrefillProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        String model = System.getProperty("model");
        if (model == null) throw new IllegalArgumentException("name the model file with -Dmodel");
        int tokens = Integer.getInteger("tokens", 256), reps = Integer.getInteger("reps", 5);
        Method old = prefiller(System.getProperty("old"), testClasses), neu = prefiller(System.getProperty("new"), testClasses);
        old.invoke(null, model, tokens); // warm-up: the JIT, and the weights' pages
        neu.invoke(null, model, tokens);
        List<Double> ratios = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            double o = (double) old.invoke(null, model, tokens), n = (double) neu.invoke(null, model, tokens);
            ratios.add(n / o);
            System.out.printf("pair %d: old %.2f tok/s | new %.2f tok/s | new/old %.2fx%n", rep + 1, o, n, n / o);
        }
        ratios.sort(null);
        System.out.printf("median new/old prefill speed %.2fx over %d pairs (%s, %d tokens)%n", ratios.get(reps / 2), reps, model, tokens);
        System.exit(0);
    }

    private static Method prefiller(String classPath, String testClasses) throws Exception {
        if (classPath == null) throw new IllegalArgumentException("name both builds with -Dold and -Dnew");
        List<URL> urls = new ArrayList<>(List.of(new File(testClasses).toURI().toURL()));
        for (String p : classPath.split(File.pathSeparator)) urls.add(new File(p).toURI().toURL());
        @SuppressWarnings("resource") // lives as long as the probe
        ClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        return loader.loadClass(PrefillProbe.class.getName()).getMethod("prefill", String.class, int.class);
    }

    private static final java.util.Map<String, LanguageModel> MODELS = new java.util.HashMap<>();

    /** Prompt tokens per second of one prefill of {@code tokens} tokens in a fresh session (model loaded once per loader). */
    public static double prefill(String model, int tokens) throws Exception {
        LanguageModel lm = MODELS.get(model);
        if (lm == null) MODELS.put(model, lm = LanguageModel.load(Path.of(model)));
        SplittableRandom r = new SplittableRandom(1234);
        int[] prompt = new int[tokens];
        for (int i = 0; i < tokens; i++) prompt[i] = r.nextInt(Math.min(lm.tokenizer().vocabSize(), 30000));
        Session s = lm.newSession(tokens + 8);
        long t0 = System.nanoTime();
        s.ingest(prompt, new int[1]);
        return tokens * 1e9 / (System.nanoTime() - t0);
    }
}
