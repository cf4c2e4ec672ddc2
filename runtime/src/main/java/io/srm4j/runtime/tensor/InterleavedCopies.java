package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The rows-interleaved copies single-token products run on ({@link Q4_0x8}, {@link Q4_Kx8}), one per weight matrix:
 * built once in the background on first use ({@link #ready}) or at once over a pool ({@link #of}).
 *
 * <p>Copies are found by Matrix identity and held weakly: a record's equality would let a new model mapped at a closed
 * one's address with the same names and shapes find the old weights.
 */
final class InterleavedCopies<T> {
    /** How a format lays out its copy: allocation, then groups of 8 rows packed independently (so in parallel). */
    interface Layout<T> {
        T allocate(int rows, int cols);

        void packGroups(T copy, MemorySegment data, long rowBytes, int fromGroup, int toGroup);

        /**
         * The memory a copy takes, for the headroom check; about the mapped size unless the layout widens the weights.
         * Counted against the heap limit even for a copy held off the heap ({@link Q4_0x8}'s quants): the limit is the
         * memory the user gave srm4j, and a copy is a second copy of weights that are mapped anyway.
         */
        default long heapBytes(int rows, int cols, long mappedBytes) {
            return mappedBytes;
        }
    }

    /**
     * Heap the copies being built will take (allocated or not yet): a copy is built only if, on top of these, it
     * leaves an eighth of the maximum heap (at least 256 MiB) free and all copies together stay within half of it
     * ({@link #BUILT}), so a model larger than that runs on its mapped weights, a little slower, instead of failing with
     * OutOfMemoryError in the builder or, later, where a growing KV cache allocates.
     */
    private static final java.util.concurrent.atomic.AtomicLong PENDING = new java.util.concurrent.atomic.AtomicLong();

    /**
     * {@code -Dsrm4j.interleave=false} turns the copies off: single-token products then read the mapped weights (the
     * same bits, slower for Q4_0/Q4_K/Q6_K), and the heap holds no second copy of those weights.
     */
    static final String PROPERTY = "srm4j.interleave";
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").strip());

    private static final java.util.concurrent.atomic.AtomicBoolean HEAP_WARNED = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Heap the built copies hold (until their matrices are gone and a later {@link #add} drops them): all copies together
     * take at most half the maximum heap, so the KV cache's blocks, which sessions allocate as they grow, and the
     * caller's own data keep the other half however large the model.
     */
    private static final java.util.concurrent.atomic.AtomicLong BUILT = new java.util.concurrent.atomic.AtomicLong();

    /** {@link #BUILT}, for tests. */
    static long builtBytes() {
        return BUILT.get();
    }

    /** Waits until the builder has finished every copy scheduled so far (tests). */
    static void awaitBuilder() throws InterruptedException {
        try {
            BUILDER.submit(() -> {}).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean fitsInHeap(long bytes) {
        Runtime rt = Runtime.getRuntime();
        long max = rt.maxMemory(), used = rt.totalMemory() - rt.freeMemory();
        long reserve = Math.max(256L << 20, max / 8);
        long pending = PENDING.get();
        return pending + BUILT.get() + bytes <= max / 2 && pending + bytes <= max - used - reserve;
    }

    /** One thread builds every format's copies off the callers' threads, one matrix at a time. */
    private static final ExecutorService BUILDER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "srm4j-interleave");
        t.setDaemon(true);
        return t;
    });

    private static final class Entry<T> {
        final WeakReference<Matrix> matrix;
        /** Null while being built. */
        volatile T copy;
        /** Heap the copy holds once built (counted in {@link #BUILT}). */
        volatile long bytes;

        Entry(Matrix m) {
            this.matrix = new WeakReference<>(m);
        }
    }

    private final Layout<T> layout;
    private final List<Entry<T>> entries = new ArrayList<>();

    InterleavedCopies(Layout<T> layout) {
        this.layout = layout;
    }

    private Entry<T> entry(Matrix w) {
        for (Entry<T> e : entries) if (e.matrix.get() == w) return e;
        return null;
    }

    /** Adds an entry for {@code w}, first dropping those of matrices gone (a lookup, once per product, does not). */
    private Entry<T> add(Matrix w) {
        entries.removeIf(e -> {
            if (e.matrix.get() != null) return false;
            BUILT.addAndGet(-e.bytes);
            return true;
        });
        Entry<T> e = new Entry<>(w);
        entries.add(e);
        return e;
    }

    /**
     * The copy of {@code w} if it is built; else null, and it is being built on a background thread. The caller then
     * multiplies the mapped weights (which give the same bits): so the first product of a large matrix, often the
     * output at the end of a prompt, does not wait for the copy.
     */
    T ready(Matrix w) {
        Entry<T> e;
        synchronized (entries) {
            e = entry(w);
            if (e != null) return e.copy;
            e = add(w);
        }
        Entry<T> scheduled = e;
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int rows = w.rows(), cols = w.cols();
        long bytes = layout.heapBytes(rows, cols, rowBytes * rows);
        // turned off or no room: the entry stays without a copy, so this matrix keeps its mapped weights (same bits)
        if (!ENABLED) return null;
        if (!fitsInHeap(bytes)) {
            if (!HEAP_WARNED.getAndSet(true)) {
                System.getLogger(InterleavedCopies.class.getName()).log(System.Logger.Level.WARNING, "the heap ("
                        + (Runtime.getRuntime().maxMemory() >> 20) + " MiB) has no room for interleaved copies of some weights;"
                        + " their single-token products stay slower (a larger -Xmx in SRM4J_JAVA_OPTS gives them room)");
            }
            return null;
        }
        PENDING.addAndGet(bytes);
        // the task holds the weights' segment, not the Matrix (the weak key)
        BUILDER.execute(() -> {
            try {
                T copy = layout.allocate(rows, cols);
                layout.packGroups(copy, data, rowBytes, 0, rows / RepackedQ4.INTERLEAVE);
                synchronized (entries) {
                    if (scheduled.copy == null) { // of() may have built one meanwhile
                        scheduled.bytes = bytes;
                        BUILT.addAndGet(bytes);
                        scheduled.copy = copy;
                    }
                }
            } catch (IllegalStateException closed) {
                // the model was closed (its mapping released) before its turn came: nothing is left to copy for
            } catch (ArithmeticException | OutOfMemoryError failure) {
                // too large for one array, or the heap filled up after the check: products keep the mapped weights
                System.getLogger(InterleavedCopies.class.getName()).log(System.Logger.Level.WARNING,
                        "no interleaved copy of " + rows + "x" + cols + " weights, single-token products stay slower: " + failure);
            } finally {
                PENDING.addAndGet(-bytes);
            }
        });
        return null;
    }

    /** The copy of {@code w}, built now over the pool if need be. */
    T of(WorkerPool pool, Matrix w) {
        synchronized (entries) {
            Entry<T> e = entry(w);
            if (e != null && e.copy != null) return e.copy;
        }
        T copy = layout.allocate(w.rows(), w.cols());
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        pool.parallelFor(0, w.rows() / RepackedQ4.INTERLEAVE, 8, (g0, g1) -> layout.packGroups(copy, data, rowBytes, g0, g1));
        synchronized (entries) {
            Entry<T> e = entry(w);
            if (e == null) e = add(w);
            if (e.copy == null) {
                e.bytes = layout.heapBytes(w.rows(), w.cols(), w.rowBytes() * w.rows());
                BUILT.addAndGet(e.bytes);
                e.copy = copy;
            }
            return e.copy;
        }
    }
}
