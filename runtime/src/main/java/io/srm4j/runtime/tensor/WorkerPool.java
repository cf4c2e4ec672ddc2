package io.srm4j.runtime.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of worker threads for parallel loops over index ranges: no thread is created per call, the
 * ForkJoin common pool is not used, and the calling thread takes part. Decode runs hundreds of small
 * mat-vecs per token, so idle workers spin briefly before parking, keeping the hand-off to microseconds.
 *
 * <p>The range is cut into pieces claimed dynamically, shrinking towards the end, so a slow or descheduled thread
 * delays little and the threads finish together.
 * Calls from several threads are serialised; a nested call (from inside a task) runs on the calling thread.
 */
public final class WorkerPool implements AutoCloseable {
    /** System property overriding the default thread count. */
    public static final String THREADS_PROPERTY = "srm4j.threads";
    /**
     * How long an idle worker spins before it parks. Waking a parked thread took from tens of microseconds to over a
     * millisecond on a two-vCPU VM, and a decoded token has gaps of more than 0.1 ms between its products (sampling,
     * the serial work before the next token's first layer).
     */
    private static final long SPIN_NANOS = 1_000_000L;
    /** Spins between reads of the clock (a spin is ~25 ns here, a clock read ~30). */
    private static final int SPINS_PER_CLOCK_READ = 32;

    /** A loop body over {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /**
     * One parallel-for call; workers that wake late find its range taken and touch nothing else. Pieces shrink as the
     * range is used up (a quarter of an even share of what is left, at least the grain), so the threads finish close
     * together: a fixed piece size leaves one thread idle for up to a piece at the end of every call. The first piece
     * is no larger than the fixed one was, so a descheduled thread holds up no more.
     */
    private static final class Job {
        final RangeTask task;
        final int end, grain, shares;
        final AtomicInteger next;
        final AtomicInteger done = new AtomicInteger();
        final int total;
        volatile Throwable failure;

        Job(RangeTask task, int start, int end, int grain, int threads) {
            this.task = task;
            this.end = end;
            // the smallest piece: the grain, or 1/16 of an even share (each piece costs two atomic updates that the
            // threads contend for; with pieces down to the grain, a decode product took ~50 of them)
            this.grain = Math.max(grain, (end - start) / (16 * threads));
            this.shares = 4 * threads;
            this.next = new AtomicInteger(start);
            this.total = end - start;
        }

        /** Claims and runs pieces until none is left. */
        void work() {
            int from;
            while ((from = next.get()) < end) {
                int left = end - from;
                int size = Math.min(left, Math.max(grain, left / shares));
                if (!next.compareAndSet(from, from + size)) continue;
                try {
                    if (failure == null) task.run(from, from + size);
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    done.addAndGet(size);
                }
            }
        }

        boolean finished() {
            return done.get() >= total;
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("srm4j-worker-" + index);
            setDaemon(true);
        }

        WorkerPool owner() {
            return WorkerPool.this;
        }

        @Override
        public void run() {
            Job seen = null;
            while (!closed) {
                Job j = job;
                if (j != null && j != seen) {
                    seen = j;
                    j.work();
                    continue;
                }
                int spins = 0;
                long parkAt = System.nanoTime() + SPIN_NANOS;
                while ((j = job) == null || j == seen) {
                    if (closed) return;
                    if (++spins % SPINS_PER_CLOCK_READ != 0 || System.nanoTime() - parkAt < 0) {
                        Thread.onSpinWait();
                    } else {
                        // Dekker-style hand-shake with submit(): it publishes the job, then reads `parked`.
                        parked = true;
                        if ((job == null || job == seen) && !closed) LockSupport.park(this);
                        parked = false;
                        parkAt = System.nanoTime() + SPIN_NANOS;
                    }
                }
            }
        }
    }

    private static volatile WorkerPool shared;

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock submitLock = new ReentrantLock();
    private volatile Job job;
    private volatile boolean closed;

    /** A pool of {@code threads} threads in all: the caller plus {@code threads - 1} workers. */
    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("a worker pool needs at least one thread, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** The pool sized by {@code -Dsrm4j.threads} or else {@link Runtime#availableProcessors()}, created on first use. */
    public static WorkerPool shared() {
        WorkerPool p = shared;
        if (p == null) {
            synchronized (WorkerPool.class) {
                p = shared;
                if (p == null) shared = p = new WorkerPool(defaultThreads());
            }
        }
        return p;
    }

    /** {@code -Dsrm4j.threads=N} when set (N >= 1), else the number of available processors. */
    public static int defaultThreads() {
        String v = System.getProperty(THREADS_PROPERTY);
        if (v == null || v.isBlank()) return Runtime.getRuntime().availableProcessors();
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(THREADS_PROPERTY + " must be a positive integer, got '" + v + "'");
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [start, end)} in pieces of at least {@code grain}, shrinking from a share of the
     * range towards the grain as it is used up.
     */
    public void parallelFor(int start, int end, int grain, RangeTask task) {
        if (end <= start) return;
        int range = end - start;
        grain = Math.max(1, grain);
        if (threads == 1 || grain >= range || closed || isNested()) {
            task.run(start, end);
            return;
        }
        submitLock.lock();
        try {
            Job j = new Job(task, start, end, grain, threads);
            job = j;
            for (Worker w : workers) {
                if (w.parked) LockSupport.unpark(w);
            }
            j.work();
            while (!j.finished()) Thread.onSpinWait();
            job = null; // drop the task's captured arrays
            Throwable t = j.failure;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            if (t != null) throw new RuntimeException(t);
        } finally {
            submitLock.unlock();
        }
    }

    private boolean isNested() {
        return submitLock.isHeldByCurrentThread() || (Thread.currentThread() instanceof Worker w && w.owner() == this);
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
    }
}
