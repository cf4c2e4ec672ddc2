package io.srm4j.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The several-token product shared by the float-lane block kernels ({@link Q8_0Kernels}, {@link Blocks32Kernels},
 * {@link Q6_KTiles}; Q4_0 and Q4_K have 16-bit tiles of their own, {@link Q4_0Tiles}): tokens in the vector lanes (eight per group), weight rows converted to floats once per call,
 * {@link #CHUNK_ROWS} at a time, and every token group passing over a chunk {@link #SLICE_COLUMNS} columns at a time in
 * {@link #TILE_ROWS}-row register tiles, the accumulators kept between slices. What differs between weight formats
 * (how a row unpacks, the order a tile sums in, how accumulators become results) is a {@link Format}; the order of
 * every fma is the format's alone, so each row's product is the same alone or in a batch.
 */
final class TokenLaneProduct {
    private TokenLaneProduct() {}

    private static final int LANES = BlockActivations.LANES;
    /** Rows per register tile. */
    static final int TILE_ROWS = 4;
    /** Rows converted to floats at a time: 16 rows of 4864 columns are 311 KB. */
    static final int CHUNK_ROWS = 16;
    /**
     * Columns per pass over a chunk: the 4864-column down projection's 16 rows of floats and 8-token group (466 KB)
     * overflowed L2 whole, and ran at a third of the speed per multiply-add of the 896-column matrices.
     */
    static final int SLICE_COLUMNS = 1024;

    /**
     * Floats between one token group's accumulators and the next's: a chunk's, plus a cache line, so a group's slot is
     * not a multiple of 4 KiB from the next group's (with Q8_0's 64 floats per row the two were exactly 4 KiB apart,
     * and the core took each load of one for a possible alias of the store just made to the other).
     */
    static int groupStride(int accumulatorsPerRow) {
        return CHUNK_ROWS * accumulatorsPerRow + 16;
    }

    /** Per-thread scratch: a chunk's rows as floats, their scales, the accumulators, the tiles' work. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][0]);

    /** One weight format's part of the product, for activations prepared as {@code A}. */
    interface Format<A> {
        /** Elements per block, the unit of the block ranges a tile takes: ggml's 32 unless a format says otherwise. */
        default int blockSize() {
            return 32;
        }

        /** Scale floats per row of {@code blocks} blocks (kept beside the row's floats): one per block unless overridden. */
        default int scalesPerRow(int blocks) {
            return blocks;
        }

        /**
         * Token groups one {@link #tile} call takes: with 2, the call for group g also takes group g + 1 where there
         * is one (its accumulators {@link #groupStride} further), so each weight broadcast
         * serves 16 tokens.
         */
        default int groupsPerTile() {
            return 1;
        }

        /** Floats of per-thread scratch a {@link #tile} call may use (its {@code work}), fetched once per product. */
        default int workFloats() {
            return 0;
        }

        /** Accumulator floats per row and token group (kept between slices). */
        int accumulatorsPerRow();

        /** Row at byte {@code p} as floats from {@code wf[o]}, its scales from {@code scales[so]}. */
        void unpackRow(MemorySegment w, long p, int blocks, float[] wf, int o, float[] scales, int so);

        /**
         * {@link #TILE_ROWS} rows (floats from {@code wf[wo]}, {@code cols} apart; scales from {@code scales[so]},
         * {@link #scalesPerRow} apart) times token group {@code g} over blocks {@code [b0, b1)}; row k's accumulators
         * at {@code acc[accOff + k * accumulatorsPerRow()]}; {@code work}: {@link #workFloats} of scratch.
         */
        void tile(float[] wf, int wo, float[] scales, int so, int cols, int blocks, A a, int g, int b0, int b1, float[] acc, int accOff,
                  float[] work);

        /** Row {@code row}'s accumulators (at {@code acc[o]}) for token group g into {@code out[t * outStride + row]}. */
        void store(float[] acc, int o, A a, int g, int row, float[] out, int outStride);
    }

    /**
     * {@code out[t * outStride + r] = W[r] · a_t} for rows {@code [from, to)} of the matrix at {@code w}
     * ({@code rowBytes} apart, {@code cols} wide) and the {@code count} tokens of {@code a}.
     */
    static <A> void matMulRows(Format<A> f, MemorySegment w, long rowBytes, A a, int cols, int count, int from, int to,
                               float[] out, int outStride) {
        int blocks = cols / f.blockSize(), sliceBlocks = Math.max(1, SLICE_COLUMNS / f.blockSize());
        int groups = BlockActivations.groups(count), perRow = f.accumulatorsPerRow(), scalesPerRow = f.scalesPerRow(blocks);
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < CHUNK_ROWS * cols) scratch[0] = new float[CHUNK_ROWS * cols];
        if (scratch[1].length < CHUNK_ROWS * scalesPerRow) scratch[1] = new float[CHUNK_ROWS * scalesPerRow];
        int stride = groupStride(perRow), accFloats = groups * stride;
        if (scratch[2].length < accFloats) scratch[2] = new float[accFloats];
        if (scratch[3].length < f.workFloats()) scratch[3] = new float[f.workFloats()];
        float[] wf = scratch[0], scales = scratch[1], acc = scratch[2], work = scratch[3];
        // a chunk of rows is converted once, then every token group passes over it a slice of columns at a time: the
        // slice of the chunk's floats and of one group's activations stay in L1/L2 together
        for (int c0 = from; c0 < to; c0 += CHUNK_ROWS) {
            int chunkRows = Math.min(CHUNK_ROWS, to - c0);
            for (int k = 0; k < CHUNK_ROWS; k++) {
                if (k < chunkRows) f.unpackRow(w, (c0 + k) * rowBytes, blocks, wf, k * cols, scales, k * scalesPerRow);
                else Arrays.fill(scales, k * scalesPerRow, (k + 1) * scalesPerRow, 0f); // rows past the end: scales 0, not stored
            }
            Arrays.fill(acc, 0, accFloats, 0f);
            for (int s0 = 0; s0 < blocks; s0 += sliceBlocks) {
                int s1 = Math.min(blocks, s0 + sliceBlocks);
                for (int g = 0; g < groups; g += f.groupsPerTile()) {
                    for (int t = 0; t < chunkRows; t += TILE_ROWS) {
                        f.tile(wf, t * cols, scales, t * scalesPerRow, cols, blocks, a, g, s0, s1, acc, g * stride + t * perRow, work);
                    }
                }
            }
            for (int g = 0; g < groups; g++) {
                for (int k = 0; k < chunkRows; k++) f.store(acc, g * stride + k * perRow, a, g, c0 + k, out, outStride);
            }
        }
    }
}
