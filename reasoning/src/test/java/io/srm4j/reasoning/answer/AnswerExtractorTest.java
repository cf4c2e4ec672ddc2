package io.srm4j.reasoning.answer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What exactly is taken out of a response (the grade cases check verdicts; these pin the extracted text). */
class AnswerExtractorTest {
    private final AnswerExtractor ex = new AnswerExtractor();

    @Test
    void boxesKeepNestedBracesAndTheLastWins() {
        assertEquals(List.of("\\frac{1}{2}", "\\sqrt{\\frac{a}{b}}"), AnswerExtractor.boxed("\\boxed{\\frac{1}{2}} then \\fbox{\\sqrt{\\frac{a}{b}}}"));
        assertEquals("\\sqrt{\\frac{a}{b}}", ex.extractMath("\\boxed{\\frac{1}{2}} then \\fbox{\\sqrt{\\frac{a}{b}}}", 1));
        assertEquals("7", ex.extractMath("so \\boxed 7", 1));
        assertEquals("\\{1,2\\}", ex.extractMath("$\\boxed{\\{1,2\\}}$", 1));
    }

    @Test
    void severalBoxesAreJoinedOnlyWhenTheGoldHasSeveralParts() {
        String r = "The roots are \\boxed{-2} and \\boxed{1}.";
        assertEquals("1", ex.extractMath(r, 1));
        assertEquals("-2, 1", ex.extractMath(r, 2));
    }

    @Test
    void thinkingIsRemovedAndAnUnclosedThoughtHasNoAnswer() {
        assertEquals("5", ex.extractMath("<think>maybe \\boxed{4}</think>It is \\boxed{5}.", 1));
        assertNull(ex.extractMath("<think>it is \\boxed{4}", 1));
        assertEquals("4", new AnswerExtractor(new AnswerExtractor.Options(false)).extractMath("<think>it is \\boxed{4}", 1));
        assertEquals("9", ex.extractMath("opening tag was in the prompt</think>\n\\boxed{9}", 1));
    }

    @Test
    void phrases() {
        assertEquals("42", ex.extractMath("Work...\n#### 42", 1));
        assertEquals("1,000", ex.extractMath("#### 1,000", 1));
        assertEquals("18", ex.extractMath("The answer is 18.", 1));
        assertEquals("\\frac{3}{4}", ex.extractMath("Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.", 1));
        assertEquals("120", ex.extractMath("Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct.", 1));
        assertEquals("3", ex.extractMath("Final Answer: Jane started growing Sphere 3 hours ago.", 1));
        assertEquals("5", ex.extractMath("**Final Answer**\n\n$$5$$", 1));
    }

    @Test
    void latexSpansAndNumbers() {
        assertEquals("9", ex.extractMath("Answer \\[ 9 \\]", 1));
        assertEquals("9", ex.extractMath("Answer \\( 9 \\)", 1));
        assertEquals("x = 3", ex.extractMath("We get $x = 3$.", 1));
        assertEquals("42", ex.extractMath("We had $x = 3$ earlier, and the total is 42.", 1));
        assertEquals("18", ex.extractMath("She sells 9 eggs and makes $18 every day.", 1));
        assertEquals("2/3", ex.extractMath("the probability is 2/3. <|im_start|>user", 1));
        assertEquals("x^2+1", ex.extractMath("x^2+1", 1));
        assertNull(ex.extractMath("I do not know.", 1));
    }

    @Test
    void goldAnswersInTheirUsualDresses() {
        assertEquals("5", ex.goldAnswer("\\boxed{5}"));
        assertEquals("72", ex.goldAnswer("She sold 48+24 = <<48+24=72>>72 clips.\n#### 72"));
        assertEquals("$\\frac{1}{2}$", ex.goldAnswer("$\\frac{1}{2}$"));
        assertEquals("1, 2", ex.goldAnswer("$\\boxed{1}\\boxed{2}$"));
        assertEquals("49", ex.goldAnswer("Both $\\boxed{7}$ work. Only $\\boxed{49}$ has a remainder of 1."));
    }

    @Test
    void choiceLetters() {
        List<String> none = List.of();
        assertEquals("B", ex.extractChoice("(B)", none));
        assertEquals("B", ex.extractChoice("Answer: B", none));
        assertEquals("B", ex.extractChoice("**B**", none));
        assertEquals("B", ex.extractChoice("I would go with option B", none));
        assertEquals("B", ex.extractChoice("B) 42", none));
        assertEquals("B", ex.extractChoice("The correct answer is B.", none));
        assertEquals("B", ex.extractChoice("\\boxed{B}", none));
        assertEquals("B", ex.extractChoice("$\\boxed{\\text{(B)}}$", none));
        assertEquals("C", ex.extractChoice("(A) is wrong, so the answer is (C).", none));
        assertNull(ex.extractChoice("A car travels 60 miles.", none));
        assertEquals("E", ex.extractChoice("It costs $78.20", List.of("A)$61", "B)$65", "C)$67.40", "D)$70", "E)$78.20")));
        assertNull(ex.extractChoice("The answer is (F)", List.of("A)1", "B)2", "C)3")));
    }

    @Test
    void optionLabels() {
        assertEquals("B", AnswerExtractor.letterOf("\\text{(B)}", 'E'));
        assertEquals("B", AnswerExtractor.letterOf("B) 12", 'E'));
        assertNull(AnswerExtractor.letterOf("12", 'E'));
        assertEquals("5(√3 + 1)", AnswerExtractor.optionText("A)5(√3 + 1)"));
    }
}
