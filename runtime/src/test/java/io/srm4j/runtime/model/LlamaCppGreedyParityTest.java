package io.srm4j.runtime.model;

import io.srm4j.runtime.SharedAssets;
import io.srm4j.runtime.engine.Generation;
import io.srm4j.runtime.engine.GenerationParams;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.engine.TokenListener;
import io.srm4j.runtime.sampling.SamplingParams;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.runtime.testing.LlamaCppNode;
import io.srm4j.runtime.testing.SyntheticModels;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Token for token with the current llama.cpp (npm node-llama-cpp, run as a separate process): random-weight llama,
 * qwen2 and qwen3 models written by the project's own GGUF writer in every supported tensor type, and the tiny real
 * models in ../shared, each greedily decoded for 64 tokens by both runtimes from the same prompt ids.
 * Both use an F16 KV cache without flash attention (llama.cpp's CPU flash attention accumulates in F16).
 */
@Tag("conformance")
class LlamaCppGreedyParityTest {
    static final int TOKENS = 64;
    static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
            GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};
    /**
     * Quantised types whose products srm4j sums exactly as llama.cpp's x86 kernels do
     * ({@link io.srm4j.runtime.tensor.ScalarKernels#sumsInGgmlOrder}: Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, Q2_K, Q3_K, Q5_K,
     * Q6_K; and Q4_0 and Q4_K in the repacked gemv/gemm order llama.cpp uses for them on AVX2,
     * {@link io.srm4j.runtime.tensor.RepackedQ4}) — all of them now — are held to what the float types are held to
     * ({@link #assertSameGreedy}). A type summed in neither order (Q4_K with a row count not a multiple of 8) would
     * differ in the last bits of some products, which an F16 or 8-bit rounding downstream can turn into logit
     * differences of ~0.1 (docs/RUNTIME.md); they are held to teacher-forced agreement with llama.cpp's greedy choice
     * on at least {@link #MIN_AGREEING} of 64 steps, and the after-prompt gaps are reported.
     */
    static final int MIN_AGREEING = 52;

    @TempDir
    static Path dir;

    /** How far apart two candidates' logits may be and still count as a tie that rounding order may break. */
    static final double TIE = 0.02;

    private static int[] srm4j(Path model, int[] prompt) throws Exception {
        try (LanguageModel lm = LanguageModel.load(model)) {
            Generation g = lm.newSession(prompt.length + TOKENS + 8).generate(prompt,
                    GenerationParams.of(SamplingParams.GREEDY, TOKENS).ignoringEndOfGeneration(), TokenListener.NONE);
            return g.tokens();
        }
    }

    private static int[] prompt(Path model, String text) throws Exception {
        try (LanguageModel lm = LanguageModel.load(model)) {
            return lm.tokenizePrompt(text);
        }
    }

    /**
     * Compares srm4j with llama.cpp over all 64 steps. Free-running greedy ids must be identical up to the first
     * step where the two best candidates are within {@link #TIE} of each other in llama.cpp (random-weight models
     * over 150k-token vocabularies meet such near-ties now and then, and then rounding order alone decides); from
     * there on srm4j follows llama.cpp's tokens (teacher forcing) and must pick the same token at every step where
     * llama.cpp's own margin is not such a tie.
     */
    static void assertSameGreedy(Path model, int[] prompt, String label) throws Exception {
        assertSameGreedy(model, prompt, label, false);
    }

    /**
     * As {@link #assertSameGreedy(Path, int[], String)}; with {@code exact}, all 64 free-running ids must equal
     * llama.cpp's, near-ties included — what float weights (F32, F16, BF16) are held to now that their products sum
     * in llama.cpp's order (tinyBLAS or the type's vec_dot, {@link io.srm4j.runtime.tensor.MatMul}).
     */
    static void assertSameGreedy(Path model, int[] prompt, String label, boolean exact) throws Exception {
        LlamaCppNode.Generation ref = LlamaCppNode.run(model, LlamaCppNode.Options.defaults(),
                List.of(LlamaCppNode.Request.greedyWithMargins(prompt, TOKENS))).generations().getFirst();
        int[] theirs = ref.tokens();
        int[] ours = srm4j(model, prompt);
        assertTrue(Arrays.stream(theirs).distinct().count() > 3, "degenerate reference output: " + Arrays.toString(theirs));
        int firstDiff = 0;
        while (firstDiff < TOKENS && ours[firstDiff] == theirs[firstDiff]) firstDiff++;
        System.err.printf("%s: free-running greedy ids equal to llama.cpp's for %d of %d steps%n", label, firstDiff, TOKENS);
        if (exact) assertArrayEquals(theirs, Arrays.copyOf(ours, TOKENS), label + ": free-running greedy ids differ from step " + firstDiff);
        if (firstDiff < TOKENS) {
            assertTrue(ref.margin(firstDiff) < TIE, label + ": greedy ids differ at step " + firstDiff + " where llama.cpp's top-2 margin is "
                    + ref.margin(firstDiff) + " (not a near-tie): llama.cpp " + theirs[firstDiff] + ", srm4j " + ours[firstDiff]);
        }
        try (LanguageModel lm = LanguageModel.load(model)) {
            var session = lm.newSession(prompt.length + TOKENS + 8);
            int[] seq = Arrays.copyOf(prompt, prompt.length + TOKENS);
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < TOKENS; i++) {
                float[] logits = session.ingest(Arrays.copyOf(seq, prompt.length + i), null);
                int best = 0;
                for (int v = 1; v < lm.config().vocabSize(); v++) if (logits[v] > logits[best]) best = v;
                if (best != theirs[i] && ref.margin(i) >= TIE) {
                    problems.add("step " + i + ": llama.cpp " + theirs[i] + " (margin " + ref.margin(i) + "), srm4j " + best
                            + " (ahead by " + (logits[best] - logits[theirs[i]]) + ")");
                }
                seq[prompt.length + i] = theirs[i];
            }
            assertTrue(problems.isEmpty(), label + ": " + problems);
        }
    }

    /** See {@link #MIN_AGREEING}. */
    static void assertCloseToLlamaCpp(Path model, int[] prompt, String label) throws Exception {
        var run = LlamaCppNode.run(model, LlamaCppNode.Options.defaults(), List.of(
                LlamaCppNode.Request.greedyWithTop(prompt, 1, 5), LlamaCppNode.Request.greedyWithMargins(prompt, TOKENS)));
        var top = run.generations().get(0).top();
        var ref = run.generations().get(1);
        try (LanguageModel lm = LanguageModel.load(model)) {
            var session = lm.newSession(prompt.length + TOKENS + 8);
            float[] first = session.ingest(prompt, null).clone();
            double worst = 0;
            for (int i = 1; i < top.size(); i++) {
                double theirs = top.get(0).logitMinus(top.get(i));
                double ours = first[top.get(0).token()] - first[top.get(i).token()];
                worst = Math.max(worst, Math.abs(theirs - ours));
            }
            int[] seq = Arrays.copyOf(prompt, prompt.length + TOKENS);
            int agree = 0;
            for (int i = 0; i < TOKENS; i++) {
                float[] logits = session.ingest(Arrays.copyOf(seq, prompt.length + i), null);
                int best = 0;
                for (int v = 1; v < lm.config().vocabSize(); v++) if (logits[v] > logits[best]) best = v;
                if (best == ref.tokens()[i] || ref.margin(i) < TIE) agree++;
                seq[prompt.length + i] = ref.tokens()[i];
            }
            System.err.printf("%s: teacher-forced agreement with llama.cpp on %d of %d steps; after the prompt, top-5 logit gaps within %.2g%n",
                    label, agree, TOKENS, worst);
            assertTrue(agree >= MIN_AGREEING, label + ": srm4j agrees with llama.cpp on only " + agree + " of " + TOKENS + " steps");
        }
    }

    /** {@code -Dsrm4j.parity.types=Q2_K,Q6_K} restricts the synthetic models to those types (all when unset). */
    private static boolean selected(GgmlType type) {
        String only = System.getProperty("srm4j.parity.types", "").trim();
        return only.isEmpty() || Arrays.asList(only.split("\\s*,\\s*")).contains(type.name());
    }

    @TestFactory
    List<DynamicTest> syntheticModelsInEveryType() {
        LlamaCppNode.assumeAvailable();
        List<DynamicTest> tests = new ArrayList<>();
        for (SyntheticModels.Arch arch : SyntheticModels.Arch.values()) {
            for (GgmlType type : TYPES) {
                if (!selected(type)) continue;
                tests.add(DynamicTest.dynamicTest(arch + " " + type, () -> {
                    Path shared = SharedAssets.root();
                    // The 32k SentencePiece vocabulary keeps files and loads small; tokenizers have their own parity suite.
                    var spec = SyntheticModels.Spec.tiny(arch, SyntheticModels.vocab(shared, "llama-spm"))
                            .withType(type)
                            // K-quants need rows that are multiples of 256
                            .withShape(256, 2, 4, 2, arch == SyntheticModels.Arch.QWEN3 ? 128 : 64, 512)
                            .withSeed(7 + type.id);
                    Path model = SyntheticModels.write(spec, dir.resolve(arch + "-" + type + ".gguf"));
                    int[] prompt = prompt(model, "The quick brown fox jumps over the lazy dog. 12 + 30 = 42");
                    if (type.isQuantized() && !io.srm4j.runtime.tensor.ScalarKernels.sumsInGgmlOrder(type)
                            && !io.srm4j.runtime.tensor.RepackedQ4.applies(type, 8)) {
                        assertCloseToLlamaCpp(model, prompt, arch + " " + type);
                    } else {
                        assertSameGreedy(model, prompt, arch + " " + type, !type.isQuantized());
                    }
                }));
            }
        }
        return tests;
    }

    /**
     * The llama.cpp Java users get (de.kherud:llama 4.2.0, build 4916, in a forked JVM; text only, no qwen3): the
     * same 64-token greedy text on float-weight llama and qwen2 files.
     */
    @TestFactory
    List<DynamicTest> javaLlamaCppOnFloatTypes() {
        io.srm4j.runtime.testing.LlamaCppJava.assumeAvailable();
        List<DynamicTest> tests = new ArrayList<>();
        for (SyntheticModels.Arch arch : new SyntheticModels.Arch[]{SyntheticModels.Arch.LLAMA, SyntheticModels.Arch.QWEN2}) {
            for (GgmlType type : new GgmlType[]{GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
                tests.add(DynamicTest.dynamicTest("de.kherud " + arch + " " + type, () -> {
                    var spec = SyntheticModels.Spec.tiny(arch, SyntheticModels.vocab(SharedAssets.root(), "llama-spm"))
                            .withType(type).withSeed(11 + type.id);
                    Path model = SyntheticModels.write(spec, dir.resolve("java-" + arch + "-" + type + ".gguf"));
                    try (LanguageModel lm = LanguageModel.load(model)) {
                        int[] prompt = lm.tokenizePrompt("The quick brown fox");
                        Generation ours = lm.newSession(prompt.length + TOKENS + 8).generate(prompt,
                                GenerationParams.of(SamplingParams.GREEDY, TOKENS).ignoringEndOfGeneration(), TokenListener.NONE);
                        var run = io.srm4j.runtime.testing.LlamaCppJava.run(model, io.srm4j.runtime.testing.LlamaCppJava.Options.defaults(),
                                List.of(io.srm4j.runtime.testing.LlamaCppJava.Request.tokens(prompt, TOKENS)));
                        String theirs = run.completions().getFirst().text();
                        assertTrue(ours.tokens().length == TOKENS && theirs.length() > TOKENS / 2, "a full 64-token completion: " + theirs);
                        org.junit.jupiter.api.Assertions.assertEquals(theirs, ours.text(), arch + " " + type + ": greedy text differs from de.kherud llama.cpp");
                    }
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> tinyRealModels() {
        LlamaCppNode.assumeAvailable();
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : new String[]{"stories260K.gguf", "llama-2-tiny-random.gguf"}) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                Path model = SharedAssets.require("models/tiny/" + name);
                int[] prompt = prompt(model, "Once upon a time");
                assertArrayEquals(LlamaCppNode.greedy(model, prompt, TOKENS), srm4j(model, prompt));
                assertSameGreedy(model, prompt, name);
            }));
        }
        return tests;
    }
}
