package io.srm4j.runtime.tensor;

/**
 * Reference quantisers producing ggml's block layouts, following the algorithms of ggml's
 * {@code quantize_row_*_ref} (no importance matrix). Arithmetic is kept in float, in ggml's order, so that
 * Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 match ggml byte for byte; the K-quants follow the same search and are expected to
 * match too, but only their layout and error are guaranteed by tests.
 */
public final class Quantize {
    /** Below this magnitude a group counts as all zero (ggml's GROUP_MAX_EPS). */
    private static final float GROUP_MAX_EPS = 1e-15f;

    private Quantize() {}

    /** Quantises {@code src[srcOffset .. srcOffset + n)} to one row of {@code type}; returns its bytes. */
    public static byte[] row(GgmlType type, float[] src, int srcOffset, int n) {
        long size = type.rowBytes(n); // rejects partial blocks
        if (srcOffset < 0 || srcOffset + n > src.length) {
            throw new IndexOutOfBoundsException("source [" + srcOffset + ", " + (srcOffset + n) + ") outside float[" + src.length + "]");
        }
        if (size > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("row of " + size + " bytes is too large");
        byte[] out = new byte[(int) size];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) putI32(out, 4 * i, Float.floatToRawIntBits(src[srcOffset + i]));
            }
            case F16 -> {
                for (int i = 0; i < n; i++) putI16(out, 2 * i, Float.floatToFloat16(src[srcOffset + i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) putI16(out, 2 * i, floatToBf16(src[srcOffset + i]));
            }
            default -> {
                int blocks = n / type.blockSize;
                for (int b = 0; b < blocks; b++) {
                    int x = srcOffset + b * type.blockSize;
                    int y = b * type.typeSize;
                    switch (type) {
                        case Q8_0 -> q8_0(src, x, out, y);
                        case Q4_0 -> q4_0(src, x, out, y);
                        case Q4_1 -> q4_1(src, x, out, y);
                        case Q5_0 -> q5_0(src, x, out, y);
                        case Q5_1 -> q5_1(src, x, out, y);
                        case Q2_K -> q2_K(src, x, out, y);
                        case Q3_K -> q3_K(src, x, out, y);
                        case Q4_K -> q4_K(src, x, out, y);
                        case Q5_K -> q5_K(src, x, out, y);
                        case Q6_K -> q6_K(src, x, out, y);
                        default -> throw new UnsupportedOperationException("quantisation to " + type + " is not implemented");
                    }
                }
            }
        }
        return out;
    }

    /** Quantises a whole {@code rows × cols} matrix (row-major floats) into consecutive rows. */
    public static byte[] matrix(GgmlType type, float[] src, int rows, int cols) {
        long rowBytes = type.rowBytes(cols);
        long total = rowBytes * rows;
        if (total > Integer.MAX_VALUE - 16) throw new IllegalArgumentException(rows + "x" + cols + " " + type + " is too large for one array");
        byte[] out = new byte[(int) total];
        for (int r = 0; r < rows; r++) {
            byte[] row = row(type, src, r * cols, cols);
            System.arraycopy(row, 0, out, (int) (r * rowBytes), row.length);
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    static void putI16(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >>> 8);
    }

    static void putI32(byte[] b, int p, int v) {
        putI16(b, p, v);
        putI16(b, p + 2, v >>> 16);
    }

    private static void putF16(byte[] b, int p, float v) {
        putI16(b, p, Float.floatToFloat16(v));
    }

    private static float f16Round(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    /** Round to nearest even, as ggml's GGML_FP32_TO_BF16 (NaNs kept quiet). */
    static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** ggml's nearest_int: round half to even (its magic-number trick does the same for |x| < 2^22). */
    static int nearestInt(float x) {
        return (int) Math.rint(x);
    }

    /** C's roundf: half away from zero. Done in double so that the + 0.5 is exact. */
    private static int roundf(float x) {
        double r = Math.floor(Math.abs((double) x) + 0.5);
        return (int) Math.copySign(r, x);
    }

    /** The value of largest magnitude (the first one on ties), signed. */
    private static float signedAbsMax(float[] x, int o, int n) {
        float amax = 0, max = 0;
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    // ------------------------------------------------------------------ 32-element blocks

    private static void q8_0(float[] x, int o, byte[] b, int p) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = amax > Math.abs(x[o + j]) ? amax : Math.abs(x[o + j]);
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, p, d);
        for (int j = 0; j < 32; j++) b[p + 2 + j] = (byte) roundf(x[o + j] * id);
    }

    private static void q4_0(float[] x, int o, byte[] b, int p) {
        float d = signedAbsMax(x, o, 32) / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, p, d);
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) (x[o + j] * id + 8.5f));
            int q1 = Math.min(15, (int) (x[o + 16 + j] * id + 8.5f));
            b[p + 2 + j] = (byte) (q0 | (q1 << 4));
        }
    }

    private static void q4_1(float[] x, int o, byte[] b, int p) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[o + j]; // comparisons as in ggml, so -0.0 and NaN behave alike
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, p, d);
        putF16(b, p + 2, min);
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) ((x[o + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (int) ((x[o + 16 + j] - min) * id + 0.5f));
            b[p + 4 + j] = (byte) (q0 | (q1 << 4));
        }
    }

    private static void q5_0(float[] x, int o, byte[] b, int p) {
        float d = signedAbsMax(x, o, 32) / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, p, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(31, (int) (x[o + j] * id + 16.5f));
            int q1 = Math.min(31, (int) (x[o + 16 + j] * id + 16.5f));
            b[p + 6 + j] = (byte) ((q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        putI32(b, p + 2, qh);
    }

    private static void q5_1(float[] x, int o, byte[] b, int p) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[o + j]; // comparisons as in ggml, so -0.0 and NaN behave alike
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, p, d);
        putF16(b, p + 2, min);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            // ggml stores (uint8_t)(v + 0.5f) without a clamp; v <= 31 + rounding, so clamp for safety only
            int q0 = Math.min(31, (int) ((x[o + j] - min) * id + 0.5f));
            int q1 = Math.min(31, (int) ((x[o + 16 + j] - min) * id + 0.5f));
            b[p + 8 + j] = (byte) ((q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        putI32(b, p + 4, qh);
    }

    // ------------------------------------------------------------------ K-quant helpers (ggml-quants.c)

    /**
     * Affine fit x ≈ scale*L + min with L in [0, nmax], min <= 0, minimising the weighted error over a sweep of
     * candidate inverse scales (ggml's make_qkx2_quants). Returns the scale; {@code theMin[0]} receives -min.
     */
    private static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo,
                                        float[] theMin, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float v = x[xo + i];
            if (v < min) min = v;
            if (v > max) max = v;
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            theMin[0] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[0] = -min;
            return scale;
        }
        int[] laux = new int[n];
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * (x[xo + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                laux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, L, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    /**
     * Symmetric fit x ≈ scale*(L - nmax), L in [0, 2*nmax), weighted by x² (ggml's make_qx_quants with
     * rmse_type 1 and no importance weights): tries 18 scales around nmax/max and keeps the best least-squares one.
     */
    private static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = signedAbsMax(x, xo, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            L[lo + i] = l + nmax;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * Symmetric 3-bit fit with iterative per-element refinement weighted by x² (ggml's make_q3_quants, do_rmse).
     * L receives values in [0, 2*nmax).
     */
    private static float makeQ3Quants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = signedAbsMax(x, xo, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            L[lo + i] = l;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                float w = v * v;
                float slx = sumlx - w * v * L[lo + i];
                if (slx > 0) {
                    float sl2 = suml2 - w * L[lo + i] * L[lo + i];
                    int newL = Math.max(-nmax, Math.min(nmax - 1, nearestInt(v * sl2 / slx)));
                    if (newL != L[lo + i]) {
                        slx += w * v * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[lo + i] = newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) L[lo + i] += nmax;
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    /** Packs 2-bit values: per half of 128, byte l holds elements l, l+32, l+64, l+96 in bits 0-1, 2-3, 4-5, 6-7. */
    private static void pack2Bit(int[] L, byte[] b, int q) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                b[q + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }

    /** Packs the eight 6-bit scales and mins of Q4_K/Q5_K into 12 bytes at p. */
    private static void packScaleMinK4(int[] ls, int[] lm, byte[] b, int p) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                b[p + j] = (byte) ls[j];
                b[p + j + 4] = (byte) lm[j];
            } else {
                b[p + j + 4] = (byte) ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                b[p + j - 4] |= (byte) ((ls[j] >>> 4) << 6);
                b[p + j] |= (byte) ((lm[j] >>> 4) << 6);
            }
        }
    }

    // ------------------------------------------------------------------ K-quants

    private static void q2_K(float[] x, int o, byte[] b, int p) {
        int[] L = new int[256];
        float[] weights = new float[16];
        float[] mins = new float[16], scales = new float[16], theMin = new float[1];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) weights[l] = Math.abs(x[o + 16 * j + l]);
            scales[j] = makeQkx2Quants(16, 3, x, o + 16 * j, weights, L, 16 * j, theMin, -0.5f, 0.1f, 15, true);
            mins[j] = theMin[0];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        int[] sc = new int[16];
        float d = 0, dmin = 0;
        if (maxScale > 0) {
            float iscale = 15.f / maxScale;
            for (int j = 0; j < 16; j++) sc[j] = nearestInt(iscale * scales[j]);
            d = maxScale / 15.f;
        }
        if (maxMin > 0) {
            float iscale = 15.f / maxMin;
            for (int j = 0; j < 16; j++) sc[j] |= nearestInt(iscale * mins[j]) << 4;
            dmin = maxMin / 15.f;
        }
        for (int j = 0; j < 16; j++) b[p + j] = (byte) sc[j];
        putF16(b, p + 80, d);
        putF16(b, p + 82, dmin);
        float dq = f16Round(d), mq = f16Round(dmin);
        for (int j = 0; j < 16; j++) {
            float dl = dq * (sc[j] & 0xF);
            if (dl == 0) continue;
            float ml = mq * ((sc[j] >>> 4) & 0xF);
            for (int i = 0; i < 16; i++) {
                L[16 * j + i] = Math.max(0, Math.min(3, nearestInt((x[o + 16 * j + i] + ml) / dl)));
            }
        }
        pack2Bit(L, b, p + 16);
    }

    private static void q3_K(float[] x, int o, byte[] b, int p) {
        int[] L = new int[256];
        float[] scales = new float[16];
        float maxScale = 0, amax = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = makeQ3Quants(16, 4, x, o + 16 * j, L, 16 * j);
            float a = Math.abs(scales[j]);
            if (a > amax) {
                amax = a;
                maxScale = scales[j];
            }
        }
        int sp = p + 96; // scales[12]
        float d = 0;
        if (maxScale != 0) {
            float iscale = -32.f / maxScale;
            for (int j = 0; j < 16; j++) {
                int l = Math.max(-32, Math.min(31, (byte) nearestInt(iscale * scales[j]))) + 32;
                if (j < 8) b[sp + j] = (byte) (l & 0xF);
                else b[sp + j - 8] |= (byte) ((l & 0xF) << 4);
                b[sp + 8 + j % 4] |= (byte) ((l >>> 4) << (2 * (j / 4)));
            }
            d = 1 / iscale;
        }
        putF16(b, p + 108, d);
        float dq = f16Round(d);
        for (int j = 0; j < 16; j++) {
            int low = j < 8 ? b[sp + j] & 0xF : (b[sp + j - 8] & 0xFF) >>> 4;
            int high = ((b[sp + 8 + j % 4] & 0xFF) >>> (2 * (j / 4))) & 3;
            float dl = dq * ((low | (high << 4)) - 32);
            if (dl == 0) continue;
            for (int i = 0; i < 16; i++) {
                L[16 * j + i] = Math.max(-4, Math.min(3, nearestInt(x[o + 16 * j + i] / dl))) + 4;
            }
        }
        // The high bit of element j goes to hmask[j % 32], bit j / 32.
        for (int j = 0; j < 256; j++) {
            if (L[j] > 3) {
                b[p + j % 32] |= (byte) (1 << (j / 32));
                L[j] -= 4;
            }
        }
        pack2Bit(L, b, p + 32);
    }

    /** Shared by Q4_K (nmax 15) and Q5_K (nmax 31): fits 8 sub-blocks of 32, packs scales; returns the levels. */
    private static int[] kQuantAffine(float[] x, int o, byte[] b, int p, int nmax, float rmin, float rdelta, int nstep) {
        int[] L = new int[256];
        float[] weights = new float[32];
        float[] mins = new float[8], scales = new float[8], theMin = new float[1];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[o + 32 * j + l] * x[o + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[o + 32 * j + l]);
            scales[j] = makeQkx2Quants(32, nmax, x, o + 32 * j, weights, L, 32 * j, theMin, rmin, rdelta, nstep, false);
            mins[j] = theMin[0];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int[] ls = new int[8], lm = new int[8];
        for (int j = 0; j < 8; j++) {
            // ggml stores nearest_int into a uint8_t before clamping; values are in [0, 63] anyway
            ls[j] = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            lm[j] = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
        }
        packScaleMinK4(ls, lm, b, p + 4);
        float d = maxScale / 63.f, dmin = maxMin / 63.f;
        putF16(b, p, d);
        putF16(b, p + 2, dmin);
        float dq = f16Round(d), mq = f16Round(dmin);
        for (int j = 0; j < 8; j++) {
            float dl = dq * ls[j];
            if (dl == 0) continue;
            float ml = mq * lm[j];
            for (int i = 0; i < 32; i++) {
                L[32 * j + i] = Math.max(0, Math.min(nmax, nearestInt((x[o + 32 * j + i] + ml) / dl)));
            }
        }
        return L;
    }

    private static void q4_K(float[] x, int o, byte[] b, int p) {
        int[] L = kQuantAffine(x, o, b, p, 15, -1.f, 0.1f, 20);
        int q = p + 16;
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; l++) b[q + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
            q += 32;
        }
    }

    private static void q5_K(float[] x, int o, byte[] b, int p) {
        int[] L = kQuantAffine(x, o, b, p, 31, -0.5f, 0.1f, 15);
        int qh = p + 16, ql = p + 48;
        int m1 = 1, m2 = 2;
        for (int n = 0; n < 256; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j], l2 = L[n + j + 32];
                if (l1 > 15) {
                    l1 -= 16;
                    b[qh + j] |= (byte) m1;
                }
                if (l2 > 15) {
                    l2 -= 16;
                    b[qh + j] |= (byte) m2;
                }
                b[ql + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }

    private static void q6_K(float[] x, int o, byte[] b, int p) {
        int[] L = new int[256];
        float[] scales = new float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(16, 32, x, o + 16 * ib, L, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) return; // all-zero block: every byte (d included) stays 0
        float iscale = -128.f / maxScale;
        float d = 1 / iscale;
        putF16(b, p + 208, d);
        int[] sc = new int[16];
        for (int ib = 0; ib < 16; ib++) {
            sc[ib] = Math.min(127, nearestInt(iscale * scales[ib]));
            b[p + 192 + ib] = (byte) sc[ib];
        }
        float dq = f16Round(d);
        for (int j = 0; j < 16; j++) {
            float dl = dq * (byte) sc[j];
            if (dl == 0) continue;
            for (int i = 0; i < 16; i++) {
                L[16 * j + i] = Math.max(-32, Math.min(31, nearestInt(x[o + 16 * j + i] / dl))) + 32;
            }
        }
        int ql = p, qh = p + 128;
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                b[ql + l] = (byte) (q1 | (q3 << 4));
                b[ql + l + 32] = (byte) (q2 | (q4 << 4));
                b[qh + l] = (byte) ((L[j + l] >>> 4) | ((L[j + l + 32] >>> 4) << 2) | ((L[j + l + 64] >>> 4) << 4) | ((L[j + l + 96] >>> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }
}
