package io.srm4j.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void everyIndexRunsExactlyOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int[] c : new int[][] {{0, 1, 1}, {0, 7, 1}, {5, 1000, 8}, {0, 12345, 1}, {3, 3, 1}, {10, 64, 100}}) {
                int start = c[0], end = c[1], grain = c[2];
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(end, 1));
                for (int repeat = 0; repeat < 50; repeat++) {
                    pool.parallelFor(start, end, grain, (from, to) -> {
                        assertTrue(from >= start && to <= end && from < to);
                        for (int i = from; i < to; i++) hits.incrementAndGet(i);
                    });
                }
                for (int i = 0; i < end; i++) assertEquals(i >= start ? 50 : 0, hits.get(i), "index " + i + " of " + start + ".." + end);
            }
        }
    }

    @Test
    void usesTheWorkersAndTheCaller() {
        try (WorkerPool pool = new WorkerPool(3)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            for (int repeat = 0; repeat < 200 && seen.size() < 3; repeat++) {
                pool.parallelFor(0, 64, 1, (from, to) -> {
                    seen.add(Thread.currentThread());
                    long until = System.nanoTime() + 200_000;
                    while (System.nanoTime() < until) Thread.onSpinWait();
                });
            }
            assertTrue(seen.contains(Thread.currentThread()), "caller takes part");
            assertEquals(3, seen.size(), "caller + 2 workers, no new threads: " + seen);
        }
    }

    @Test
    void failuresReachTheCallerAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            var e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(0, 100, 1, (from, to) -> {
                if (from <= 50 && 50 < to) throw boom;
            }));
            assertSame(boom, e);
            AtomicIntegerArray hits = new AtomicIntegerArray(100);
            pool.parallelFor(0, 100, 1, (from, to) -> {
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            });
            for (int i = 0; i < 100; i++) assertEquals(1, hits.get(i));
        }
    }

    @Test
    void nestedAndConcurrentCallsComplete() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(4 * 100);
            Thread[] callers = new Thread[4];
            for (int k = 0; k < callers.length; k++) {
                int base = k * 100;
                callers[k] = new Thread(() -> {
                    for (int rep = 0; rep < 20; rep++) {
                        pool.parallelFor(0, 10, 1, (from, to) -> {
                            for (int i = from; i < to; i++) {
                                int row = base + i * 10;
                                // nested: runs inline on whichever thread got the chunk
                                pool.parallelFor(0, 10, 1, (f2, t2) -> {
                                    for (int j = f2; j < t2; j++) hits.incrementAndGet(row + j);
                                });
                            }
                        });
                    }
                });
                callers[k].start();
            }
            for (Thread t : callers) t.join(30_000);
            for (int i = 0; i < hits.length(); i++) assertEquals(20, hits.get(i), "cell " + i);
        }
    }

    @Test
    void threadCountComesFromThePropertyOrTheMachine() {
        String old = System.getProperty(WorkerPool.THREADS_PROPERTY);
        try {
            System.clearProperty(WorkerPool.THREADS_PROPERTY);
            assertEquals(Runtime.getRuntime().availableProcessors(), WorkerPool.defaultThreads());
            System.setProperty(WorkerPool.THREADS_PROPERTY, "3");
            assertEquals(3, WorkerPool.defaultThreads());
            System.setProperty(WorkerPool.THREADS_PROPERTY, "zero");
            assertThrows(IllegalArgumentException.class, WorkerPool::defaultThreads);
        } finally {
            if (old == null) System.clearProperty(WorkerPool.THREADS_PROPERTY);
            else System.setProperty(WorkerPool.THREADS_PROPERTY, old);
        }
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
    }
}
