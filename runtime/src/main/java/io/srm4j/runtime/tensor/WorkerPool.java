package io.srm4j.runtime.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of worker threads for parallel loops over index ranges: no thread is created per call, the
 * ForkJoin common pool is not used, and the calling thread takes part. Decode runs hundreds of small
 * mat-vecs per token, so idle workers spin briefly before parking, keeping the hand-off to microseconds.
 *
 * <p>The range is cut into chunks claimed dynamically, so a slow or descheduled thread delays little.
 * Calls from several threads are serialised; a nested call (from inside a task) runs on the calling thread.
 */
public final class WorkerPool implements AutoCloseable {
    /** System property overriding the default thread count. */
    public static final String THREADS_PROPERTY = "srm4j.threads";
    /** Idle spin iterations (roughly 100-300 microseconds) before a worker parks. */
    private static final int SPIN_LIMIT = 1 << 12;

    /** A loop body over {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /** One parallel-for call; workers that wake late find its chunks taken and touch nothing else. */
    private static final class Job {
        final RangeTask task;
        final int start, end, chunk, chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(RangeTask task, int start, int end, int chunk) {
            this.task = task;
            this.start = start;
            this.end = end;
            this.chunk = chunk;
            this.chunks = (end - start + chunk - 1) / chunk;
        }

        /** Claims and runs chunks until none is left. */
        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                int from = start + c * chunk;
                try {
                    if (failure == null) task.run(from, Math.min(end, from + chunk));
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    done.incrementAndGet();
                }
            }
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
                while ((j = job) == null || j == seen) {
                    if (closed) return;
                    if (++spins < SPIN_LIMIT) {
                        Thread.onSpinWait();
                    } else {
                        // Dekker-style hand-shake with submit(): it publishes the job, then reads `parked`.
                        parked = true;
                        if ((job == null || job == seen) && !closed) LockSupport.park(this);
                        parked = false;
                        spins = 0;
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

    /** Runs {@code task} over {@code [start, end)} in chunks of about a quarter of an even share, at least {@code grain}. */
    public void parallelFor(int start, int end, int grain, RangeTask task) {
        if (end <= start) return;
        int range = end - start;
        int chunk = Math.max(Math.max(1, grain), (range + 4 * threads - 1) / (4 * threads));
        if (threads == 1 || chunk >= range || closed || isNested()) {
            task.run(start, end);
            return;
        }
        submitLock.lock();
        try {
            Job j = new Job(task, start, end, chunk);
            job = j;
            for (Worker w : workers) {
                if (w.parked) LockSupport.unpark(w);
            }
            j.work();
            while (j.done.get() < j.chunks) Thread.onSpinWait();
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
