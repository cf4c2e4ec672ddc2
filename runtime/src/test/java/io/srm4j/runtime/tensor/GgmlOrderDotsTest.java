package io.srm4j.runtime.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The vector ggml-order dots against their scalar twins: the same bits, for lengths with and without tails. */
class GgmlOrderDotsTest {
    static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * (i % 7 == 0 ? 100 : 1);
        return a;
    }

    @Test
    void contiguousDotsAreBitIdentical() {
        Random r = new Random(5);
        float[] acc = new float[32];
        for (int n = 8; n <= 200; n += 8) {
            float[] a = gaussian(r, n + 3), b = gaussian(r, n + 5);
            assertEquals(Float.floatToRawIntBits(GgmlOrderDots.tinyBlasScalar(a, 3, 1, b, 5, n)),
                    Float.floatToRawIntBits(GgmlOrderDots.tinyBlas(a, 3, b, 5, n)), "tinyBLAS n=" + n);
        }
        for (int n = 1; n <= 200; n++) {
            float[] a = gaussian(r, n + 1), b = gaussian(r, n + 2);
            assertEquals(Float.floatToRawIntBits(GgmlOrderDots.vecDotF16Scalar(a, 1, 1, b, 2, n, acc)),
                    Float.floatToRawIntBits(GgmlOrderDots.vecDotF16(a, 1, b, 2, n)), "vec_dot_f16 n=" + n);
        }
        for (int n = 1; n <= 200; n++) {
            float[] a = gaussian(r, n + 1), b = gaussian(r, n + 2);
            assertEquals(Float.floatToRawIntBits(GgmlOrderDots.vecDotBf16Scalar(a, 1, b, 2, n, acc)),
                    Float.floatToRawIntBits(GgmlOrderDots.vecDotBf16(a, 1, b, 2, n)), "vec_dot_bf16 n=" + n);
            assertEquals(Float.floatToRawIntBits(GgmlOrderDots.vecDotF32Scalar(a, 1, b, 2, n, acc)),
                    Float.floatToRawIntBits(GgmlOrderDots.vecDotF32(a, 1, b, 2, n)), "vec_dot_f32 n=" + n);
        }
    }

    /**
     * A decode step's scores of one query head against a run of key rows equal the scalar twin's dot of each row times
     * the scale: rows of 64 (the written-out path), 128, 96 and 32, runs of 0 to 70 rows, at offsets.
     */
    @Test
    void scoreRowsAreBitIdentical() {
        Random r = new Random(9);
        float[] acc = new float[32];
        for (int n : new int[] {64, 128, 96, 32, 80}) {
            for (int count : new int[] {0, 1, 7, 8, 33, 70}) {
                float[] rows = gaussian(r, 5 + count * n), q = gaussian(r, 3 + n);
                float[] out = new float[2 + count];
                float scale = 0.125f;
                GgmlOrderDots.vecDotF16Rows(rows, 5, count, q, 3, n, scale, out, 2);
                for (int t = 0; t < count; t++) {
                    float want = GgmlOrderDots.vecDotF16Scalar(rows, 5 + t * n, 1, q, 3, n, acc) * scale;
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[2 + t]), "n=" + n + " count=" + count + " row " + t);
                }
            }
        }
    }

    /** Random halves of every kind a cache holds: normal values of any magnitude, subnormals, signed zeros. */
    private static short[] halves(Random r, int n) {
        short[] h = new short[n];
        for (int i = 0; i < n; i++) {
            h[i] = switch (r.nextInt(8)) {
                case 0 -> (short) (r.nextInt(0x400) | (r.nextBoolean() ? 0x8000 : 0)); // subnormal or zero
                case 1 -> (short) (r.nextBoolean() ? 0x8000 : 0);
                case 2 -> (short) (r.nextInt(0x7C00) | (r.nextBoolean() ? 0x8000 : 0)); // any finite
                default -> Float.floatToFloat16((float) r.nextGaussian());
            };
        }
        return h;
    }

    private static float[] floats(short[] h) {
        float[] f = new float[h.length];
        for (int i = 0; i < h.length; i++) f[i] = Float.float16ToFloat(h[i]);
        return f;
    }

    /**
     * Scores read from F16 keys in place (query times 2^112, each half's bits moved into a float) are the bits of the
     * scalar twin over the converted keys, for one to seven heads of 32 to 128, rows from a longer cache row.
     */
    @Test
    void scoresFromHalvesInPlaceAreBitIdentical() {
        Random r = new Random(10);
        float[] acc = new float[32];
        for (int n : new int[] {64, 128, 32, 96}) {
            for (int heads : new int[] {1, 2, 3, 7}) {
                int count = 19, stride = 3 * n + 8, off = 5;
                short[] keys = halves(r, off + count * stride);
                float[] keyFloats = floats(keys);
                float[] q = new float[2 + heads * n], qScaled = new float[q.length];
                for (int i = 0; i < q.length; i++) {
                    q[i] = Float.float16ToFloat(Float.floatToFloat16((float) (r.nextGaussian() * (i % 5 == 0 ? 300 : 1))));
                    qScaled[i] = q[i] * GgmlOrderDots.HALF_BITS_SCALE;
                }
                int outStride = count + 3;
                float[] out = new float[1 + heads * outStride];
                GgmlOrderDots.vecDotF16HalfRows(keys, off, stride, count, qScaled, 2, n, heads, 0.125f, out, 1, outStride);
                for (int h = 0; h < heads; h++) {
                    for (int t = 0; t < count; t++) {
                        float want = GgmlOrderDots.vecDotF16Scalar(keyFloats, off + t * stride, 1, q, 2 + h * n, n, acc) * 0.125f;
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[1 + h * outStride + t]),
                                "n=" + n + " heads=" + heads + " head " + h + " row " + t);
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> GgmlOrderDots.vecDotF16HalfRows(new short[80], 0, 80, 1, new float[80], 0, 80, 1, 1f, new float[1], 0, 1));
    }

    /**
     * The value product of one to five heads read from F16 rows in place (rows scattered over blocks, probabilities
     * times 2^112, zero rows up to the padded count) is the bits of each head's product over the converted rows,
     * padded with zeros.
     */
    @Test
    void valuesFromHalvesInPlaceAreBitIdentical() {
        Random r = new Random(11);
        for (int width : new int[] {64, 128, 96, 32}) {
            for (int n : new int[] {1, 31, 32, 45, 100}) {
                for (int heads : new int[] {1, 2, 5}) {
                    int np = (n + 31) & ~31, pStride = np + 3;
                    short[][] rows = new short[n][];
                    int[] offsets = new int[n];
                    float[] dense = new float[np * width], p = new float[3 + heads * pStride], pScaled = new float[p.length];
                    for (int t = 0; t < n; t++) {
                        offsets[t] = r.nextInt(7);
                        rows[t] = halves(r, offsets[t] + width + r.nextInt(5));
                        for (int i = 0; i < width; i++) dense[t * width + i] = Float.float16ToFloat(rows[t][offsets[t] + i]);
                        for (int h = 0; h < heads; h++) {
                            int k = 3 + h * pStride + t;
                            p[k] = r.nextInt(6) == 0 ? 0f : Float.float16ToFloat(Float.floatToFloat16(r.nextFloat()));
                            pScaled[k] = p[k] * GgmlOrderDots.HALF_BITS_SCALE;
                        }
                    }
                    float[] got = new float[2 + heads * width];
                    GgmlOrderDots.vecDotF16HalfColumns(rows, offsets, n, np, width, heads, pScaled, 3, pStride, got, 2, new float[64 * width]);
                    for (int h = 0; h < heads; h++) {
                        float[] want = new float[width];
                        GgmlOrderDots.vecDotF16Columns(dense, 0, width, p, 3 + h * pStride, np, want, 0, new float[32 * width]);
                        for (int i = 0; i < width; i++) {
                            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[2 + h * width + i]),
                                    "width " + width + " n " + n + " heads " + heads + " head " + h + " column " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void tinyBlasTilesAreBitIdentical() {
        Random r = new Random(9);
        for (int k : new int[] {8, 64, 200}) {
            float[] a = gaussian(r, 3 + 4 * k), b = gaussian(r, 5 + 2 * k), out = new float[2 + 2 * 7];
            GgmlOrderDots.tinyBlas4x2(a, 3, b, 5, k, out, 2, 7);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 2; j++) {
                    assertEquals(Float.floatToRawIntBits(GgmlOrderDots.tinyBlasScalar(a, 3 + i * k, 1, b, 5 + j * k, k)),
                            Float.floatToRawIntBits(out[2 + j * 7 + i]), "k " + k + " row " + i + " vector " + j);
                }
            }
        }
    }

    /** The three vec_dot orders are really different orders: on random data some results differ in their bits. */
    @Test
    void vecDotOrdersDiffer() {
        Random r = new Random(7);
        float[] acc = new float[32];
        int bf16VsF16 = 0, f32VsF16 = 0;
        for (int k = 0; k < 200; k++) {
            float[] a = gaussian(r, 96), b = gaussian(r, 96);
            float f16 = GgmlOrderDots.vecDotF16Scalar(a, 0, 1, b, 0, 96, acc);
            if (GgmlOrderDots.vecDotBf16Scalar(a, 0, b, 0, 96, acc) != f16) bf16VsF16++;
            float[] a2 = gaussian(r, 100), b2 = gaussian(r, 100);
            if (GgmlOrderDots.vecDotF32Scalar(a2, 0, b2, 0, 100, acc) != GgmlOrderDots.vecDotF16Scalar(a2, 0, 1, b2, 0, 100, acc)) f32VsF16++;
        }
        org.junit.jupiter.api.Assertions.assertTrue(bf16VsF16 > 0, "bf16 reduction order differs from f16's");
        org.junit.jupiter.api.Assertions.assertTrue(f32VsF16 > 0, "f32 float tail differs from f16's double tail");
    }

    @Test
    void columnDotsAreBitIdentical() {
        Random r = new Random(6);
        float[] acc = new float[32 * 80];
        for (int width : new int[] {8, 64, 80, 13}) {
            for (int n : new int[] {8, 32, 40, 96, 160}) {
                float[] rows = gaussian(r, 2 + n * width), p = gaussian(r, n + 4);
                float[] fast = new float[width + 1], fast2 = new float[width + 1];
                GgmlOrderDots.tinyBlasColumns(rows, 2, width, p, 4, n, fast, 1);
                GgmlOrderDots.vecDotF16Columns(rows, 2, width, p, 4, n, fast2, 1, acc);
                for (int i = 0; i < width; i++) {
                    assertEquals(Float.floatToRawIntBits(GgmlOrderDots.tinyBlasScalar(rows, 2 + i, width, p, 4, n)),
                            Float.floatToRawIntBits(fast[1 + i]), "tinyBLAS width " + width + " n " + n + " i " + i);
                    assertEquals(Float.floatToRawIntBits(GgmlOrderDots.vecDotF16Scalar(rows, 2 + i, width, p, 4, n, new float[32])),
                            Float.floatToRawIntBits(fast2[1 + i]), "vec_dot_f16 width " + width + " n " + n + " i " + i);
                }
            }
        }
    }
}
