package io.srm4j.runtime.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.*;

class InterleavedCopiesTest {
    /** A layout whose copy is an int[] of the groups packed, claiming {@code heapBytes} of heap. */
    private static InterleavedCopies<int[]> copies(long heapBytes) {
        return new InterleavedCopies<>(new InterleavedCopies.Layout<>() {
            @Override
            public int[] allocate(int rows, int cols) {
                return new int[rows / RepackedQ4.INTERLEAVE];
            }

            @Override
            public void packGroups(int[] copy, MemorySegment data, long rowBytes, int fromGroup, int toGroup) {
                for (int g = fromGroup; g < toGroup; g++) copy[g] = g + 1 + data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, g * rowBytes);
            }

            @Override
            public long heapBytes(int rows, int cols, long mappedBytes) {
                return heapBytes;
            }
        });
    }

    private static Matrix matrix() {
        return new Matrix("w", GgmlType.Q4_0, 16, 32, MemorySegment.ofArray(new byte[16 * 18]));
    }

    @Test
    void aCopyIsBuiltInTheBackgroundAndFoundByIdentity() throws InterruptedException {
        InterleavedCopies<int[]> c = copies(1024);
        Matrix w = matrix();
        int[] copy = null;
        for (int i = 0; i < 200 && copy == null; i++) {
            copy = c.ready(w);
            if (copy == null) Thread.sleep(10);
        }
        assertArrayEquals(new int[] {1, 2}, copy);
        assertSame(copy, c.ready(w));
        assertNull(c.ready(matrix()), "another matrix with the same name and shape is not this one");
    }

    /** Built copies are counted, and all of them together stay within half the heap (the KV cache keeps the rest). */
    @Test
    void builtCopiesAreCountedAndTogetherStayWithinHalfTheHeap() throws InterruptedException {
        InterleavedCopies.awaitBuilder(); // copies other tests scheduled are done, so the count moves by ours alone
        long before = InterleavedCopies.builtBytes();
        InterleavedCopies<int[]> c = copies(4096);
        Matrix w = matrix();
        assertNull(c.ready(w));
        InterleavedCopies.awaitBuilder();
        assertNotNull(c.ready(w));
        assertEquals(4096, InterleavedCopies.builtBytes() - before, "the built copy's claim is counted");
        long half = Runtime.getRuntime().maxMemory() / 2;
        assertFalse(InterleavedCopies.fitsInHeap(half - InterleavedCopies.builtBytes() + 1), "past half the heap with the copies built");
        InterleavedCopies<int[]> big = copies(half + 1);
        Matrix w2 = matrix();
        for (int i = 0; i < 20; i++) {
            assertNull(big.ready(w2), "a copy past half the heap is never built");
            Thread.sleep(5);
        }
    }

    @Test
    void aCopyLargerThanTheHeapIsNeverBuiltAndTheMappedWeightsServe() throws InterruptedException {
        assertTrue(InterleavedCopies.fitsInHeap(1 << 20));
        assertFalse(InterleavedCopies.fitsInHeap(Runtime.getRuntime().maxMemory()));
        InterleavedCopies<int[]> c = copies(Runtime.getRuntime().maxMemory());
        Matrix w = matrix();
        for (int i = 0; i < 20; i++) {
            assertNull(c.ready(w), "no copy: products use the mapped weights");
            Thread.sleep(5);
        }
    }

    /** A model closed before its copies' turn came: nothing is built (the weights are gone) and the builder goes on. */
    @Test
    void weightsClosedBeforeTheirTurnAreSkippedAndTheBuilderGoesOn() throws InterruptedException {
        java.util.List<Throwable> uncaught = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            buildAfterClosed();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertEquals(java.util.List.of(), uncaught, "the builder thread threw");
    }

    private static void buildAfterClosed() throws InterruptedException {
        InterleavedCopies<int[]> c = copies(1024);
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
        Matrix closed = new Matrix("w", GgmlType.Q4_0, 16, 32, arena.allocate(16 * 18));
        arena.close();
        assertNull(c.ready(closed));
        Matrix w = matrix();
        int[] copy = null;
        for (int i = 0; i < 200 && copy == null; i++) {
            copy = c.ready(w);
            if (copy == null) Thread.sleep(10);
        }
        assertArrayEquals(new int[] {1, 2}, copy, "the builder still builds after the closed one");
        assertNull(c.ready(closed), "nothing was built from closed weights");
    }
}
