/**
 * Answer extraction: the final answer of a model response ({@link io.srm4j.reasoning.answer.AnswerExtractor}), with
 * reasoning removed, for maths ({@code \boxed{}}, "####", "the answer is", LaTeX spans, last number) and for
 * multiple-choice letters; {@link io.srm4j.reasoning.answer.AnswerKind} says which.
 */
package io.srm4j.reasoning.answer;
