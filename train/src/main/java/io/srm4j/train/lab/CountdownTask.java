package io.srm4j.train.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Countdown: given numbers and a target, an arithmetic expression that uses each number exactly once and equals the
 * target. The question lists the numbers, ascending, and the target, {@code 3,5,7,8:40}; the teacher combines two of
 * the values it still has per step and writes what is left after it, {@code 8-3=5:5,5,7;7*5=35:5,35;35+5=40:40}, and
 * answers with the expression those steps make, {@code 7*(8-3)+5}.
 *
 * <p>The task the survey's RL papers train on (TinyZero, Stream of Search) because its reward is verifiable and it
 * has many right answers: {@link #isCorrect} parses any expression (+, −, ×, ÷ with exact rational arithmetic,
 * parentheses) and checks the numbers and the value, so a model's own solution counts, not only the teacher's. The
 * teacher searches depth first with the pairs and operations in a random order, so one problem gets many different
 * solution paths. Self-consistency votes on {@link #voteKey the value} a well-formed answer reaches: different
 * expressions reaching the same number are the same answer.
 *
 * <p>Problems are made backwards: the numbers are drawn (1–9), combined in a random order with random operations
 * that keep every intermediate value a whole number in 0–{@value #MAX_VALUE}, and the last value (at least 10) is the
 * target. The teacher uses the same rules (no negative or fractional intermediate values), the grader does not.
 * {@link #key}: the sorted numbers and the target.
 */
public final class CountdownTask implements LabTask {
    public static final String NAME = "countdown";
    static final int MAX_VALUE = 999;
    /** Answers longer or more deeply nested than this are wrong, not parsed: the grader must not be made to stall. */
    static final int MAX_ANSWER_CHARS = 200, MAX_DEPTH = 32;

    private final int numbers;

    public CountdownTask(int numbers) {
        if (numbers < 2 || numbers > 6) throw new IllegalArgumentException("countdown takes 2 to 6 numbers, got " + numbers);
        this.numbers = numbers;
    }

    /** {@code countdown} (four numbers) or {@code countdown-<numbers>}. */
    static CountdownTask byName(String name) {
        if (name.equals(NAME)) return new CountdownTask(4);
        String rest = name.substring(NAME.length() + 1);
        try {
            return new CountdownTask(Integer.parseInt(rest));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lab task '" + name + "': expected " + NAME + "-<numbers>, e.g. " + NAME + "-3");
        }
    }

    @Override
    public String name() {
        return numbers == 4 ? NAME : NAME + "-" + numbers;
    }

    @Override
    public String description() {
        return "Countdown with " + numbers + " numbers: an expression using each number once that equals the target; the"
                + " model combines two numbers per step inside <think>…</think>, writing what it has left";
    }

    @Override
    public LabProblem generate(RandomGenerator random) {
        while (true) {
            int[] drawn = new int[numbers];
            for (int i = 0; i < numbers; i++) drawn[i] = 1 + random.nextInt(9);
            int target = combineAtRandom(drawn, random);
            if (target < 10) continue;
            Arrays.sort(drawn);
            String q = ascending(drawn) + ":" + target;
            Node[] start = new Node[numbers];
            for (int i = 0; i < numbers; i++) start[i] = new Node(drawn[i], null, ' ', null);
            List<String> steps = new ArrayList<>();
            Node solution = solve(start, target, random, steps);
            if (solution == null) throw new IllegalStateException("no solution found for " + q + ", which was built to have one");
            return new LabProblem(q, String.join(";", steps.reversed()), solution.expression());
        }
    }

    private static final String OPS = "+-*/";

    /**
     * Problems are made backwards: the numbers combined in a random order with random operations; the last value, or
     * −1 where an operation broke the teacher's rules.
     */
    private static int combineAtRandom(int[] numbers, RandomGenerator random) {
        List<Integer> pool = new ArrayList<>();
        for (int v : numbers) pool.add(v);
        while (pool.size() > 1) {
            int i = random.nextInt(pool.size()), j = random.nextInt(pool.size() - 1);
            if (j >= i) j++;
            int c = apply(pool.get(i), OPS.charAt(random.nextInt(OPS.length())), pool.get(j));
            if (c < 0) return -1;
            pool.remove(Math.max(i, j));
            pool.remove(Math.min(i, j));
            pool.add(c);
        }
        return pool.getFirst();
    }

    /** {@code a op b} under the teacher's rules, or −1 where they forbid it (negative, fractional, too large). */
    private static int apply(int a, char op, int b) {
        long c = switch (op) {
            case '+' -> (long) a + b;
            case '-' -> a - b;
            case '*' -> (long) a * b;
            case '/' -> b != 0 && a % b == 0 ? a / b : -1;
            default -> throw new IllegalArgumentException("operation " + op);
        };
        return c < 0 || c > MAX_VALUE ? -1 : (int) c;
    }

    /** A value the teacher holds: a number of the question, or two values combined. */
    private record Node(int value, Node left, char op, Node right) {
        String expression() {
            if (left == null) return Integer.toString(value);
            return operand(left, false) + op + operand(right, true);
        }

        /** An operand in parentheses only where precedence needs them (a − (b + c), a / (b · c)). */
        private String operand(Node n, boolean isRight) {
            String e = n.expression();
            if (n.left == null) return e;
            int mine = precedence(op), theirs = precedence(n.op);
            boolean paren = theirs < mine || (isRight && theirs == mine && (op == '-' || op == '/'));
            return paren ? "(" + e + ")" : e;
        }
    }

    private static int precedence(char op) {
        return op == '+' || op == '-' ? 1 : 2;
    }

    /**
     * Depth-first search over which two values to combine and how, in a random order, until one value equal to the
     * target is left; the steps are added to {@code steps} last step first, each as {@code a op b = c : what is left}.
     */
    private static Node solve(Node[] have, int target, RandomGenerator random, List<String> steps) {
        if (have.length == 1) return have[0].value == target ? have[0] : null;
        List<int[]> moves = new ArrayList<>();
        for (int i = 0; i < have.length; i++) {
            for (int j = 0; j < have.length; j++) {
                if (i == j) continue;
                for (int o = 0; o < OPS.length(); o++) {
                    char op = OPS.charAt(o);
                    // a commutative operation needs one order only; a second would be the same step written twice
                    if ((op == '+' || op == '*') && i > j) continue;
                    moves.add(new int[] {i, j, o});
                }
            }
        }
        for (int m = moves.size() - 1; m > 0; m--) { // Fisher–Yates
            int r = random.nextInt(m + 1);
            int[] t = moves.get(m);
            moves.set(m, moves.get(r));
            moves.set(r, t);
        }
        for (int[] move : moves) {
            Node a = have[move[0]], b = have[move[1]];
            char op = OPS.charAt(move[2]);
            // the larger first for + and ×, as people write them
            if ((op == '+' || op == '*') && a.value < b.value) {
                Node t = a;
                a = b;
                b = t;
            }
            int c = apply(a.value, op, b.value);
            if (c < 0) continue;
            Node[] next = new Node[have.length - 1];
            int k = 0;
            for (int i = 0; i < have.length; i++) if (i != move[0] && i != move[1]) next[k++] = have[i];
            next[k] = new Node(c, a, op, b);
            Node found = solve(next, target, random, steps);
            if (found != null) {
                steps.add(a.value + "" + op + b.value + "=" + c + ":" + left(next));
                return found;
            }
        }
        return null;
    }

    /** The values left, ascending, comma-separated. */
    private static String left(Node[] values) {
        int[] v = new int[values.length];
        for (int i = 0; i < v.length; i++) v[i] = values[i].value;
        return ascending(v);
    }

    /** The values, ascending, comma-separated, as questions and traces list them. */
    private static String ascending(int[] values) {
        int[] v = values.clone();
        Arrays.sort(v);
        StringBuilder s = new StringBuilder();
        for (int x : v) s.append(s.isEmpty() ? "" : ",").append(x);
        return s.toString();
    }

    /** The question's sorted numbers and its target: the whole problem (the question is already in that form). */
    @Override
    public String key(String question) {
        Question q = Question.parse(question);
        return q == null ? question : Arrays.toString(q.numbers) + ":" + q.target;
    }

    /** Reward 1: a well-formed expression that uses each of the question's numbers exactly once and equals the target. */
    @Override
    public boolean isCorrect(LabProblem problem, String answer) {
        Question q = Question.parse(problem.question());
        if (q == null || answer == null) return false;
        Value v = Expression.evaluate(answer.strip(), q.numbers);
        return v != null && v.den == 1 && v.num == q.target;
    }

    /**
     * Answers are the same when they are well-formed expressions over the question's numbers with the same value
     * (as a fraction); anything else is its own text.
     */
    @Override
    public String voteKey(String question, String answer) {
        String a = answer == null ? "" : answer.strip();
        Question q = Question.parse(question);
        if (q == null || a.isEmpty()) return a;
        Value v = Expression.evaluate(a, q.numbers);
        return v == null ? a : "=" + v.num + "/" + v.den;
    }

    @Override
    public String checkTrace(LabProblem p) {
        Question q = Question.parse(p.question());
        if (q == null || q.numbers.length != numbers) return "question is not " + numbers + " numbers and a target: " + p.question();
        List<Integer> have = new ArrayList<>();
        for (int v : q.numbers) have.add(v);
        String[] steps = p.trace().split(";", -1);
        if (steps.length != numbers - 1) return "trace has " + steps.length + " steps, " + numbers + " numbers need " + (numbers - 1);
        for (int s = 0; s < steps.length; s++) {
            String step = steps[s];
            int eq = step.indexOf('='), colon = step.indexOf(':');
            if (eq < 0 || colon < eq) return "step " + (s + 1) + " is not 'a op b=c:left': " + step;
            String lhs = step.substring(0, eq);
            int opAt = -1;
            for (int i = 1; i < lhs.length() && opAt < 0; i++) if (OPS.indexOf(lhs.charAt(i)) >= 0) opAt = i;
            int a, b, c;
            try {
                if (opAt < 0) return "step " + (s + 1) + " has no operation: " + step;
                a = Integer.parseInt(lhs.substring(0, opAt));
                b = Integer.parseInt(lhs.substring(opAt + 1));
                c = Integer.parseInt(step.substring(eq + 1, colon));
            } catch (NumberFormatException e) {
                return "step " + (s + 1) + " has a malformed number: " + step;
            }
            if (!have.remove((Integer) a)) return "step " + (s + 1) + " uses " + a + ", which is not left (" + have + ")";
            if (!have.remove((Integer) b)) return "step " + (s + 1) + " uses " + b + ", which is not left";
            int expected = apply(a, lhs.charAt(opAt), b);
            if (expected < 0) return "step " + (s + 1) + ": " + lhs + " is negative, fractional or over " + MAX_VALUE;
            if (c != expected) return "step " + (s + 1) + ": " + lhs + " is " + expected + ", the trace says " + c;
            have.add(c);
            String left = ascending(have.stream().mapToInt(Integer::intValue).toArray());
            if (!step.substring(colon + 1).equals(left)) return "step " + (s + 1) + " says " + step.substring(colon + 1) + " is left, it is " + left;
        }
        if (have.getFirst() != q.target) return "the steps end at " + have.getFirst() + ", the target is " + q.target;
        return isCorrect(p, p.answer()) ? null : "answer " + p.answer() + " is not an expression of the numbers equal to " + q.target;
    }

    /** A parsed question: the numbers (ascending) and the target. */
    private record Question(int[] numbers, int target) {
        static Question parse(String question) {
            int colon = question.indexOf(':');
            if (colon < 0 || question.length() > 100) return null;
            try {
                String[] parts = question.substring(0, colon).split(",");
                int[] n = new int[parts.length];
                for (int i = 0; i < n.length; i++) n[i] = Integer.parseInt(parts[i]);
                Arrays.sort(n);
                return new Question(n, Integer.parseInt(question.substring(colon + 1)));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** An exact fraction, denominator positive and coprime to the numerator. */
    record Value(long num, long den) {
        static Value of(long num, long den) {
            if (den == 0) throw new ArithmeticException("division by zero");
            if (den < 0) {
                num = Math.negateExact(num);
                den = Math.negateExact(den);
            }
            long g = gcd(Math.abs(num), den);
            return new Value(num / g, den / g);
        }

        private static long gcd(long a, long b) {
            while (b != 0) {
                long t = a % b;
                a = b;
                b = t;
            }
            return a == 0 ? 1 : a;
        }

        Value combine(char op, Value o) {
            return switch (op) {
                case '+' -> of(Math.addExact(Math.multiplyExact(num, o.den), Math.multiplyExact(o.num, den)), Math.multiplyExact(den, o.den));
                case '-' -> of(Math.subtractExact(Math.multiplyExact(num, o.den), Math.multiplyExact(o.num, den)), Math.multiplyExact(den, o.den));
                case '*' -> of(Math.multiplyExact(num, o.num), Math.multiplyExact(den, o.den));
                case '/' -> of(Math.multiplyExact(num, o.den), Math.multiplyExact(den, o.num));
                default -> throw new IllegalArgumentException("operation " + op);
            };
        }
    }

    /**
     * A recursive-descent parser and evaluator for the answers: numbers, + − × ÷ with the usual precedence, left to
     * right, and parentheses; no unary minus, no spaces. Null for anything malformed, too long or deep, dividing by
     * zero, overflowing, or not using the given numbers exactly once each.
     */
    static final class Expression {
        private final String s;
        private int at, depth;
        private final List<Integer> literals = new ArrayList<>();

        private Expression(String s) {
            this.s = s;
        }

        static Value evaluate(String text, int[] numbers) {
            if (text.isEmpty() || text.length() > MAX_ANSWER_CHARS) return null;
            Expression e = new Expression(text);
            try {
                Value v = e.sum();
                if (e.at != text.length()) return null;
                int[] used = e.literals.stream().mapToInt(Integer::intValue).sorted().toArray();
                return Arrays.equals(used, numbers) ? v : null;
            } catch (ArithmeticException | IllegalStateException ex) {
                return null;
            }
        }

        private Value sum() {
            Value v = product();
            while (at < s.length() && (s.charAt(at) == '+' || s.charAt(at) == '-')) {
                char op = s.charAt(at++);
                v = v.combine(op, product());
            }
            return v;
        }

        private Value product() {
            Value v = factor();
            while (at < s.length() && (s.charAt(at) == '*' || s.charAt(at) == '/')) {
                char op = s.charAt(at++);
                v = v.combine(op, factor());
            }
            return v;
        }

        private Value factor() {
            if (at >= s.length()) throw new IllegalStateException("expression ends early");
            if (s.charAt(at) == '(') {
                if (++depth > MAX_DEPTH) throw new IllegalStateException("nested too deeply");
                at++;
                Value v = sum();
                if (at >= s.length() || s.charAt(at) != ')') throw new IllegalStateException("unclosed parenthesis");
                at++;
                depth--;
                return v;
            }
            int start = at;
            while (at < s.length() && Character.isDigit(s.charAt(at)) && at - start < 9) at++;
            if (at == start || (at < s.length() && Character.isDigit(s.charAt(at)))) throw new IllegalStateException("expected a number at " + start);
            int n = Integer.parseInt(s, start, at, 10);
            literals.add(n);
            return new Value(n, 1);
        }
    }
}
