package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-token Q4_0 products on the mapped weights in float lanes, bit-identical to {@link RepackedQ4#q4_0}
 * (llama.cpp's repacked order), for matrices whose interleaved copy ({@link Q4_0x8}) is not built yet or not kept.
 *
 * <p>Why floats: a weight quant (|q| <= 8) times an 8-bit activation quant (|a| <= 127) is an integer, and a
 * 32-element block's sum of them stays below 2^24, so float FMA computes every block sum exactly, in any order.
 * Each exact block sum is scaled and added to the row's sum block by block with one fma, as the scalar twin does
 * ({@code sum = fma(sumi, d_w * d_a, sum)}). Products of several tokens take {@link Q4_0Tiles}.
 *
 * <p>Q8_0 is not here: its products follow ggml's AVX2 lane order (eight lanes of four-element sums, scaled per
 * block); {@link Q8_0Kernels} reproduces that with one pass over the blocks per lane. Needs 256-bit
 * vectors ({@link #supports}); elsewhere MatMul keeps the other kernels.
 */
final class ExactBlockKernels {
    private ExactBlockKernels() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    static boolean supports(GgmlType type) {
        return VectorKernels.INT_PATH && type == GgmlType.Q4_0;
    }

    static IntVector bytesToInts(MemorySegment w, long p) {
        return (IntVector) ByteVector.fromMemorySegment(B8, w, p, LE).convertShape(VectorOperators.B2I, I8, 0);
    }

    private static FloatVector toFloats(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    // ------------------------------------------------------------------ one token

    /**
     * {@code out[outOffset + r] = W[r] · a} for rows {@code [from, to)} of the Q4_0 matrix at {@code w}
     * ({@code rowBytes} apart), {@code a} from {@link BlockActivations#forRow}: each block's lanes are reduced to its
     * exact sum (reduceLanes may add in any order: every partial sum is an integer below 2^24), scaled and added to
     * the row's sum as in the scalar twin. Tried and slower: several rows per kernel (C2 stops inlining past its
     * node budget and boxes the vectors) and a shuffle tree instead of reduceLanes.
     */
    static void matVecRows(MemorySegment w, long rowBytes, BlockActivations a, int from, int to, float[] out, int outOffset) {
        for (int r = from; r < to; r++) out[outOffset + r] = q4_0Row(w, r * rowBytes, a);
    }

    /** Lanes whose sum is a Q4_0 block's Σ q·a with the nibbles unshifted (0..15): subtract 8·Σa for the quants. */
    private static FloatVector q4_0Block(MemorySegment w, long p, FloatVector x0, FloatVector x1, FloatVector x2, FloatVector x3) {
        IntVector b0 = bytesToInts(w, p + 2), b1 = bytesToInts(w, p + 10);
        FloatVector s = toFloats(b0.and(0xF)).fma(x0, FloatVector.zero(F8));
        s = toFloats(b1.and(0xF)).fma(x1, s);
        s = toFloats(b0.lanewise(VectorOperators.ASHR, 4).and(0xF)).fma(x2, s);
        return toFloats(b1.lanewise(VectorOperators.ASHR, 4).and(0xF)).fma(x3, s);
    }

    private static float q4_0Row(MemorySegment w, long p, BlockActivations a) {
        float sum = 0;
        float[] q = a.q;
        for (int b = 0; b < a.blocks; b++, p += 18) {
            int e = 32 * b;
            float s = q4_0Block(w, p, FloatVector.fromArray(F8, q, e), FloatVector.fromArray(F8, q, e + 8),
                    FloatVector.fromArray(F8, q, e + 16), FloatVector.fromArray(F8, q, e + 24)).reduceLanes(VectorOperators.ADD)
                    - 8 * a.blockSums[b];
            sum = Math.fma(s, Dequantize.f16(w, p) * a.d[b], sum);
        }
        return sum;
    }
}
