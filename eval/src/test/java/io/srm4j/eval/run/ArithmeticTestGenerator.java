package io.srm4j.eval.run;

import io.srm4j.eval.generation.Completion;
import io.srm4j.eval.generation.FinishReason;
import io.srm4j.eval.generation.GenerationRequest;
import io.srm4j.eval.generation.Generator;
import io.srm4j.eval.generation.Prompt;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TEST ONLY: a deterministic generator for "What is A + B?" prompts. Each sample is a pure function of
 * (prompt, seed): right about three times in four, otherwise one of a few wrong sums, sometimes cut off by
 * max_tokens. It can sleep per sample, to be killed mid-run, and delivers samples last-first to exercise the
 * runner's index mapping.
 */
public class ArithmeticTestGenerator implements Generator {
    private static final Pattern QUESTION = Pattern.compile("What is (\\d+) \\+ (\\d+)\\?");
    private final long delayMillis;
    int samplesGenerated;

    public ArithmeticTestGenerator(long delayMillis) { this.delayMillis = delayMillis; }

    @Override
    public void generate(GenerationRequest request, SampleSink sink) throws IOException {
        String text = request.prompt().display();
        Matcher m = QUESTION.matcher(text);
        if (!m.find()) throw new IllegalArgumentException("not an arithmetic prompt: " + text);
        long a = Long.parseLong(m.group(1)), b = Long.parseLong(m.group(2));
        for (int i = request.n() - 1; i >= 0; i--) {
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            sink.accept(i, sample(a, b, request.sampleSeeds().get(i), request.params().maxTokens()));
            samplesGenerated++;
        }
    }

    static Completion sample(long a, long b, long seed, int maxTokens) {
        long h = mix(seed ^ (a * 1_000_003L + b));
        int thinking = 20 + (int) Math.floorMod(h >>> 8, 60L);
        if (Math.floorMod(h >>> 20, 13L) == 0) { // ran out of tokens mid-thought
            String cut = "<think>" + "hmm ".repeat(maxTokens);
            return Completion.of(cut, 12, maxTokens, 0, FinishReason.LENGTH, maxTokens * 0.001);
        }
        long wrongBy = Math.floorMod(h >>> 32, 3L) + 1;
        long answer = Math.floorMod(h, 4L) != 0 ? a + b : a + b + wrongBy;
        String think = "<think>I add " + a + " and " + b + ". " + "Checking. ".repeat(thinking / 2) + "</think>";
        String reply = "The sum is \\boxed{" + answer + "}.";
        return Completion.of(think + "\n\n" + reply, 12, thinking, 8, FinishReason.STOP, (thinking + 8) * 0.001);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String describe() { return "test:arithmetic"; }
}
