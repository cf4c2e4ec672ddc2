package io.srm4j.eval.run;

import io.srm4j.eval.generation.Completion;

/** One journaled generation: sample {@code sample} of problem {@code problem} (dataset index). */
public record JournalEntry(int problem, String problemId, int sample, long seed, Completion completion) {}
