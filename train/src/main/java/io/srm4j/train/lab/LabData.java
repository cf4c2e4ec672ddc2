package io.srm4j.train.lab;

import io.srm4j.train.autograd.CrossEntropy;
import io.srm4j.train.model.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The lab's problems, all derived from one seed: a held-out set of distinct questions, and for every optimiser step
 * its own freshly generated training batch (seeded by the step, so a resumed run sees exactly the batches it would
 * have seen) that never contains a held-out question.
 */
public final class LabData {
    private static final long HELD_OUT_SALT = 0x5EED_0F_4E1DL, TRAIN_SALT = 0x7A1_2B47CL;

    private final LabTask task;
    private final LabTokenizer tokenizer;
    private final long seed;
    private final List<LabProblem> heldOut;
    private final Set<String> heldOutQuestions;

    public LabData(LabTask task, LabTokenizer tokenizer, long seed, int heldOutCount) {
        if (heldOutCount < 1) throw new IllegalArgumentException("need at least one held-out problem, got " + heldOutCount);
        this.task = task;
        this.tokenizer = tokenizer;
        this.seed = seed;
        SplittableRandom r = new SplittableRandom(seed ^ HELD_OUT_SALT);
        var byQuestion = new LinkedHashSet<String>();
        List<LabProblem> problems = new ArrayList<>();
        for (int tries = 0; problems.size() < heldOutCount; tries++) {
            if (tries > 100L * heldOutCount) throw new IllegalStateException("could not draw " + heldOutCount + " distinct problems");
            LabProblem p = task.generate(r);
            if (byQuestion.add(task.key(p.question()))) problems.add(p);
        }
        this.heldOut = List.copyOf(problems);
        this.heldOutQuestions = Set.copyOf(byQuestion);
    }

    public LabTask task() {
        return task;
    }

    public List<LabProblem> heldOut() {
        return heldOut;
    }

    /** Whether {@code question} is (in the task's sense of {@link LabTask#key}) one of the held-out problems. */
    public boolean isHeldOut(String question) {
        return heldOutQuestions.contains(task.key(question));
    }

    /** Problems of training step {@code step}, drawn from a stream of their own; none is a held-out question. */
    public LabProblem trainingProblem(SplittableRandom stepRandom) {
        for (int tries = 0; tries < 100_000; tries++) {
            LabProblem p = task.generate(stepRandom);
            if (!heldOutQuestions.contains(task.key(p.question()))) return p;
        }
        throw new IllegalStateException("the " + heldOut.size() + " held-out problems leave (almost) no " + task.name()
                + " problems to train on; hold out fewer");
    }

    /**
     * The batch of step {@code step}: {@code rows} sequences of {@code seqLen} tokens, each packed with whole
     * conversations (with the teacher's trace when {@code withTrace}) and padded with EOS; the loss covers the
     * assistant turns only.
     */
    public TokenBatch batch(int step, boolean withTrace, int rows, int seqLen) {
        SplittableRandom r = new SplittableRandom(seed ^ TRAIN_SALT ^ (0x9E3779B97F4A7C15L * (step + 1L)));
        int[] tokens = new int[rows * seqLen], targets = new int[rows * seqLen];
        Arrays.fill(tokens, LabTokenizer.EOS);
        Arrays.fill(targets, CrossEntropy.IGNORE);
        for (int row = 0; row < rows; row++) {
            int at = 0;
            while (true) {
                LabProblem p = trainingProblem(r);
                LabTokenizer.Example e = tokenizer.example(p.question(), withTrace ? p.trace() : null, p.answer());
                int n = e.tokens().length;
                if (n > seqLen) throw new IllegalArgumentException("a " + n + "-token example does not fit sequences of " + seqLen);
                if (at + n > seqLen) break; // the problem that does not fit is dropped, so rows hold whole conversations
                int base = row * seqLen + at;
                System.arraycopy(e.tokens(), 0, tokens, base, n);
                for (int i = 0; i + 1 < n; i++) if (e.learned()[i + 1]) targets[base + i] = e.tokens()[i + 1];
                at += n;
            }
        }
        return new TokenBatch(tokens, targets, rows, seqLen);
    }
}
