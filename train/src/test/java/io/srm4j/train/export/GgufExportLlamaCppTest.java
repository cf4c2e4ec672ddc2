package io.srm4j.train.export;

import io.srm4j.runtime.engine.Generation;
import io.srm4j.runtime.engine.GenerationParams;
import io.srm4j.runtime.engine.LanguageModel;
import io.srm4j.runtime.engine.TokenListener;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.sampling.SamplingParams;
import io.srm4j.runtime.testing.LlamaCppJava;
import io.srm4j.runtime.testing.LlamaCppNode;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exported models load in llama.cpp and agree with srm4j: a created-then-trained llama model with the Llama 2
 * SentencePiece vocabulary and a qwen2 (NEOX RoPE) model with the Qwen2 BPE vocabulary, written in F32, F16, Q8_0,
 * Q4_0 and Q6_K, run for 64 greedy tokens by the current llama.cpp (node-llama-cpp, ids) and the one inside
 * de.kherud:llama 4.2.0 (text). Float types must give the same greedy output; quantised ones are held to
 * teacher-forced agreement, as the runtime's own llama.cpp suite holds them (quantised parity is an open question
 * there, not an export one).
 */
@Tag("conformance")
class GgufExportLlamaCppTest {
    static final int TOKENS = 64;
    /** A llama.cpp top-2 logit margin below this is a tie that summation order may break. */
    static final double TIE = 0.02;
    static final int MIN_AGREEING = 52;
    static final WeightType[] TYPES = {WeightType.F32, WeightType.F16, WeightType.Q8_0, WeightType.Q4_0, WeightType.Q6_K};
    static final String PROMPT = "The quick brown fox jumps over the lazy dog. 12 + 30 = 42";

    @TempDir
    static Path dir;

    record Case(String label, boolean neox, String vocab) {}

    static final List<Case> CASES = List.of(new Case("llama", false, "llama-spm"), new Case("qwen2", true, "qwen2"));

    static Path export(Case c, WeightType type) throws Exception {
        Path file = dir.resolve(c.label() + "-" + type + ".gguf");
        if (Files.exists(file)) return file;
        GgufMetadata vocab = ExportFixtures.vocab(c.vocab());
        // rows of 256 so that every type's blocks fit (Q4_0's output then really is Q6_K)
        TransformerConfig config = new TransformerConfig(256, 2, 4, 2, 512, ExportFixtures.vocabSize(vocab), 256, 10000f, 1e-5f, c.neox());
        TransformerModel model = ExportFixtures.decisiveModel(config, 17);
        GgufExport.write(ExportSource.of(model, vocab, "srm4j-export-" + c.label()), type, file);
        return file;
    }

    @TestFactory
    List<DynamicTest> currentLlamaCpp() {
        LlamaCppNode.assumeAvailable();
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : CASES) {
            for (WeightType type : TYPES) {
                tests.add(DynamicTest.dynamicTest(c.label() + " " + type, () -> {
                    Path model = export(c, type);
                    if (type.isQuantized()) assertCloseToLlamaCpp(model, c.label() + " " + type);
                    else assertSameGreedy(model, c.label() + " " + type);
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> javaLlamaCpp() {
        LlamaCppJava.assumeAvailable();
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : CASES) {
            for (WeightType type : new WeightType[]{WeightType.F32, WeightType.F16, WeightType.Q8_0}) {
                tests.add(DynamicTest.dynamicTest("de.kherud " + c.label() + " " + type, () -> {
                    Path model = export(c, type);
                    try (LanguageModel lm = LanguageModel.load(model)) {
                        int[] prompt = lm.tokenizePrompt(PROMPT);
                        Generation ours = lm.newSession(prompt.length + TOKENS + 8).generate(prompt,
                                GenerationParams.of(SamplingParams.GREEDY, TOKENS).ignoringEndOfGeneration(), TokenListener.NONE);
                        var run = LlamaCppJava.run(model, LlamaCppJava.Options.defaults(), List.of(LlamaCppJava.Request.tokens(prompt, TOKENS)));
                        String theirs = run.completions().getFirst().text();
                        assertTrue(theirs.length() > TOKENS / 2, "a full 64-token completion from de.kherud llama.cpp: " + theirs);
                        if (type.isQuantized()) {
                            int agree = teacherForcedJava(lm, model, prompt, ours.tokens());
                            System.err.printf("de.kherud %s %s: teacher-forced agreement with srm4j's greedy tokens on %d of %d steps%n",
                                    c.label(), type, agree, TOKENS);
                            assertTrue(agree >= MIN_AGREEING, c.label() + " " + type + ": de.kherud llama.cpp agrees on only " + agree + " of " + TOKENS + " steps");
                        } else if (!theirs.equals(ours.text())) {
                            // text only from this runner: find the step where the texts part and require a near-tie there
                            int step = divergingStep(lm, ours.tokens(), theirs);
                            double margin = margin(lm, prompt, ours.tokens(), step);
                            System.err.printf("de.kherud %s %s: greedy text equal for %d of %d tokens; there srm4j's top-2 margin is %.3g%n",
                                    c.label(), type, step, TOKENS, margin);
                            assertTrue(margin < JAVA_TIE, c.label() + " " + type + ": greedy text differs from de.kherud llama.cpp at step "
                                    + step + " where srm4j's top-2 margin is " + margin + " (not a near-tie)\nde.kherud: " + theirs + "\nsrm4j:     " + ours.text());
                        } else {
                            System.err.printf("de.kherud %s %s: same %d-token greedy text%n", c.label(), type, TOKENS);
                        }
                    }
                }));
            }
        }
        return tests;
    }

    /**
     * de.kherud's llama.cpp (an older build) rounds F16 products differently from the current one; with text alone
     * the tie test uses srm4j's own margin, which includes the rounding of both sides.
     */
    static final double JAVA_TIE = 0.05;

    /** The first generated step whose text no longer matches {@code theirs}. */
    static int divergingStep(LanguageModel lm, int[] ours, String theirs) {
        String t = theirs.stripLeading(); // a leading space may or may not be decoded on its own
        for (int k = 1; k <= ours.length; k++) {
            String prefix = lm.tokenizer().decode(Arrays.copyOf(ours, k)).stripLeading();
            while (prefix.endsWith("\uFFFD")) prefix = prefix.substring(0, prefix.length() - 1); // a character cut in two
            if (!t.startsWith(prefix)) return k - 1;
        }
        return ours.length;
    }

    /** srm4j's top-2 logit gap at generated step {@code step} of its own greedy run. */
    static double margin(LanguageModel lm, int[] prompt, int[] ours, int step) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + step);
        System.arraycopy(ours, 0, seq, prompt.length, step);
        float[] logits = lm.newSession(seq.length + 1).ingest(seq, null);
        int best = argmax(logits, lm.config().vocabSize());
        double second = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < lm.config().vocabSize(); v++) if (v != best) second = Math.max(second, logits[v]);
        return logits[best] - second;
    }

    /**
     * de.kherud's runner returns text, not ids or logits: it continues every prefix of srm4j's greedy sequence by one
     * token, and that token's text must be srm4j's next token's, unless srm4j's own top-2 margin there is a near-tie.
     */
    static int teacherForcedJava(LanguageModel lm, Path model, int[] prompt, int[] ours) throws Exception {
        List<LlamaCppJava.Request> requests = new ArrayList<>();
        for (int i = 0; i < TOKENS; i++) {
            int[] seq = Arrays.copyOf(prompt, prompt.length + i);
            System.arraycopy(ours, 0, seq, prompt.length, i);
            requests.add(new LlamaCppJava.Request(null, seq, 1, true));
        }
        var run = LlamaCppJava.run(model, LlamaCppJava.Options.defaults(), requests);
        int agree = 0;
        for (int i = 0; i < TOKENS; i++) {
            String theirs = run.completions().get(i).text().strip();
            String expected = lm.tokenizer().decode(new int[]{ours[i]}).strip();
            if (theirs.equals(expected) || margin(lm, prompt, ours, i) < JAVA_TIE) agree++;
        }
        return agree;
    }

    static int[] prompt(Path model) throws Exception {
        try (LanguageModel lm = LanguageModel.load(model)) {
            return lm.tokenizePrompt(PROMPT);
        }
    }

    static int argmax(float[] logits, int n) {
        int best = 0;
        for (int v = 1; v < n; v++) if (logits[v] > logits[best]) best = v;
        return best;
    }

    /**
     * Identical free-running greedy ids up to the first step where llama.cpp's two best candidates are within
     * {@link #TIE}; from there srm4j follows llama.cpp's tokens and must pick the same one wherever llama.cpp's margin
     * is not such a tie.
     */
    static void assertSameGreedy(Path model, String label) throws Exception {
        int[] prompt = prompt(model);
        LlamaCppNode.Generation ref = LlamaCppNode.run(model, LlamaCppNode.Options.defaults(),
                List.of(LlamaCppNode.Request.greedyWithMargins(prompt, TOKENS))).generations().getFirst();
        int[] theirs = ref.tokens();
        assertTrue(Arrays.stream(theirs).distinct().count() > 3, "degenerate reference output: " + Arrays.toString(theirs));
        try (LanguageModel lm = LanguageModel.load(model)) {
            int[] ours = lm.newSession(prompt.length + TOKENS + 8).generate(prompt,
                    GenerationParams.of(SamplingParams.GREEDY, TOKENS).ignoringEndOfGeneration(), TokenListener.NONE).tokens();
            int firstDiff = 0;
            while (firstDiff < TOKENS && ours[firstDiff] == theirs[firstDiff]) firstDiff++;
            System.err.printf("%s: greedy ids equal to llama.cpp's for %d of %d tokens%n", label, firstDiff, TOKENS);
            if (firstDiff < TOKENS) {
                assertTrue(ref.margin(firstDiff) < TIE, label + ": greedy ids differ at step " + firstDiff + " where llama.cpp's top-2 margin is "
                        + ref.margin(firstDiff) + ": llama.cpp " + theirs[firstDiff] + ", srm4j " + ours[firstDiff]);
            }
            var session = lm.newSession(prompt.length + TOKENS + 8);
            int[] seq = Arrays.copyOf(prompt, prompt.length + TOKENS);
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < TOKENS; i++) {
                int best = argmax(session.ingest(Arrays.copyOf(seq, prompt.length + i), null), lm.config().vocabSize());
                if (best != theirs[i] && ref.margin(i) >= TIE) problems.add("step " + i + ": llama.cpp " + theirs[i] + ", srm4j " + best);
                seq[prompt.length + i] = theirs[i];
            }
            assertTrue(problems.isEmpty(), label + ": " + problems);
        }
    }

    /** Teacher-forced: srm4j picks llama.cpp's greedy token (or llama.cpp's margin is a tie) on most steps. */
    static void assertCloseToLlamaCpp(Path model, String label) throws Exception {
        int[] prompt = prompt(model);
        LlamaCppNode.Generation ref = LlamaCppNode.run(model, LlamaCppNode.Options.defaults(),
                List.of(LlamaCppNode.Request.greedyWithMargins(prompt, TOKENS))).generations().getFirst();
        try (LanguageModel lm = LanguageModel.load(model)) {
            var session = lm.newSession(prompt.length + TOKENS + 8);
            int[] seq = Arrays.copyOf(prompt, prompt.length + TOKENS);
            int agree = 0;
            for (int i = 0; i < TOKENS; i++) {
                int best = argmax(session.ingest(Arrays.copyOf(seq, prompt.length + i), null), lm.config().vocabSize());
                if (best == ref.tokens()[i] || ref.margin(i) < TIE) agree++;
                seq[prompt.length + i] = ref.tokens()[i];
            }
            System.err.printf("%s: teacher-forced agreement with llama.cpp on %d of %d steps%n", label, agree, TOKENS);
            assertTrue(agree >= MIN_AGREEING, label + ": srm4j agrees with llama.cpp on only " + agree + " of " + TOKENS + " steps");
        }
    }
}
