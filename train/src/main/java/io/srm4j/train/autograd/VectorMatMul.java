package io.srm4j.train.autograd;

import io.srm4j.runtime.tensor.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * {@link MatMulKernel} as a cache- and register-blocked GEMM on the Vector API, in the manner of BLIS/GotoBLAS:
 * for each block of {@value #KC} steps of the shared dimension, A is packed into panels of {@value #MR} rows and B
 * into panels of {@code NR} = two vectors of columns, each laid out in the order the micro-kernel reads it; the
 * micro-kernel then keeps an MR×NR tile of C in eight vector registers and per step does one broadcast of A per row
 * and two loads of B, so every load feeds two or four fused multiply-adds. (Six packed rows, as BLIS uses on AVX2,
 * ran at about half the speed here: with twelve accumulators C2 spills out of the sixteen AVX2 registers.) When A's
 * rows are contiguous along k they are read in place instead, {@value #MR_DIRECT} at a time (no panel pointer to keep,
 * so twelve accumulators fit: 3-5% faster than four). Packing reads A and B through their strides, which is how
 * transposed operands and attention heads inside wider rows come for free. The tile height never changes the order in
 * which an element of C is summed: p ascending within a block, blocks in order.
 *
 * <p>Sizes: a B micro-panel (KC·NR floats, 16 KB with 8-lane vectors) stays in L1 while the A panels of a block
 * ({@value #MC} rows, 80 KB) stream from L2. On the worker pool, each task owns a tile of C through every KC block (one
 * hand-off per product, no barrier per block, the tile staying in one core's cache) and packs the panels it is first to
 * need; every element is summed in the same order as on one thread. A call made from inside a worker task runs on that
 * thread alone (attention's per-head products).
 */
public final class VectorMatMul implements MatMulKernel {
    public static final VectorMatMul INSTANCE = new VectorMatMul(WorkerPool.shared());

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 4;
    static final int NR = 2 * L;
    static final int KC = 256;
    static final int MC = 80;             // rows of C per work unit, a multiple of MR
    /** Rows per tile when A is read in place: no packed panel to stream, so twelve accumulators fit. */
    static final int MR_DIRECT = 6;
    static final int MC_DIRECT = 84;      // a multiple of MR_DIRECT
    private static final int NC = 16 * NR;  // columns of C per work unit
    /** B panels per parallel work unit, which runs all of k: narrower than NC so the threads finish together. */
    private static final int UNIT_PANELS = 8;
    /** Work units per thread below which they are made narrower. */
    private static final int MIN_UNITS = 8;
    private static final long PARALLEL_WORK = 1L << 18; // below this many multiply-adds one thread is quicker

    /**
     * Per calling thread: packed A and B (one KC block on one thread, every block for a parallel product), the
     * panels' packing states, and a tile for ragged edges.
     */
    private static final class Scratch {
        float[] packA = new float[0], packB = new float[0];
        int[] state = new int[0];
        final float[] edge = new float[MR_DIRECT * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final WorkerPool pool;

    public VectorMatMul(WorkerPool pool) {
        this.pool = pool;
    }

    @Override
    public void multiply(View a, View b, float[] c, int cOffset, int ldc, int m, int k, int n, boolean accumulate) {
        MatMulKernel.checkViews(a, b, c, cOffset, ldc, m, k, n);
        int mPanels = (m + MR - 1) / MR, nPanels = (n + NR - 1) / NR;
        int blocks = (k + KC - 1) / KC;
        int kc0 = (k + blocks - 1) / blocks; // even blocks: 384 = 2×192 rather than 256 + 128
        Scratch s = SCRATCH.get();
        // rows of A already contiguous along k are read in place: packing them costs more than it saves
        boolean directA = a.colStride() == 1;
        // the parallel path keeps every block's panels: as many floats as A and B hold, padded to whole panels
        long kept = (long) blocks * kc0 * Math.max(directA ? 0 : (long) mPanels * MR, (long) nPanels * NR);
        if ((long) m * n * k >= PARALLEL_WORK && pool.threads() > 1 && kept <= Integer.MAX_VALUE - 8) {
            multiplyParallel(a, b, c, cOffset, ldc, m, k, n, accumulate, s, mPanels, nPanels, blocks, kc0, directA);
            return;
        }
        if (!directA && s.packA.length < mPanels * MR * kc0) s.packA = new float[mPanels * MR * kc0];
        if (s.packB.length < nPanels * NR * kc0) s.packB = new float[nPanels * NR * kc0];
        float[] pa = s.packA, pb = s.packB;
        int mc = directA ? MC_DIRECT : MC;
        int rowUnits = (m + mc - 1) / mc, colUnits = (n + NC - 1) / NC;
        for (int pc = 0; pc < k; pc += kc0) {
            int kc = Math.min(kc0, k - pc);
            boolean add = accumulate || pc > 0;
            if (!directA) for (int t = 0; t < mPanels; t++) packA(a, pa, t * MR * kc, t, pc, kc, m);
            for (int t = 0; t < nPanels; t++) packB(b, pb, t * NR * kc, t, pc, kc, n);
            for (int u = 0; u < rowUnits * colUnits; u++) {
                int i0 = (u / colUnits) * mc, j0 = (u % colUnits) * NC;
                compute(directA ? a : null, pc, pa, 0, pb, 0, c, cOffset, ldc, kc, i0, Math.min(m, i0 + mc), j0, Math.min(n, j0 + NC), add, s.edge);
            }
        }
    }

    /**
     * The parallel product in one pass over the pool: each work unit (a tile of C) runs every KC block in order, so
     * an element of C sums exactly as in the serial loop, its tile stays in the one core's cache throughout, and there
     * is no barrier between blocks. The panels of A and B of every block are packed once, by the first thread to need
     * them (a panel's state: 0 not packed, 1 being packed, 2 ready).
     */
    private void multiplyParallel(View a, View b, float[] c, int cOffset, int ldc, int m, int k, int n, boolean accumulate, Scratch s,
                                  int mPanels, int nPanels, int blocks, int kc0, boolean directA) {
        int aPanels = directA ? 0 : mPanels;
        int aBlock = aPanels * MR * kc0, bBlock = nPanels * NR * kc0;
        if (s.packA.length < blocks * aBlock) s.packA = new float[blocks * aBlock];
        if (s.packB.length < blocks * bBlock) s.packB = new float[blocks * bBlock];
        int panels = blocks * (aPanels + nPanels);
        if (s.state.length < panels) s.state = new int[panels];
        Arrays.fill(s.state, 0, panels, 0); // published to the workers by the pool's hand-off
        float[] pa = s.packA, pb = s.packB;
        int[] state = s.state;
        // tiles of at most MC rows and UNIT_PANELS B panels, narrower while there are too few to share out evenly;
        // the panels are dealt evenly over the tiles so no ragged tile finishes last
        int mr = directA ? MR_DIRECT : MR, rowPanels = (m + mr - 1) / mr, perUnit = (directA ? MC_DIRECT : MC) / mr;
        int rowUnits = (rowPanels + perUnit - 1) / perUnit;
        int unitPanels = UNIT_PANELS, colUnits = (nPanels + unitPanels - 1) / unitPanels;
        while (rowUnits * colUnits < MIN_UNITS * pool.threads() && unitPanels > 2) {
            unitPanels /= 2;
            colUnits = (nPanels + unitPanels - 1) / unitPanels;
        }
        int cu = colUnits;
        pool.parallelFor(0, rowUnits * colUnits, 1, (from, to) -> {
            float[] edge = SCRATCH.get().edge;
            for (int u = from; u < to; u++) {
                // column-major: the two threads work one column strip at once, in rows that share no cache line of C,
                // and each keeps the strip's B panels in its cache from tile to tile
                int r = u % rowUnits, q = u / rowUnits;
                int i0 = (int) ((long) r * rowPanels / rowUnits) * mr, iEnd = Math.min(m, (int) ((long) (r + 1) * rowPanels / rowUnits) * mr);
                int j0 = (int) ((long) q * nPanels / cu) * NR, jEnd = Math.min(n, (int) ((long) (q + 1) * nPanels / cu) * NR);
                for (int bi = 0; bi < blocks; bi++) {
                    int pc = bi * kc0, kc = Math.min(kc0, k - pc);
                    int stateBase = bi * (aPanels + nPanels);
                    int a0 = i0 / MR, a1 = directA ? a0 : (iEnd + MR - 1) / MR, b0 = j0 / NR, b1 = (jEnd + NR - 1) / NR;
                    // first pack what no thread has claimed, then wait for any the other thread is packing: two tasks
                    // needing the same panels share the packing instead of one trailing the other
                    packUnclaimed(state, stateBase, a0, a1, a, pa, bi * aBlock, true, pc, kc, m);
                    packUnclaimed(state, stateBase + aPanels, b0, b1, b, pb, bi * bBlock, false, pc, kc, n);
                    awaitPacked(state, stateBase, a0, a1);
                    awaitPacked(state, stateBase + aPanels, b0, b1);
                    compute(directA ? a : null, pc, pa, bi * aBlock, pb, bi * bBlock, c, cOffset, ldc, kc, i0, iEnd, j0, jEnd,
                            accumulate || pc > 0, edge);
                }
            }
        });
    }

    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int UNPACKED = 0, PACKING = 1, READY = 2, FAILED = 3;

    /** Packs panels t0..t1 of A ({@code isA}) or B for one block that no thread has claimed yet. */
    private static void packUnclaimed(int[] state, int stateBase, int t0, int t1, View src, float[] dst, int blockBase, boolean isA,
                                      int p0, int kc, int limit) {
        for (int t = t0; t < t1; t++) {
            int idx = stateBase + t;
            if ((int) STATE.getAcquire(state, idx) != UNPACKED || !STATE.compareAndSet(state, idx, UNPACKED, PACKING)) continue;
            try {
                if (isA) packA(src, dst, blockBase + t * MR * kc, t, p0, kc, limit);
                else packB(src, dst, blockBase + t * NR * kc, t, p0, kc, limit);
            } catch (Throwable e) {
                STATE.setRelease(state, idx, FAILED);
                throw e;
            }
            STATE.setRelease(state, idx, READY);
        }
    }

    /** Waits until panels t0..t1 are packed; another thread is packing those not yet ready, a few KB each. */
    private static void awaitPacked(int[] state, int stateBase, int t0, int t1) {
        for (int t = t0; t < t1; t++) {
            int st;
            while ((st = (int) STATE.getAcquire(state, stateBase + t)) != READY) {
                if (st == FAILED) throw new IllegalStateException("packing a panel failed on another thread");
                Thread.onSpinWait();
            }
        }
    }

    /** Panel {@code t} of A: rows t·MR.. of columns p0..p0+kc, stored [p][r], rows past m as zeros. */
    private static void packA(View a, float[] pa, int base, int t, int p0, int kc, int m) {
        int i0 = t * MR, rows = Math.min(MR, m - i0);
        float[] d = a.data();
        int rs = a.rowStride(), cs = a.colStride(), src = a.offset() + i0 * rs + p0 * cs;
        if (rows == MR && rs == 1) { // a transposed operand: the panel's rows sit side by side
            for (int p = 0, o = base; p < kc; p++, o += MR, src += cs) {
                pa[o] = d[src];
                pa[o + 1] = d[src + 1];
                pa[o + 2] = d[src + 2];
                pa[o + 3] = d[src + 3];
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            int sr = src + r * rs;
            for (int p = 0; p < kc; p++) pa[base + p * MR + r] = d[sr + p * cs];
        }
        for (int r = rows; r < MR; r++) for (int p = 0; p < kc; p++) pa[base + p * MR + r] = 0f;
    }

    /** Panel {@code t} of B: columns t·NR.. of rows p0..p0+kc, stored [p][j], columns past n as zeros. */
    private static void packB(View b, float[] pb, int base, int t, int p0, int kc, int n) {
        int j0 = t * NR, cols = Math.min(NR, n - j0);
        float[] d = b.data();
        int rs = b.rowStride(), cs = b.colStride(), src = b.offset() + p0 * rs + j0 * cs;
        if (cs == 1) { // rows of B are contiguous: copy a row segment per step
            for (int p = 0; p < kc; p++) {
                System.arraycopy(d, src + p * rs, pb, base + p * NR, cols);
                for (int j = cols; j < NR; j++) pb[base + p * NR + j] = 0f;
            }
            return;
        }
        for (int j = 0; j < cols; j++) {
            int sj = src + j * cs;
            for (int p = 0; p < kc; p++) pb[base + p * NR + j] = d[sj + p * rs];
        }
        for (int j = cols; j < NR; j++) for (int p = 0; p < kc; p++) pb[base + p * NR + j] = 0f;
    }

    /**
     * One work unit: rows i0..iEnd, columns j0..jEnd of C, B panels outermost so each stays in L1. A comes from its
     * packed panels, or, when {@code direct} is given, straight from its rows (column p0 onward).
     */
    private static void compute(View direct, int p0, float[] pa, int paBase, float[] pb, int pbBase, float[] c, int cOffset, int ldc,
                                int kc, int i0, int iEnd, int j0, int jEnd, boolean add, float[] edge) {
        for (int j = j0; j < jEnd; j += NR) {
            int bOff = pbBase + (j / NR) * NR * kc, cols = Math.min(NR, jEnd - j);
            if (direct != null) {
                int lda = direct.rowStride();
                for (int i = i0; i < iEnd; i += MR_DIRECT) {
                    int rows = Math.min(MR_DIRECT, iEnd - i), a0 = direct.offset() + i * lda + p0;
                    // a ragged last tile repeats its first row in the missing ones; those results are not stored. Up to
                    // four rows go to the four-row kernel (a 64-row attention block ends in 4), which stores them whole
                    int a1 = rows > 1 ? a0 + lda : a0, a2 = rows > 2 ? a0 + 2 * lda : a0, a3 = rows > 3 ? a0 + 3 * lda : a0;
                    if (rows <= MR) {
                        microKernelDirect(direct.data(), a0, a1, a2, a3, pb, bOff, kc, c, cOffset + i * ldc + j, ldc, rows, cols, add, edge);
                        continue;
                    }
                    int a4 = a0 + 4 * lda, a5 = rows > 5 ? a0 + 5 * lda : a0;
                    microKernelDirect6(direct.data(), a0, a1, a2, a3, a4, a5, pb, bOff, kc, c, cOffset + i * ldc + j, ldc, rows, cols, add, edge);
                }
                continue;
            }
            for (int i = i0; i < iEnd; i += MR) {
                microKernel(pa, paBase + (i / MR) * MR * kc, pb, bOff, kc, c, cOffset + i * ldc + j, ldc, Math.min(MR, iEnd - i), cols, add, edge);
            }
        }
    }

    /** C[rows×cols] (+)= Apanel·Bpanel with a full MR×NR tile in registers. */
    private static void microKernel(float[] pa, int aOff, float[] pb, int bOff, int kc, float[] c, int cOff, int ldc,
                                    int rows, int cols, boolean add, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int bo = bOff + p * NR, ao = aOff + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + L);
            FloatVector x = FloatVector.broadcast(S, pa[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, pa[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, pa[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, pa[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        // written out here: a helper taking the accumulators, once compiled on its own, may no longer be inlined,
        // and then every tile would box its vectors
        if (rows == MR && cols == NR) {
            if (add) {
                c00 = c00.add(FloatVector.fromArray(S, c, cOff));
                c01 = c01.add(FloatVector.fromArray(S, c, cOff + L));
                c10 = c10.add(FloatVector.fromArray(S, c, cOff + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, cOff + ldc + L));
                c20 = c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc));
                c21 = c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L));
                c30 = c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc));
                c31 = c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L));
            }
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + L);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + L);
            c20.intoArray(c, cOff + 2 * ldc);
            c21.intoArray(c, cOff + 2 * ldc + L);
            c30.intoArray(c, cOff + 3 * ldc);
            c31.intoArray(c, cOff + 3 * ldc + L);
            return;
        }
        c00.intoArray(edge, 0);
        c01.intoArray(edge, L);
        c10.intoArray(edge, NR);
        c11.intoArray(edge, NR + L);
        c20.intoArray(edge, 2 * NR);
        c21.intoArray(edge, 2 * NR + L);
        c30.intoArray(edge, 3 * NR);
        c31.intoArray(edge, 3 * NR + L);
        storeEdge(edge, c, cOff, ldc, rows, cols, add);
    }

    /** As {@link #microKernel}, with row r of the tile read from {@code a[ar + p]}. */
    private static void microKernelDirect(float[] a, int a0, int a1, int a2, int a3, float[] pb, int bOff, int kc, float[] c,
                                          int cOff, int ldc, int rows, int cols, boolean add, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int bo = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        // written out here: a helper taking the accumulators, once compiled on its own, may no longer be inlined,
        // and then every tile would box its vectors
        if (rows == MR && cols == NR) {
            if (add) {
                c00 = c00.add(FloatVector.fromArray(S, c, cOff));
                c01 = c01.add(FloatVector.fromArray(S, c, cOff + L));
                c10 = c10.add(FloatVector.fromArray(S, c, cOff + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, cOff + ldc + L));
                c20 = c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc));
                c21 = c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L));
                c30 = c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc));
                c31 = c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L));
            }
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + L);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + L);
            c20.intoArray(c, cOff + 2 * ldc);
            c21.intoArray(c, cOff + 2 * ldc + L);
            c30.intoArray(c, cOff + 3 * ldc);
            c31.intoArray(c, cOff + 3 * ldc + L);
            return;
        }
        c00.intoArray(edge, 0);
        c01.intoArray(edge, L);
        c10.intoArray(edge, NR);
        c11.intoArray(edge, NR + L);
        c20.intoArray(edge, 2 * NR);
        c21.intoArray(edge, 2 * NR + L);
        c30.intoArray(edge, 3 * NR);
        c31.intoArray(edge, 3 * NR + L);
        storeEdge(edge, c, cOff, ldc, rows, cols, add);
    }

    /** As {@link #microKernelDirect} with six rows: twelve accumulators, two B vectors and a broadcast in sixteen registers. */
    private static void microKernelDirect6(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, float[] pb, int bOff, int kc,
                                           float[] c, int cOff, int ldc, int rows, int cols, boolean add, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++) {
            int bo = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        if (rows == MR_DIRECT && cols == NR) {
            if (add) {
                c00 = c00.add(FloatVector.fromArray(S, c, cOff));
                c01 = c01.add(FloatVector.fromArray(S, c, cOff + L));
                c10 = c10.add(FloatVector.fromArray(S, c, cOff + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, cOff + ldc + L));
                c20 = c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc));
                c21 = c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L));
                c30 = c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc));
                c31 = c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L));
                c40 = c40.add(FloatVector.fromArray(S, c, cOff + 4 * ldc));
                c41 = c41.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + L));
                c50 = c50.add(FloatVector.fromArray(S, c, cOff + 5 * ldc));
                c51 = c51.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + L));
            }
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + L);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + L);
            c20.intoArray(c, cOff + 2 * ldc);
            c21.intoArray(c, cOff + 2 * ldc + L);
            c30.intoArray(c, cOff + 3 * ldc);
            c31.intoArray(c, cOff + 3 * ldc + L);
            c40.intoArray(c, cOff + 4 * ldc);
            c41.intoArray(c, cOff + 4 * ldc + L);
            c50.intoArray(c, cOff + 5 * ldc);
            c51.intoArray(c, cOff + 5 * ldc + L);
            return;
        }
        c00.intoArray(edge, 0);
        c01.intoArray(edge, L);
        c10.intoArray(edge, NR);
        c11.intoArray(edge, NR + L);
        c20.intoArray(edge, 2 * NR);
        c21.intoArray(edge, 2 * NR + L);
        c30.intoArray(edge, 3 * NR);
        c31.intoArray(edge, 3 * NR + L);
        c40.intoArray(edge, 4 * NR);
        c41.intoArray(edge, 4 * NR + L);
        c50.intoArray(edge, 5 * NR);
        c51.intoArray(edge, 5 * NR + L);
        storeEdge(edge, c, cOff, ldc, rows, cols, add);
    }

    /** The rows×cols corner of a tile computed in full into {@code edge}. */
    private static void storeEdge(float[] edge, float[] c, int cOff, int ldc, int rows, int cols, boolean add) {
        for (int r = 0; r < rows; r++) {
            int o = cOff + r * ldc;
            for (int j = 0; j < cols; j++) c[o + j] = add ? c[o + j] + edge[r * NR + j] : edge[r * NR + j];
        }
    }
}
