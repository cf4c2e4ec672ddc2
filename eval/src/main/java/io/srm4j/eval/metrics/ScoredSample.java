package io.srm4j.eval.metrics;

import io.srm4j.eval.generation.Completion;
import io.srm4j.eval.grading.GradeResult;

/** One generated sample and its verdict. */
public record ScoredSample(int sample, long seed, Completion completion, GradeResult grade) {}
