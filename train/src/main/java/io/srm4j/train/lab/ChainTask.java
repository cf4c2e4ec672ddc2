package io.srm4j.train.lab;

import java.util.random.RandomGenerator;

/**
 * Multi-step arithmetic on digits, modulo 10, evaluated left to right: {@code 7+5=?*3=?-4=?+2=?*6=?} asks for the
 * running total after every step and the final one is the answer. The teacher fills in each intermediate result
 * ({@code 7+5=2*3=6-4=2+2=4*6=4}), so every step of the trace is one table look-up on the digits just before it,
 * while a direct answer has to compose all the steps inside one forward pass. The trace mirrors the question
 * character for character, which is what lets a small model learn to read the next operation at a fixed distance.
 */
public final class ChainTask implements LabTask {
    public static final String NAME = "chain", TWO_PATH_NAME = "chain-paths";
    private static final String OPERATORS = "+-*";

    private final int steps;
    private final boolean twoPaths;

    /** @param steps operations per problem */
    public ChainTask(int steps) {
        this(steps, false);
    }

    /**
     * @param twoPaths whether the teacher writes each + and − step, at random, either as asked or as the equivalent
     *                 step with the other operator and the complementary operand ({@code 8-4} as {@code 8+6}): two
     *                 reasoning paths to every answer that rest on different table facts, which is the diversity
     *                 self-consistency votes over
     */
    public ChainTask(int steps, boolean twoPaths) {
        if (steps < 1 || steps > 30) throw new IllegalArgumentException("steps must be between 1 and 30, got " + steps);
        this.steps = steps;
        this.twoPaths = twoPaths;
    }

    @Override
    public String name() {
        return twoPaths ? TWO_PATH_NAME : NAME;
    }

    @Override
    public String description() {
        return steps + "-step arithmetic mod 10, left to right; the model writes each running total inside <think>…</think>"
                + (twoPaths ? " (each + or − step either as asked or through its complement)" : "");
    }

    @Override
    public LabProblem generate(RandomGenerator random) {
        int value = random.nextInt(10);
        StringBuilder question = new StringBuilder().append(value), trace = new StringBuilder().append(value);
        for (int i = 0; i < steps; i++) {
            char op = OPERATORS.charAt(random.nextInt(OPERATORS.length()));
            int operand = random.nextInt(10);
            value = apply(value, op, operand);
            question.append(op).append(operand).append("=?");
            if (twoPaths && op != '*' && random.nextBoolean()) {
                trace.append(op == '+' ? '-' : '+').append((10 - operand) % 10).append('=').append(value);
            } else {
                trace.append(op).append(operand).append('=').append(value);
            }
        }
        return new LabProblem(question.toString(), trace.toString(), Integer.toString(value));
    }

    static int apply(int x, char op, int y) {
        int r = switch (op) {
            case '+' -> x + y;
            case '-' -> x - y;
            case '*' -> x * y;
            default -> throw new IllegalArgumentException("unknown operator " + op);
        };
        return Math.floorMod(r, 10);
    }

    @Override
    public String checkTrace(LabProblem p) {
        String q = p.question(), t = p.trace();
        if (q.length() != 1 + 4 * steps || !Character.isDigit(q.charAt(0))) return "question is not " + steps + " steps: " + q;
        if (t.length() != q.length()) return "trace is " + t.length() + " characters, the question " + q.length();
        if (t.charAt(0) != q.charAt(0)) return "trace starts from " + t.charAt(0) + ", the question from " + q.charAt(0);
        int value = q.charAt(0) - '0';
        for (int i = 0; i < steps; i++) {
            int at = 1 + 4 * i;
            char op = q.charAt(at), operand = q.charAt(at + 1);
            if (OPERATORS.indexOf(op) < 0 || !Character.isDigit(operand) || !q.startsWith("=?", at + 2)) return "malformed step " + (i + 1) + " in " + q;
            char tracedOp = t.charAt(at), tracedOperand = t.charAt(at + 1);
            boolean asAsked = tracedOp == op && tracedOperand == operand;
            boolean complement = twoPaths && op != '*' && tracedOp == (op == '+' ? '-' : '+')
                    && tracedOperand == (char) ('0' + (10 - (operand - '0')) % 10);
            if (!(asAsked || complement) || t.charAt(at + 2) != '=') return "trace step " + (i + 1) + " does not restate " + op + operand;
            int expected = apply(value, op, operand - '0');
            if (apply(value, tracedOp, tracedOperand - '0') != expected) return "trace step " + (i + 1) + " is not equivalent to " + op + operand;
            if (t.charAt(at + 3) != (char) ('0' + expected)) {
                return "step " + (i + 1) + ": " + value + op + operand + " is " + expected + ", the trace says " + t.charAt(at + 3);
            }
            value = expected;
        }
        return Integer.toString(value).equals(p.answer()) ? null : "answer " + p.answer() + " is not the final total " + value;
    }
}
