package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Matrix products of weights with activations. {@code out[t][r] = dot(W[r], x[t])}.
 *
 * <p>Activations are prepared as ggml prepares them for the weight type (its {@code vec_dot_type}), which keeps
 * results close to llama.cpp's: quantised once per call to Q8_0 (Q8_0/Q4_0/Q5_0 weights), Q8_1 (Q4_1/Q5_1) or
 * Q8_K (K-quants) for integer dot products, rounded to half / bfloat16 for F16 / BF16 weights, used as they are
 * for F32. (On machines without 256-bit vectors the quantised types take float activations instead.)
 *
 * <p>Rows are split across a {@link WorkerPool} ({@link WorkerPool#shared()} unless one is passed), so the
 * weights' segment must be readable from other threads (a shared or global arena, as GgufFile maps with).
 * {@link #matMul} (prefill) works on blocks of weight rows: each block is unpacked once (to 16-bit integer quants
 * for the integer kernels, see {@link UnpackedRows}; to floats otherwise) and multiplied with all the activation
 * vectors.
 *
 * <p>Q4_0 and Q4_K matrices whose rows are a multiple of 8 take {@link RepackedQ4} instead, which sums as
 * llama.cpp's repacked kernels do.
 * Q8_0 takes {@link Q8_0Kernels}: exact lane sums in float lanes, bit-identical to ScalarKernels' ggml-order twin.
 * F32, F16 and BF16 weights sum in llama.cpp's order ({@link GgmlOrderDots}): tinyBLAS where llamafile_sgemm takes
 * the product ({@link #usesTinyBlas}), the type's vec_dot otherwise.
 */
public final class MatMul {
    /** Weight rows per block in {@link #matMul}: 16 unpacked rows of 5k elements is ~160 KB, inside L2. */
    static final int ROW_BLOCK = 16;
    /** Fewest rows a thread takes in row-by-row products: smaller pieces cost more to hand out than to compute. */
    static final int ROW_GRAIN = 8;

    private MatMul() {}

    /** {@code out[outOffset + r] = W[r] · x[xOffset ..]} for every row r. */
    public static void matVec(Matrix w, float[] x, int xOffset, float[] out, int outOffset) {
        matVec(WorkerPool.shared(), w, x, xOffset, out, outOffset);
    }

    /** For {@code n} activation vectors laid out {@code x[t * cols + c]}: {@code out[t * rows + r]}. */
    public static void matMul(Matrix w, float[] x, int n, float[] out) {
        matMul(WorkerPool.shared(), w, x, n, out);
    }

    /**
     * Waits until the interleaved decode copies scheduled so far ({@link Q4_0x8}, {@link Q4_Kx8}, {@link Q6_Kx8},
     * {@link Blocks32x8}) are built: they are built on a background thread after a matrix's first single-token product,
     * and a benchmark that timed products meanwhile would time that thread too.
     */
    public static void awaitDecodeCopies() throws InterruptedException {
        InterleavedCopies.awaitBuilder();
    }

    /** True when products with {@code type} run on activations quantised to {@link QuantizedActivations#formatFor}. */
    public static boolean usesQuantizedActivations(GgmlType type) {
        return VectorKernels.hasFastQuantizedDot(type);
    }

    public static void matVec(WorkerPool pool, Matrix w, float[] x, int xOffset, float[] out, int outOffset) {
        check(w, x, xOffset, 1, out, outOffset);
        VectorInput in = VectorInput.acquire(x, xOffset, w.cols());
        try {
            matVec(pool, w, in, out, outOffset);
        } finally {
            in.giveBack();
        }
    }

    private static void matVec(WorkerPool pool, Matrix w, VectorInput in, float[] out, int outOffset) {
        WorkerPool.RangeTask rows = rowTask(w, in, out, outOffset);
        pool.parallelFor(0, groups(w.rows()), 1, (g0, g1) -> rows.run(g0 * GROUP, Math.min(w.rows(), g1 * GROUP)));
    }

    /**
     * {@code out = W · x} for an input {@link StreamedInput#fill filled} while the job that produced it ran (its
     * quantised form then costs the calling thread nothing here); the same bits as {@link #matVec(Matrix, float[], int,
     * float[], int)}.
     */
    public static void matVec(WorkerPool pool, Matrix w, StreamedInput in, float[] out) {
        if (in.w != w) throw new IllegalArgumentException("input prepared for " + in.w.name() + ", not " + w.name());
        int unfilled = in.unfilledElements();
        if (unfilled != 0) throw new IllegalStateException(unfilled + " of " + w.cols() + " input elements of " + w.name() + " were never filled");
        check(w, in.in.x, in.in.xOffset, 1, out, 0);
        matVec(pool, w, in.in, out, 0);
    }

    /**
     * One single-token input of {@code w}, whose 8-bit form (quants, the decode copies' repeated pairs, Q4_0's block
     * sums) is built block range by block range by whoever produces the input, in parallel: decode's SwiGLU output,
     * 4,864 elements for Qwen2.5-0.5B, was quantised and laid out on the calling thread while the other threads
     * waited. Types whose single-token products take other inputs (floats, Q8_K) are left to the product as before.
     */
    public static final class StreamedInput {
        private Matrix w;
        private final VectorInput in;
        private final QuantizedActivations q;
        private final short[] pairs;
        private final Q4_0x8.Pairs q4_0;
        private final java.util.concurrent.atomic.AtomicInteger filledElements = new java.util.concurrent.atomic.AtomicInteger();

        private StreamedInput(Matrix w, float[] x, int xOffset) {
            this.w = w;
            this.in = new VectorInput(x, xOffset, w.cols());
            GgmlType format = QuantizedActivations.formatFor(w.type());
            boolean streams = usesQuantizedActivations(w.type()) && (format == GgmlType.Q8_0 || format == GgmlType.Q8_1) && w.cols() % 32 == 0;
            q = streams ? QuantizedActivations.unfilled(format, w.cols()) : null;
            pairs = streams ? new short[8 * w.cols()] : null;
            q4_0 = streams && w.type() == GgmlType.Q4_0 ? Q4_0x8.Pairs.unfilled(q, pairs) : null;
            if (streams) in.streamed(q, pairs, q4_0);
        }

        /** Whether this input can be re-armed for {@code w}: the same type and width as the matrix it was made for. */
        private boolean serves(Matrix w) {
            return w.type() == this.w.type() && w.cols() == this.w.cols();
        }

        /** This input, emptied, for {@code w} reading {@code x[xOffset ..]}: its arrays are filled again. */
        private StreamedInput rearm(Matrix w, float[] x, int xOffset) {
            this.w = w;
            in.reuse(x, xOffset);
            if (q != null) in.streamed(q, pairs, q4_0);
            filledElements.set(0);
            return this;
        }

        /** Ranges passed to {@link #fill} start and end at multiples of this (or at the input's end). */
        public int alignment() {
            return q == null ? GROUP : 32;
        }

        /** Builds the 8-bit form of elements {@code [from, to)}, once they hold their final values; thread-safe for disjoint ranges. */
        public void fill(int from, int to) {
            if (q == null) return;
            if (from % 32 != 0 || (to % 32 != 0 && to != w.cols())) throw new IllegalArgumentException("range " + from + ".." + to + " is not aligned to blocks of 32");
            int b0 = from / 32, b1 = to / 32;
            q.quantizeBlocks(in.x, in.xOffset, b0, b1);
            q.repeatedPairs(pairs, b0, b1);
            if (q4_0 != null) q4_0.fill(q, b0, b1);
            filledElements.addAndGet(to - from);
        }

        /** Elements not yet filled (none when nothing streams); the product checks every element was filled exactly once. */
        private int unfilledElements() {
            return q == null ? 0 : w.cols() - filledElements.get();
        }
    }

    /** A {@link StreamedInput} of {@code w} reading {@code x} from {@code xOffset}. */
    public static StreamedInput streamed(Matrix w, float[] x, int xOffset) {
        return new StreamedInput(w, x, xOffset);
    }

    /**
     * As {@link #streamed(Matrix, float[], int)}, in the arrays of {@code previous} (null: new ones) when it was made for
     * a matrix of {@code w}'s type and width: a decoded token's down projection reuses the previous layer's input.
     * {@code previous} must no longer be in use.
     */
    public static StreamedInput streamed(Matrix w, float[] x, int xOffset, StreamedInput previous) {
        return previous == null || !previous.serves(w) ? new StreamedInput(w, x, xOffset) : previous.rearm(w, x, xOffset);
    }

    /**
     * {@code outs[i][r] = ws[i][r] · x[xOffset ..]} for every matrix (all of the same width) in one parallel job, the
     * input prepared once per activation format: decode's query, key and value products take one hand-off between
     * threads instead of three, and the small key and value matrices no longer each wait for the slower thread.
     */
    public static void matVecs(WorkerPool pool, float[] x, int xOffset, Matrix[] ws, float[][] outs) {
        if (ws.length != outs.length) throw new IllegalArgumentException(ws.length + " matrices but " + outs.length + " outputs");
        if (ws.length == 0) return;
        int cols = ws[0].cols();
        for (int i = 0; i < ws.length; i++) {
            if (ws[i].cols() != cols) throw new IllegalArgumentException(ws[i].name() + " has " + ws[i].cols() + " columns, " + ws[0].name() + " " + cols);
            check(ws[i], x, xOffset, 1, outs[i], 0);
        }
        VectorInput in = VectorInput.acquire(x, xOffset, cols);
        try {
            WorkerPool.RangeTask[] tasks = new WorkerPool.RangeTask[ws.length];
            int[] firstGroup = new int[ws.length + 1];
            for (int i = 0; i < ws.length; i++) {
                tasks[i] = rowTask(ws[i], in, outs[i], 0);
                firstGroup[i + 1] = firstGroup[i] + groups(ws[i].rows());
            }
            pool.parallelFor(0, firstGroup[ws.length], 1, (g0, g1) -> {
                for (int i = 0; i < ws.length; i++) {
                    int from = Math.max(g0, firstGroup[i]), to = Math.min(g1, firstGroup[i + 1]);
                    if (from < to) tasks[i].run((from - firstGroup[i]) * GROUP, Math.min(ws[i].rows(), (to - firstGroup[i]) * GROUP));
                }
            });
        } finally {
            in.giveBack();
        }
    }

    /**
     * {@code outA = A · x} and {@code outB = B · x} (matrices of the same shape) in one parallel job, with
     * {@code then} run over each range of rows once both products are there: decode's feed-forward gate and up
     * products and their SwiGLU, which so needs no pass of its own.
     */
    public static void matVecPair(WorkerPool pool, float[] x, int xOffset, Matrix a, float[] outA, Matrix b, float[] outB, WorkerPool.RangeTask then) {
        matVecPair(pool, x, xOffset, a, outA, b, outB, GROUP, then);
    }

    /**
     * As {@link #matVecPair(WorkerPool, float[], int, Matrix, float[], Matrix, float[], WorkerPool.RangeTask)}, with every
     * range {@code then} gets starting at a multiple of {@code rowAlign} (a multiple of 8) and ending at one or at the
     * last row: a {@link StreamedInput#fill} of whole blocks.
     */
    public static void matVecPair(WorkerPool pool, float[] x, int xOffset, Matrix a, float[] outA, Matrix b, float[] outB, int rowAlign,
                                  WorkerPool.RangeTask then) {
        if (rowAlign <= 0 || rowAlign % GROUP != 0) throw new IllegalArgumentException("rows are aligned to multiples of " + GROUP + ", not " + rowAlign);
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(a.name() + " and " + b.name() + " differ in shape: " + a.rows() + "x" + a.cols() + ", " + b.rows() + "x" + b.cols());
        }
        check(a, x, xOffset, 1, outA, 0);
        check(b, x, xOffset, 1, outB, 0);
        VectorInput in = VectorInput.acquire(x, xOffset, a.cols());
        try {
            WorkerPool.RangeTask ta = rowTask(a, in, outA, 0), tb = rowTask(b, in, outB, 0);
            int rows = a.rows();
            pool.parallelFor(0, (rows + rowAlign - 1) / rowAlign, 1, (u0, u1) -> {
                int from = u0 * rowAlign, to = Math.min(rows, u1 * rowAlign);
                ta.run(from, to);
                tb.run(from, to);
                then.run(from, to);
            });
        } finally {
            in.giveBack();
        }
    }

    /** Rows per indivisible piece of a single-token product: the row groups of {@link RepackedQ4}'s interleaved copy. */
    private static final int GROUP = RepackedQ4.INTERLEAVE;

    private static int groups(int rows) {
        return (rows + GROUP - 1) / GROUP;
    }

    /**
     * One activation vector and what each weight type's kernel makes of it, prepared once for several matrices. A
     * decoded token's products take one from {@link #acquire} and hand it back: the next token's input is prepared in
     * the same arrays, so decode allocates nothing per product (it allocated ~3 MB a token for Qwen2.5-0.5B, the
     * repeated pairs above all, and zeroing fresh, uncached memory cost the calling thread ~30 us a layer while the
     * other threads waited).
     */
    static final class VectorInput {
        float[] x;
        int xOffset;
        final int cols;
        // each form built on first use, then rebuilt in the same arrays for the next input; `fresh` has a bit for every
        // form already made from this input (the per-format forms take three bits, the formats' slots: Q8_0, Q8_1, Q8_K)
        private final QuantizedActivations[] quantized = new QuantizedActivations[3];
        private final float[][] laneMajor = new float[3][];
        private final short[][] repeatedPairs = new short[3][];
        private Q4_0x8.Pairs pairs;
        private BlockActivations blocks;
        private Q4_Kx8.Activations q4_K;
        private Q6_Kx8.Pairs q6_K;
        private int fresh;
        private boolean lent;

        /** The forms' first bits in {@code fresh}. */
        private static final int QUANTIZED = 0, LANE_MAJOR = 3, REPEATED_PAIRS = 6, PAIRS = 9, BLOCKS = 10, Q4_K = 11, Q6_K = 12;

        VectorInput(float[] x, int xOffset, int cols) {
            this.x = x;
            this.xOffset = xOffset;
            this.cols = cols;
        }

        /** Inputs a thread holds for reuse, one per width at most four. */
        private static final ThreadLocal<VectorInput[]> HELD = ThreadLocal.withInitial(() -> new VectorInput[4]);

        /**
         * An input of {@code x[xOffset ..+cols]} whose arrays this thread reuses, lent until {@link #giveBack}; a nested
         * call on the same thread (its width's input still lent) gets a new one.
         */
        static VectorInput acquire(float[] x, int xOffset, int cols) {
            VectorInput[] held = HELD.get();
            for (int i = 0; i < held.length; i++) {
                VectorInput v = held[i];
                if (v == null) held[i] = v = new VectorInput(x, xOffset, cols);
                else if (v.cols != cols || v.lent) continue;
                else v.reuse(x, xOffset);
                v.lent = true;
                return v;
            }
            return new VectorInput(x, xOffset, cols);
        }

        /** Ends a loan from {@link #acquire}: nothing may read this input's forms afterwards. */
        void giveBack() {
            lent = false;
            x = null; // the thread keeps the arrays it reuses, not the caller's activations
        }

        /** Makes this the input {@code x[xOffset ..]}: every form is rebuilt, in place, on its next use. */
        void reuse(float[] x, int xOffset) {
            this.x = x;
            this.xOffset = xOffset;
            fresh = 0;
        }

        private static int slot(GgmlType format) {
            return switch (format) {
                case Q8_0 -> 0;
                case Q8_1 -> 1;
                case Q8_K -> 2;
                default -> throw new IllegalArgumentException("activations quantise to Q8_0, Q8_1 or Q8_K, not " + format);
            };
        }

        /** Whether the form at bit {@code bit} was made from this input. */
        private boolean made(int bit) {
            return (fresh & (1 << bit)) != 0;
        }

        private void markMade(int bit) {
            fresh |= 1 << bit;
        }

        QuantizedActivations quantized(GgmlType format) {
            int i = slot(format);
            if (!made(QUANTIZED + i)) {
                if (quantized[i] == null) quantized[i] = QuantizedActivations.quantize(format, x, xOffset, cols, 1);
                else quantized[i].requantize(x, xOffset);
                markMade(QUANTIZED + i);
            }
            return quantized[i];
        }

        /** {@link Q8_0Kernels#laneMajor} of the activations in {@code format} (Q8_0 or Q8_1). */
        float[] laneMajor(GgmlType format) {
            int i = slot(format);
            if (!made(LANE_MAJOR + i)) {
                if (laneMajor[i] == null) laneMajor[i] = new float[cols];
                Q8_0Kernels.laneMajor(quantized(format), 0, laneMajor[i]);
                markMade(LANE_MAJOR + i);
            }
            return laneMajor[i];
        }

        /** {@link QuantizedActivations#repeatedPairs} of the activations in {@code format}. */
        short[] repeatedPairs(GgmlType format) {
            int i = slot(format);
            if (!made(REPEATED_PAIRS + i)) {
                QuantizedActivations q = quantized(format);
                if (repeatedPairs[i] == null) repeatedPairs[i] = q.repeatedPairs();
                else q.repeatedPairs(repeatedPairs[i], 0, cols / 32);
                markMade(REPEATED_PAIRS + i);
            }
            return repeatedPairs[i];
        }

        Q4_0x8.Pairs pairs() {
            if (!made(PAIRS)) {
                QuantizedActivations q = quantized(GgmlType.Q8_0);
                short[] p = repeatedPairs(GgmlType.Q8_0);
                if (pairs == null) pairs = Q4_0x8.Pairs.of(q, p);
                else pairs.fill(q, 0, cols / 32);
                markMade(PAIRS);
            }
            return pairs;
        }

        Q4_Kx8.Activations q4_KActivations() {
            if (!made(Q4_K)) {
                QuantizedActivations q = quantized(GgmlType.Q8_K);
                short[] p = repeatedPairs(GgmlType.Q8_K);
                if (q4_K == null) q4_K = Q4_Kx8.Activations.of(q, p);
                else q4_K.fill(q);
                markMade(Q4_K);
            }
            return q4_K;
        }

        Q6_Kx8.Pairs q6_KPairs() {
            if (!made(Q6_K)) {
                QuantizedActivations q = quantized(GgmlType.Q8_K);
                if (q6_K == null) q6_K = Q6_Kx8.Pairs.of(q);
                else q6_K.fill(q);
                markMade(Q6_K);
            }
            return q6_K;
        }

        BlockActivations blocks() {
            if (!made(BLOCKS)) {
                QuantizedActivations q = quantized(GgmlType.Q8_0);
                if (blocks == null) blocks = BlockActivations.forRow(q, 0);
                else blocks.fillRow(q, 0);
                markMade(BLOCKS);
            }
            return blocks;
        }

        /**
         * Takes {@code q} (Q8_0 or Q8_1), its repeated pairs {@code p} and, for Q8_0, Q4_0's {@code q4_0} pairs as this
         * input's forms, built by a {@link StreamedInput}'s producers rather than here.
         */
        void streamed(QuantizedActivations q, short[] p, Q4_0x8.Pairs q4_0) {
            int i = slot(q.format);
            quantized[i] = q;
            repeatedPairs[i] = p;
            markMade(QUANTIZED + i);
            markMade(REPEATED_PAIRS + i);
            if (q4_0 != null) {
                pairs = q4_0;
                markMade(PAIRS);
            }
        }
    }

    /**
     * Activations of several tokens ({@code x[t * cols + c]}) and what each weight type's kernel makes of them
     * (quantised vectors, the tiles' layouts, each token's {@link VectorInput}), prepared on first use and kept for
     * every product that takes the same input: a layer's query, key and value products, its gate and up products.
     * The activations must not change while the products run. {@code gemm[t]}: token t's product in the order of
     * llama.cpp's repacked gemm, else of its gemv ({@link RepackedQ4}; only Q4_K sums differently).
     */
    public static final class Tokens {
        final float[] x;
        final int n, cols;
        final boolean[] gemm;
        private final java.util.HashMap<Object, Object> prepared = new java.util.HashMap<>();
        private VectorInput[] single;

        public Tokens(float[] x, int n, int cols, boolean[] gemm) {
            if (n < 1) throw new IllegalArgumentException("need at least one activation vector, got " + n);
            if (gemm.length < n) throw new IllegalArgumentException(gemm.length + " gemm flags for " + n + " rows");
            if ((long) n * cols > x.length) throw new IndexOutOfBoundsException(n + " input vectors of " + cols + " exceed x[" + x.length + "]");
            this.x = x;
            this.n = n;
            this.cols = cols;
            this.gemm = gemm;
        }

        /** What {@code make} makes of these activations, made once per {@code key}. */
        @SuppressWarnings("unchecked")
        <T> T prepared(Object key, java.util.function.Supplier<T> make) {
            Object v = prepared.get(key);
            if (v == null) {
                v = make.get();
                prepared.put(key, v);
            }
            return (T) v;
        }

        /**
         * The activations quantised to {@code format}; with {@code gemmOrder}, Q8_K rows of gemm tokens as llama.cpp's
         * repacked gemm quantises them ({@link QuantizedActivations#quantize(GgmlType, float[], int, int, int, boolean[])}).
         */
        QuantizedActivations quantized(GgmlType format, boolean gemmOrder) {
            boolean flags = gemmOrder && format == GgmlType.Q8_K;
            return prepared(flags ? "Q8_K, gemm order" : format, () -> QuantizedActivations.quantize(format, x, 0, cols, n, flags ? gemm : null));
        }

        QuantizedActivations quantized(GgmlType format) {
            return quantized(format, false);
        }

        /** {@link BlockActivations#forTokens} of the activations in {@code format}. */
        BlockActivations blocks(GgmlType format) {
            return prepared(java.util.List.of("token lanes", format), () -> BlockActivations.forTokens(quantized(format)));
        }

        /** Token t alone. */
        VectorInput token(int t) {
            if (single == null) single = new VectorInput[n];
            if (single[t] == null) single[t] = new VectorInput(x, t * cols, cols);
            return single[t];
        }
    }

    /**
     * The single-token product of {@code w} as a task over ranges of its rows ({@link RepackedQ4}'s interleaved copy
     * takes whole groups of 8), with everything it needs from the input prepared now, on the calling thread.
     */
    private static WorkerPool.RangeTask rowTask(Matrix w, VectorInput in, float[] out, int outOffset) {
        if (RepackedQ4.applies(w.type(), w.rows())) return RepackedQ4.rowTask(w, in, out, outOffset);
        GgmlType type = w.type();
        int cols = w.cols();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        Blocks32x8 interleaved = Blocks32x8.applies(type, w.rows()) ? Blocks32x8.ready(w) : null;
        if (interleaved != null) {
            // prepared once per input for every matrix of the format that shares it, like Q4_0x8's pairs
            GgmlType format = QuantizedActivations.formatFor(type);
            QuantizedActivations a = in.quantized(format);
            short[] pairs = in.repeatedPairs(format);
            return (from, to) -> interleaved.matVecGroups(pairs, a.d, a.s, from / GROUP, to / GROUP, out, outOffset);
        }
        if (Q8_0Kernels.supports(type)) {
            float[] xl = in.laneMajor(GgmlType.Q8_0), d = in.quantized(GgmlType.Q8_0).d;
            return (from, to) -> Q8_0Kernels.matVecRows(data, rowBytes, xl, d, 0, from, to, out, outOffset);
        } else if (Blocks32Kernels.supports(type)) {
            GgmlType format = QuantizedActivations.formatFor(type);
            QuantizedActivations a = in.quantized(format);
            ScalarKernels.checkQ(type, data, (long) (w.rows() - 1) * rowBytes, a, 0, cols);
            float[] xl = in.laneMajor(format);
            return (from, to) -> Blocks32Kernels.matVecRows(type, data, rowBytes, xl, a.d, a.s, from, to, out, outOffset);
        } else if (usesQuantizedActivations(type) && GgmlOrderKQuants.supports(type)) {
            Q6_Kx8 packed = Q6_Kx8.applies(type, w.rows()) ? Q6_Kx8.ready(w) : null;
            if (packed != null) {
                // prepared once per input, like Q4_0x8's and Q4_Kx8's, for every Q6_K matrix that shares it
                Q6_Kx8.Pairs pairs = in.q6_KPairs();
                return (from, to) -> packed.matVecGroups(pairs, from / GROUP, to / GROUP, out, outOffset);
            }
            QuantizedActivations a = in.quantized(QuantizedActivations.formatFor(type));
            ScalarKernels.checkQ(type, data, (long) (w.rows() - 1) * rowBytes, a, 0, cols);
            return (from, to) -> {
                GgmlOrderKQuants.Scratch scratch = GgmlOrderKQuants.SCRATCH.get();
                for (int r = from; r < to; r++) out[outOffset + r] = GgmlOrderKQuants.dot(type, data, r * rowBytes, a, 0, cols, scratch);
            };
        } else if (usesQuantizedActivations(type)) {
            QuantizedActivations a = in.quantized(QuantizedActivations.formatFor(type));
            return (from, to) -> {
                for (int r = from; r < to; r++) out[outOffset + r] = VectorKernels.dotQ(type, data, r * rowBytes, a, 0, cols);
            };
        } else if (isFloatWeight(type)) {
            float[] xa = floatActivations(type, in.x, in.xOffset, cols);
            int xo = xa == in.x ? in.xOffset : 0;
            return (from, to) -> {
                float[] row = new float[cols];
                for (int r = from; r < to; r++) {
                    VectorKernels.floatRow(type, data, r * rowBytes, row, 0, cols);
                    out[outOffset + r] = vecDot(type, row, 0, xa, xo, cols);
                }
            };
        } else {
            float[] xa = floatActivations(type, in.x, in.xOffset, cols);
            int xo = xa == in.x ? in.xOffset : 0;
            return (from, to) -> {
                for (int r = from; r < to; r++) out[outOffset + r] = VectorKernels.dot(type, data, r * rowBytes, xa, xo, cols);
            };
        }
    }

    /**
     * Products of fewer tokens than this take {@code w}'s interleaved decode copy token by token once it is built, not
     * the prefill tiles, whose pass costs about the same for 1 to 8 tokens (0: {@code w} gets no copy). Each type's
     * crossover is its copy's {@code COPY_TOKENS}, measured there. Q4_K's copy sums in the gemv order only, so its
     * products stay on the tiles.
     */
    private static int decodeCopyTokens(Matrix w) {
        GgmlType type = w.type();
        int rows = w.rows();
        if (type == GgmlType.Q4_0 && RepackedQ4.applies(type, rows) && Q4_0x8.supported()) return Q4_0x8.COPY_TOKENS;
        if (Blocks32x8.applies(type, rows)) return Blocks32x8.COPY_TOKENS;
        if (Q6_Kx8.applies(type, rows)) return Q6_Kx8.COPY_TOKENS;
        return 0;
    }

    /**
     * {@code out[t * rows + r] = W[r] · x_t} as n single-token products ({@link #rowTask}) on {@code w}'s interleaved
     * copy, when n is below {@link #decodeCopyTokens} and the copy is built: the same bits as the tiles, token by token
     * (Q4_0's gemm and gemv orders and quantisations agree). False, having done nothing, otherwise.
     */
    private static boolean onDecodeCopy(WorkerPool pool, Matrix w, Tokens in, float[] out) {
        int n = in.n;
        if (n >= decodeCopyTokens(w)) return false;
        boolean built = switch (w.type()) {
            case Q4_0 -> Q4_0x8.ready(w) != null;
            case Q6_K -> Q6_Kx8.ready(w) != null;
            default -> Blocks32x8.ready(w) != null;
        };
        if (!built) return false;
        int rows = w.rows();
        WorkerPool.RangeTask[] tokens = new WorkerPool.RangeTask[n];
        for (int t = 0; t < n; t++) tokens[t] = rowTask(w, in.token(t), out, t * rows);
        pool.parallelFor(0, groups(rows), 1, (g0, g1) -> {
            int from = g0 * GROUP, to = Math.min(rows, g1 * GROUP);
            for (WorkerPool.RangeTask token : tokens) token.run(from, to);
        });
        return true;
    }

    /**
     * As {@link #matMul(WorkerPool, Matrix, float[], int, float[])}, with row t's product in the order of llama.cpp's
     * repacked gemm when {@code gemmRows[t]}, else of its gemv (see {@link RepackedQ4}; only Q4_K sums differently).
     */
    public static void matMul(Matrix w, float[] x, int n, float[] out, boolean[] gemmRows) {
        matMul(w, new Tokens(x, n, w.cols(), gemmRows), out);
    }

    /** {@code out[t * rows + r] = W[r] · x_t} for the tokens of {@code in}, on the shared pool. */
    public static void matMul(Matrix w, Tokens in, float[] out) {
        matMul(WorkerPool.shared(), w, in, out);
    }

    public static void matMul(WorkerPool pool, Matrix w, float[] x, int n, float[] out) {
        if (n == 1) {
            matVec(pool, w, x, 0, out, 0);
            return;
        }
        matMul(pool, w, new Tokens(x, n, w.cols(), RepackedQ4.gemmRows(n)), out);
    }

    private static void matMul(WorkerPool pool, Matrix w, Tokens in, float[] out) {
        if (in.cols != w.cols()) throw new IllegalArgumentException(w.name() + " has " + w.cols() + " columns, its input " + in.cols);
        int n = in.n;
        check(w, in.x, 0, n, out, 0);
        if (onDecodeCopy(pool, w, in, out)) return;
        if (RepackedQ4.applies(w.type(), w.rows())) {
            RepackedQ4.matMul(pool, w, in, out);
            return;
        }
        if (n == 1) {
            matVec(pool, w, in.token(0), out, 0);
            return;
        }
        GgmlType type = w.type();
        int rows = w.rows(), cols = w.cols();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        float[] x = in.x;
        if (Q8_0Kernels.supports(type)) {
            BlockActivations a = in.blocks(GgmlType.Q8_0);
            int tile = TokenLaneProduct.TILE_ROWS, tiles = (rows + tile - 1) / tile;
            pool.parallelFor(0, tiles, ROW_BLOCK / tile, (t0, t1) ->
                    Q8_0Kernels.matMulRows(data, rowBytes, a, tile * t0, Math.min(rows, tile * t1), out, rows));
        } else if (Blocks32Kernels.supports(type) && n < Blocks32Kernels.MIN_TILE_TOKENS) {
            // a few tokens: the single-token kernel per token (same sums) beats tiles that fill 8 token lanes
            GgmlType format = QuantizedActivations.formatFor(type);
            QuantizedActivations[] q = new QuantizedActivations[n];
            float[][] xl = new float[n][];
            for (int t = 0; t < n; t++) {
                q[t] = in.token(t).quantized(format);
                xl[t] = in.token(t).laneMajor(format);
            }
            pool.parallelFor(0, groups(rows), 1, (g0, g1) -> {
                for (int t = 0; t < n; t++) {
                    Blocks32Kernels.matVecRows(type, data, rowBytes, xl[t], q[t].d, q[t].s, g0 * GROUP, Math.min(rows, g1 * GROUP), out, t * rows);
                }
            });
        } else if (Blocks32Kernels.supports(type)) {
            BlockActivations a = in.blocks(QuantizedActivations.formatFor(type));
            int tile = TokenLaneProduct.TILE_ROWS, tiles = (rows + tile - 1) / tile;
            pool.parallelFor(0, tiles, ROW_BLOCK / tile, (t0, t1) ->
                    Blocks32Kernels.matMulRows(type, data, rowBytes, a, tile * t0, Math.min(rows, tile * t1), out, rows));
        } else if (Q6_KTiles.worthIt(type, n)) {
            Q6_KTiles.Activations a = in.prepared("Q6_K tiles", () -> new Q6_KTiles.Activations(in.quantized(GgmlType.Q8_K)));
            int tile = TokenLaneProduct.TILE_ROWS, tiles = (rows + tile - 1) / tile;
            pool.parallelFor(0, tiles, ROW_BLOCK / tile, (t0, t1) ->
                    Q6_KTiles.matMulRows(data, rowBytes, a, tile * t0, Math.min(rows, tile * t1), out, rows));
        } else if (usesQuantizedActivations(type)) {
            QuantizedActivations a = in.quantized(QuantizedActivations.formatFor(type));
            pool.parallelFor(0, rows, ROW_BLOCK, (from, to) -> {
                UnpackedRows block = new UnpackedRows(type, cols, ROW_BLOCK);
                for (int r0 = from; r0 < to; r0 += ROW_BLOCK) {
                    int nRows = Math.min(ROW_BLOCK, to - r0);
                    block.unpack(data, r0 * rowBytes, rowBytes, nRows);
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < nRows; r++) out[t * rows + r0 + r] = block.dot(r, a, t * cols);
                    }
                }
            });
        } else if (isFloatWeight(type)) {
            float[] xa = in.prepared(java.util.List.of("float activations", type), () -> floatActivations(type, x, 0, cols * n));
            boolean tinyBlas = usesTinyBlas(rows, cols, n);
            pool.parallelFor(0, rows, ROW_BLOCK, (from, to) -> {
                float[] block = new float[ROW_BLOCK * cols];
                for (int r0 = from; r0 < to; r0 += ROW_BLOCK) {
                    int r1 = Math.min(to, r0 + ROW_BLOCK);
                    for (int r = r0; r < r1; r++) VectorKernels.floatRow(type, data, r * rowBytes, block, (r - r0) * cols, cols);
                    int t = 0;
                    if (tinyBlas) {
                        // tiles of four rows and two tokens; the rest one product at a time, in the same order
                        int tiled = r0 + ((r1 - r0) & ~3);
                        for (; t + 2 <= n; t += 2) {
                            for (int r = r0; r < tiled; r += 4) {
                                GgmlOrderDots.tinyBlas4x2(block, (r - r0) * cols, xa, t * cols, cols, out, t * rows + r, rows);
                            }
                            for (int r = tiled; r < r1; r++) {
                                for (int j = t; j < t + 2; j++) out[j * rows + r] = GgmlOrderDots.tinyBlas(block, (r - r0) * cols, xa, j * cols, cols);
                            }
                        }
                    }
                    for (; t < n; t++) {
                        for (int r = r0; r < r1; r++) {
                            out[t * rows + r] = tinyBlas
                                    ? GgmlOrderDots.tinyBlas(block, (r - r0) * cols, xa, t * cols, cols)
                                    : vecDot(type, block, (r - r0) * cols, xa, t * cols, cols);
                        }
                    }
                }
            });
        } else {
            float[] xa = floatActivations(type, x, 0, cols * n);
            pool.parallelFor(0, rows, ROW_BLOCK, (from, to) -> {
                float[] block = new float[ROW_BLOCK * cols];
                for (int r0 = from; r0 < to; r0 += ROW_BLOCK) {
                    int r1 = Math.min(to, r0 + ROW_BLOCK);
                    for (int r = r0; r < r1; r++) Dequantize.row(type, data, r * rowBytes, block, (r - r0) * cols, cols);
                    VectorKernels.gemmBlock(block, r1 - r0, cols, xa, n, out, rows, r0);
                }
            });
        }
    }

    private static boolean isFloatWeight(GgmlType type) {
        return type == GgmlType.F32 || type == GgmlType.F16 || type == GgmlType.BF16;
    }

    /**
     * Whether llama.cpp (AVX2) multiplies float weights of this shape with {@code n} tokens through llamafile's
     * tinyBLAS: llamafile_sgemm declines single tokens, tinyBLAS lengths that are not a multiple of its 8 lanes and
     * row counts that are not a multiple of 4; ggml's vec_dot kernels take those.
     */
    static boolean usesTinyBlas(int rows, int cols, int n) {
        return n >= 2 && cols % 8 == 0 && rows % 4 == 0;
    }

    /** A float weight row times activations in the order of llama.cpp's vec_dot kernel for the weight type. */
    static float vecDot(GgmlType type, float[] w, int wOff, float[] x, int xOff, int n) {
        return switch (type) {
            case F16 -> GgmlOrderDots.vecDotF16(w, wOff, x, xOff, n);
            case BF16 -> GgmlOrderDots.vecDotBf16(w, wOff, x, xOff, n);
            default -> GgmlOrderDots.vecDotF32(w, wOff, x, xOff, n);
        };
    }

    /** The float activations ggml's vec_dot_type implies: rounded through half or bfloat16 for those weights. */
    private static float[] floatActivations(GgmlType type, float[] x, int xOffset, int n) {
        return switch (type) {
            case F16 -> {
                float[] r = new float[n];
                for (int i = 0; i < n; i++) r[i] = Float.float16ToFloat(Float.floatToFloat16(x[xOffset + i]));
                yield r;
            }
            case BF16 -> {
                float[] r = new float[n];
                for (int i = 0; i < n; i++) r[i] = Dequantize.bf16ToFloat(Quantize.floatToBf16(x[xOffset + i]));
                yield r;
            }
            default -> x;
        };
    }

    private static void check(Matrix w, float[] x, int xOffset, int n, float[] out, int outOffset) {
        if (!w.type().isSupported()) throw new UnsupportedOperationException(w.name() + ": products with " + w.type() + " are not implemented");
        if (n < 1) throw new IllegalArgumentException("need at least one activation vector, got " + n);
        if (xOffset < 0 || xOffset + (long) w.cols() * n > x.length) {
            throw new IndexOutOfBoundsException(w.name() + ": " + n + " input vectors of " + w.cols() + " from " + xOffset + " exceed x[" + x.length + "]");
        }
        if (outOffset < 0 || outOffset + (long) w.rows() * n > out.length) {
            throw new IndexOutOfBoundsException(w.name() + ": " + n + " output vectors of " + w.rows() + " from " + outOffset + " exceed out[" + out.length + "]");
        }
    }
}
