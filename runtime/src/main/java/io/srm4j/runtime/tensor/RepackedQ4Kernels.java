package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector twins of {@link RepackedQ4#q4_KGemv} and {@link RepackedQ4#q4_KGemm}, bit for bit: the integer sums are
 * exact in any order (16-bit products of a 4-bit quant and an 8-bit activation, summed two at a time in shorts, then
 * in int lanes), so only the fused multiply-adds' granularity has to follow ggml: per super-block (gemv) or per
 * pair of sub-blocks (gemm). Needs 256-bit vectors ({@link #supported}).
 */
final class RepackedQ4Kernels {
    private RepackedQ4Kernels() {}

    static boolean supported() {
        return VectorKernels.INT_PATH;
    }

    /** As {@link RepackedQ4#q4_KGemv}. */
    static float q4_KGemv(MemorySegment w, long p, QuantizedActivations a, int y, int n) {
        float acc = 0, accMin = 0;
        short[] act = a.qs16;
        for (int b = 0; b < n / 256; b++, p += 144, y += 256) {
            int sb = y / 256;
            long scales = VectorKernels.kScales(w, p + 4), mins = VectorKernels.kMins(w, p + 4);
            IntVector isum = IntVector.zero(VectorKernels.I8);
            for (int g = 0; g < 4; g++) isum = isum.add(pair(w, p, act, y, g, scales));
            acc = Math.fma((float) isum.reduceLanes(VectorOperators.ADD), Dequantize.f16(w, p) * a.d[sb], acc);
            accMin = Math.fma((float) minSums(mins, a.bsums, sb * 16, 0, 8), Dequantize.f16(w, p + 2) * a.d[sb], accMin);
        }
        return acc - accMin;
    }

    /** As {@link RepackedQ4#q4_KGemm}. */
    static float q4_KGemm(MemorySegment w, long p, QuantizedActivations a, int y, int n) {
        float acc = 0, accMin = 0;
        short[] act = a.qs16;
        for (int b = 0; b < n / 256; b++, p += 144, y += 256) {
            int sb = y / 256;
            long scales = VectorKernels.kScales(w, p + 4), mins = VectorKernels.kMins(w, p + 4);
            float d = Dequantize.f16(w, p) * a.d[sb], dmin = Dequantize.f16(w, p + 2) * a.d[sb];
            for (int g = 0; g < 4; g++) {
                acc = Math.fma((float) pair(w, p, act, y, g, scales).reduceLanes(VectorOperators.ADD), d, acc);
                accMin = Math.fma((float) minSums(mins, a.bsums, sb * 16, 2 * g, 2 * g + 2), dmin, accMin);
            }
        }
        return acc - accMin;
    }

    /**
     * As {@link RepackedQ4#q4_KGemm} ({@code gemm}) or {@link RepackedQ4#q4_KGemv}, for row {@code r} of rows already
     * unpacked to 16-bit quants ({@link UnpackedRows}; prompts decode each weight once for all their tokens).
     */
    static float q4_K(UnpackedRows rows, int r, QuantizedActivations a, int y, boolean gemm) {
        float acc = 0, accMin = 0;
        short[] q = rows.q, act = a.qs16;
        int e = r * rows.cols, blk = e / 256;
        for (int b = 0; b < rows.cols / 256; b++, e += 256, y += 256, blk++) {
            int sb = y / 256;
            float d = rows.d[blk] * a.d[sb], dmin = rows.m[blk] * a.d[sb];
            IntVector isum = IntVector.zero(VectorKernels.I8);
            int summs = 0;
            for (int g = 0; g < 16; g++) {
                // |q| <= 15, |a| <= 127: one product per short
                ShortVector prod = ShortVector.fromArray(VectorKernels.S16, q, e + 16 * g).mul(ShortVector.fromArray(VectorKernels.S16, act, y + 16 * g));
                isum = isum.add(VectorKernels.pairSums(prod).mul(rows.scale[e / 16 + g]));
                summs += rows.min[e / 16 + g] * a.bsums[sb * 16 + g];
                if (gemm && g % 4 == 3) { // a pair of sub-blocks: 64 elements
                    acc = Math.fma((float) isum.reduceLanes(VectorOperators.ADD), d, acc);
                    accMin = Math.fma((float) summs, dmin, accMin);
                    isum = IntVector.zero(VectorKernels.I8);
                    summs = 0;
                }
            }
            if (!gemm) {
                acc = Math.fma((float) isum.reduceLanes(VectorOperators.ADD), d, acc);
                accMin = Math.fma((float) summs, dmin, accMin);
            }
        }
        return acc - accMin;
    }

    /** Lanes summing to sc_{2g} Σ q·a over sub-block 2g (low nibbles of qs bytes 32g..) plus sc_{2g+1} for 2g+1. */
    private static IntVector pair(MemorySegment w, long p, short[] act, int y, int g, long scales) {
        long qp = p + 16 + 32L * g;
        int ay = y + 64 * g;
        ShortVector q0 = widen(w, qp), q1 = widen(w, qp + 16);
        // products <= 15 * 127: sums of two fit in a short
        ShortVector lo = q0.and((short) 0xF).mul(ShortVector.fromArray(VectorKernels.S16, act, ay))
                .add(q1.and((short) 0xF).mul(ShortVector.fromArray(VectorKernels.S16, act, ay + 16)));
        ShortVector hi = q0.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(ShortVector.fromArray(VectorKernels.S16, act, ay + 32))
                .add(q1.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(ShortVector.fromArray(VectorKernels.S16, act, ay + 48)));
        return VectorKernels.pairSums(lo).mul(byteAt(scales, 2 * g)).add(VectorKernels.pairSums(hi).mul(byteAt(scales, 2 * g + 1)));
    }

    private static ShortVector widen(MemorySegment w, long p) {
        return (ShortVector) ByteVector.fromMemorySegment(VectorKernels.B16, w, p, VectorKernels.LE).convertShape(VectorOperators.B2S, VectorKernels.S16, 0);
    }

    private static int byteAt(long packed, int i) {
        return (int) (packed >>> (8 * i)) & 0xFF;
    }

    /** Σ min_j · (activation sum of sub-block j) for j in [from, to). */
    private static int minSums(long mins, short[] bsums, int o, int from, int to) {
        int s = 0;
        for (int j = from; j < to; j++) s += byteAt(mins, j) * (bsums[o + 2 * j] + bsums[o + 2 * j + 1]);
        return s;
    }
}
