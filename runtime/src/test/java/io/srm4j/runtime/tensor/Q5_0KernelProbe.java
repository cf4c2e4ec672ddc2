package io.srm4j.runtime.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Hand-run (not a test): Q5_0 (or -Dtype) products on one thread, weights in native memory, old and new kernels
 * alternating for -Dreps rounds, best call of -Dms milliseconds each: decode ({@link Blocks32Kernels#matVecRows}
 * against the Long.expand kernel {@link VectorKernels#dotQ} had before, kept here as {@link #oldDot}, and against
 * today's {@code dotQ}), the prefill's unpacking of every row, and prefill of -Dn tokens
 * ({@link Blocks32Kernels#matMulRows} against {@link UnpackedRows}).
 * Defaults: Qwen2.5-0.5B's feed-forward gate/up shape, 4864 rows of 896.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp runtime/target/classes:runtime/target/test-classes io.srm4j.runtime.tensor.Q5_0KernelProbe
 * </pre>
 */
public final class Q5_0KernelProbe {
    public static void main(String[] args) {
        Random rnd = new Random(1);
        GgmlType t = GgmlType.valueOf(System.getProperty("type", "Q5_0"));
        int rows = Integer.getInteger("rows", 4864), cols = Integer.getInteger("cols", 896), n = Integer.getInteger("n", 64);
        int reps = Integer.getInteger("reps", 3);
        long ms = Long.getLong("ms", 2000);
        GgmlType format = QuantizedActivations.formatFor(t);
        MemorySegment data = Arena.global().allocate((long) rows * t.rowBytes(cols)).copyFrom(MemorySegment.ofArray(KernelsTest.rawRandomRows(t, rnd, rows, cols)));
        long rowBytes = t.rowBytes(cols);
        float[] x = Fixtures.gaussian(rnd, cols * n, 1f);
        float[] out = new float[rows * n];
        QuantizedActivations q1 = QuantizedActivations.quantize(format, x, 0, cols, 1), qn = QuantizedActivations.quantize(format, x, 0, cols, n);
        float[] xl = Q8_0Kernels.laneMajor(q1, 0);
        BlockActivations a = BlockActivations.forTokens(qn);
        double bv = Double.MAX_VALUE, bov = bv, bdv = bv, bm = bv, bom = bv;
        for (int rep = 0; rep < reps; rep++) {
            double ov = BlockKernelProbe.best(() -> { for (int r = 0; r < rows; r++) out[r] = oldDot(t, data, r * rowBytes, q1, 0, cols); }, ms);
            double v = BlockKernelProbe.best(() -> Blocks32Kernels.matVecRows(t, data, rowBytes, xl, q1.d, q1.s, 0, rows, out, 0), ms);
            Blocks32Kernels.TokenLanes lanes = new Blocks32Kernels.TokenLanes(Blocks32Kernels.Layout.of(t), t.typeSize);
            float[] wf = new float[cols], wd = new float[cols / 32];
            double up = BlockKernelProbe.best(() -> { for (int r = 0; r < rows; r++) lanes.unpackRow(data, r * rowBytes, cols / 32, wf, 0, wd, 0); }, ms);
            double dv = BlockKernelProbe.best(() -> { for (int r = 0; r < rows; r++) out[r] = VectorKernels.dotQ(t, data, r * rowBytes, q1, 0, cols); }, ms);
            double om = BlockKernelProbe.best(() -> {
                UnpackedRows block = new UnpackedRows(t, cols, 16);
                for (int r0 = 0; r0 < rows; r0 += 16) {
                    int nr = Math.min(16, rows - r0);
                    block.unpack(data, r0 * rowBytes, rowBytes, nr);
                    for (int tk = 0; tk < n; tk++) for (int r = 0; r < nr; r++) out[tk * rows + r0 + r] = block.dot(r, qn, tk * cols);
                }
            }, ms);
            double m = BlockKernelProbe.best(() -> Blocks32Kernels.matMulRows(t, data, rowBytes, a, 0, rows, out, rows), ms);
            bv = Math.min(bv, v);
            bov = Math.min(bov, ov);
            bdv = Math.min(bdv, dv);
            bm = Math.min(bm, m);
            bom = Math.min(bom, om);
            System.out.printf("round %d: matVec old %.1f us, dotQ now %.1f us, new %.1f us | unpack %.1f us | matMul(%d) old %.2f ms, new %.2f ms%n",
                    rep, ov * 1e6, dv * 1e6, v * 1e6, up * 1e6, n, om * 1e3, m * 1e3);
        }
        double bytes = (double) rows * rowBytes, macs = (double) n * rows * cols;
        System.out.printf("%s %dx%d best: matVec old %.1f us, dotQ now %.1f us (%.2fx), new %.1f us %.2f GB/s (%.2fx old) | matMul(%d) old %.2f ms, new %.2f ms %.1f GMAC/s (%.2fx old)%n",
                t, rows, cols, bov * 1e6, bdv * 1e6, bov / bdv, bv * 1e6, bytes / bv / 1e9, bov / bv, n, bom * 1e3, bm * 1e3, macs / bm / 1e9, bom / bm);
    }

    // ---- the decode kernel before Blocks32Kernels (VectorKernels.blocks32q as it was), frozen as the probe's anchor

    private static final long NIBBLES = 0x0F0F0F0F0F0F0F0FL, BIT0 = 0x0101010101010101L, BIT4 = 0x1010101010101010L, EIGHTS = 0x0808080808080808L;

    static float oldDot(GgmlType type, MemorySegment w, long p, QuantizedActivations a, int y, int n) {
        boolean affine = type == GgmlType.Q4_1 || type == GgmlType.Q5_1, five = type == GgmlType.Q5_0 || type == GgmlType.Q5_1;
        int qhAt = affine ? 4 : 2, qsAt = five ? qhAt + 4 : qhAt;
        int offset = switch (type) {
            case Q4_0 -> -8;
            case Q5_0 -> -16;
            default -> 0;
        };
        long[] v = new long[4];
        FloatVector acc = FloatVector.zero(VectorKernels.F8);
        float summs = 0;
        for (int b = 0; b < n / 32; b++, p += type.typeSize, y += 32) {
            long lo = w.get(ValueLayout.JAVA_LONG_UNALIGNED, p + qsAt), hi = w.get(ValueLayout.JAVA_LONG_UNALIGNED, p + qsAt + 8);
            long e0 = lo & NIBBLES, e1 = hi & NIBBLES, e2 = (lo >>> 4) & NIBBLES, e3 = (hi >>> 4) & NIBBLES;
            if (five) {
                int qh = w.get(Dequantize.I32, p + qhAt);
                if (affine) {
                    e0 |= Long.expand(qh & 0xFF, BIT4);
                    e1 |= Long.expand((qh >>> 8) & 0xFF, BIT4);
                    e2 |= Long.expand((qh >>> 16) & 0xFF, BIT4);
                    e3 |= Long.expand((qh >>> 24) & 0xFF, BIT4);
                } else {
                    int clear = ~qh;
                    e0 |= Long.expand(clear & 0xFF, BIT0) * 0xF0;
                    e1 |= Long.expand((clear >>> 8) & 0xFF, BIT0) * 0xF0;
                    e2 |= Long.expand((clear >>> 16) & 0xFF, BIT0) * 0xF0;
                    e3 |= Long.expand((clear >>> 24) & 0xFF, BIT0) * 0xF0;
                }
            } else if (offset == -8) {
                e0 = (e0 ^ EIGHTS) | (((~e0 >>> 3) & BIT0) * 0xF0);
                e1 = (e1 ^ EIGHTS) | (((~e1 >>> 3) & BIT0) * 0xF0);
                e2 = (e2 ^ EIGHTS) | (((~e2 >>> 3) & BIT0) * 0xF0);
                e3 = (e3 ^ EIGHTS) | (((~e3 >>> 3) & BIT0) * 0xF0);
            }
            v[0] = e0;
            v[1] = e1;
            v[2] = e2;
            v[3] = e3;
            IntVector wq = LongVector.fromArray(LongVector.SPECIES_256, v, 0).reinterpretAsInts();
            float scale = Dequantize.f16(w, p) * a.d[y / 32];
            acc = ((FloatVector) VectorKernels.lanesOf4(wq, a, y).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(VectorKernels.F8, scale), acc);
            if (affine) summs = Math.fma(Dequantize.f16(w, p + 2), a.s[y / 32], summs);
        }
        return ScalarKernels.hsum8(acc.toArray()) + summs;
    }
}
