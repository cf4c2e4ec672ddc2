package io.srm4j.runtime.tensor;

/**
 * Worker pools shared by the kernel tests: one thread (the order a single core sees) and three (uneven shares of
 * rows, so split points land mid-tile). Their threads are daemons, so the pools live as long as the test JVM.
 */
final class TestPools {
    private TestPools() {}

    static final WorkerPool SINGLE = new WorkerPool(1);
    static final WorkerPool THREE = new WorkerPool(3);
}
