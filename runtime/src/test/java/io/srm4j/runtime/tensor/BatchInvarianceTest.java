package io.srm4j.runtime.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A row's product with a token's activations is the same bits whether computed alone (matVec, decode) or inside a
 * batch of any size (matMul, prefill and batched decoding): a sample's tokens must not depend on what else is batched,
 * or a resumed evaluation would not reproduce an uninterrupted one.
 */
class BatchInvarianceTest {
    static GgmlType[] types() {
        return Fixtures.SUPPORTED;
    }

    @ParameterizedTest
    @MethodSource("types")
    void matMulRowsEqualMatVecBitForBit(GgmlType type) {
        Random rnd = new Random(type.id);
        int rows = 37, cols = 512;
        Matrix m = new Matrix("w", type, rows, cols, MemorySegment.ofArray(Fixtures.randomMatrix(type, rnd, rows, cols)));
        for (int n : new int[]{2, 3, 5, 8, 13}) {
            float[] x = Fixtures.gaussian(rnd, n * cols, 1f);
            float[] batched = new float[n * rows];
            MatMul.matMul(m, x, n, batched);
            for (int t = 0; t < n; t++) {
                float[] alone = new float[rows];
                MatMul.matVec(m, x, t * cols, alone, 0);
                assertArrayEquals(alone, Arrays.copyOfRange(batched, t * rows, (t + 1) * rows), type + " token " + t + " of " + n);
            }
        }
    }
}
