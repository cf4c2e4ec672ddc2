package io.srm4j.reasoning.verify;

import io.srm4j.reasoning.answer.AnswerKind;

import java.util.List;

/**
 * Verdicts per second on one thread for typical answers (run by hand, not a unit test):
 * {@code java -cp reasoning/target/classes:reasoning/target/test-classes:<deps> io.srm4j.reasoning.verify.GraderThroughput [seconds]}.
 */
public final class GraderThroughput {
    private record Case(String gold, String prediction, AnswerKind kind) {}

    private static final List<Case> TYPICAL = List.of(
            new Case("#### 72", "Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\n#### 72", AnswerKind.MATH),
            new Case("18", "She eats 3 and bakes 4, so 16 - 3 - 4 = 9 eggs remain. 9 * 2 = 18. The answer is 18.", AnswerKind.MATH),
            new Case("\\frac{14}{3}", "<think>Summing the three values gives 2 + 5/3 + 1.</think>So $f(-2)+f(-1)+f(0)=\\boxed{\\frac{14}{3}}$.", AnswerKind.MATH),
            new Case("3\\sqrt{13}", "We use the distance formula: $\\sqrt{117} = \\boxed{3\\sqrt{13}}$.", AnswerKind.MATH),
            new Case("\\left( 3, \\frac{\\pi}{2} \\right)", "Therefore, the polar coordinates are $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}.$", AnswerKind.MATH),
            new Case("x^3+3x-6", "Collecting terms we get \\boxed{3x + x^3 - 6}.", AnswerKind.MATH),
            new Case("(-\\infty, 2) \\cup (3, \\infty)", "So the domain is $\\boxed{(-\\infty,2)\\cup(3,\\infty)}$.", AnswerKind.MATH),
            new Case("0.5", "The probability is \\boxed{\\frac{1}{2}}.", AnswerKind.MATH),
            new Case("25", "Final Answer: The final answer is $24$. I hope it is correct.", AnswerKind.MATH),
            new Case("C", "Checking each option, (A) and (B) fail. The correct answer is (C).", AnswerKind.CHOICE));

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        Grader grader = new Grader();
        int sink = 0;
        // Warm-up so the JIT has compiled the hot paths before timing.
        for (int i = 0; i < 20_000; i++) {
            Case c = TYPICAL.get(i % TYPICAL.size());
            if (grader.grade(c.gold(), c.prediction(), c.kind()).correct()) sink++;
        }
        // CPU time of this thread as well as wall time: on a shared machine the wall-clock rate understates one core's rate.
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long n = 0, t0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime(), end = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (Case c : TYPICAL) if (grader.grade(c.gold(), c.prediction(), c.kind()).correct()) sink++;
            n += TYPICAL.size();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9, cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
        System.out.printf("%d verdicts in %.2f s wall (%.2f s CPU) on one thread: %.0f verdicts/s wall, %.0f verdicts per CPU-second (%d correct)%n",
                n, elapsed, cpu, n / elapsed, n / cpu, sink);
    }
}
