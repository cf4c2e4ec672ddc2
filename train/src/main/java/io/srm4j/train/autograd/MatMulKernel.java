package io.srm4j.train.autograd;

/**
 * The matrix products training needs, behind one interface. The general form is
 * {@link #multiply(View, View, float[], int, int, int, int, int, boolean) C (+)= A·B} with A and B read through
 * strided {@link View}s, so a transposed operand or one head's columns inside a wider row is read in place instead
 * of copied. With weights stored [out][in] as the runtime stores them, the three products of a linear layer are
 * {@code y = x·Wᵀ} ({@link #multiplyTransposed}), {@code dx = dy·W} ({@link #multiplyPlain}) and
 * {@code dW = dyᵀ·x} ({@link #multiplyTransposedA}).
 */
public interface MatMulKernel {
    /**
     * A matrix read in place: element (i, j) is {@code data[offset + i·rowStride + j·colStride]}. A row-major
     * [rows×cols] array is {@code (0, cols, 1)}; its transpose is {@code (0, 1, cols)}.
     */
    record View(float[] data, int offset, int rowStride, int colStride) {
        public View {
            if (data == null) throw new IllegalArgumentException("matrix data is null");
            if (offset < 0 || rowStride < 0 || colStride < 0) {
                throw new IllegalArgumentException("offset and strides must be non-negative: offset=" + offset + " rowStride=" + rowStride + " colStride=" + colStride);
            }
        }

        /** A row-major matrix with rows of {@code cols} values, starting at {@code offset}. */
        public static View rowMajor(float[] data, int offset, int rowLength) {
            return new View(data, offset, rowLength, 1);
        }

        /** This matrix transposed (same storage). */
        public View transposed() {
            return new View(data, offset, colStride, rowStride);
        }

        float get(int i, int j) {
            return data[offset + i * rowStride + j * colStride];
        }

        /** Throws unless every element of a [rows×cols] read lies inside {@code data}. */
        void checkFits(String name, int rows, int cols) {
            long last = offset + (long) (rows - 1) * rowStride + (long) (cols - 1) * colStride;
            if (last >= data.length) {
                throw new IllegalArgumentException(name + " as a " + rows + "×" + cols + " view (offset " + offset + ", strides " + rowStride
                        + "/" + colStride + ") reaches index " + last + " of an array of " + data.length);
            }
        }
    }

    /**
     * {@code C[m×n] (+)= A[m×k]·B[k×n]}, C row-major with row stride {@code ldc} from {@code cOffset}.
     *
     * @param accumulate add into {@code c} rather than overwrite it
     */
    void multiply(View a, View b, float[] c, int cOffset, int ldc, int m, int k, int n, boolean accumulate);

    /** {@code C[m×n] (+)= A[m×k] · B[n×k]ᵀ}, all row-major: the forward product {@code x·Wᵀ}. */
    default void multiplyTransposed(float[] a, float[] b, float[] c, int m, int k, int n, boolean accumulate) {
        checkSizes(a, (long) m * k, b, (long) n * k, c, m, k, n);
        multiply(View.rowMajor(a, 0, k), View.rowMajor(b, 0, k).transposed(), c, 0, n, m, k, n, accumulate);
    }

    /** {@code C[m×n] (+)= A[m×k] · B[k×n]}, all row-major: the input gradient {@code dy·W}. */
    default void multiplyPlain(float[] a, float[] b, float[] c, int m, int k, int n, boolean accumulate) {
        checkSizes(a, (long) m * k, b, (long) k * n, c, m, k, n);
        multiply(View.rowMajor(a, 0, k), View.rowMajor(b, 0, n), c, 0, n, m, k, n, accumulate);
    }

    /** {@code C[m×n] (+)= A[k×m]ᵀ · B[k×n]}, all row-major: the weight gradient {@code dyᵀ·x}. */
    default void multiplyTransposedA(float[] a, float[] b, float[] c, int m, int k, int n, boolean accumulate) {
        checkSizes(a, (long) k * m, b, (long) k * n, c, m, k, n);
        multiply(View.rowMajor(a, 0, m).transposed(), View.rowMajor(b, 0, n), c, 0, n, m, k, n, accumulate);
    }

    /** System property choosing the default kernel: {@code vector} (the default) or {@code openblas}. */
    String KERNEL_PROPERTY = "srm4j.matmul";

    /**
     * The blocked Vector API kernel, parallel over {@link io.srm4j.runtime.tensor.WorkerPool#shared()}; or, with
     * {@code -Dsrm4j.matmul=openblas}, the system OpenBLAS ({@link OpenBlasMatMul}), which must then be installed.
     */
    static MatMulKernel defaultKernel() {
        String choice = System.getProperty(KERNEL_PROPERTY, "vector").trim();
        return switch (choice) {
            case "vector" -> VectorMatMul.INSTANCE;
            case "openblas" -> OpenBlasMatMul.load().orElseThrow(() -> new IllegalStateException(
                    "-D" + KERNEL_PROPERTY + "=openblas but libopenblas.so.0 was not found (Debian: apt-get install libopenblas0-pthread)"));
            default -> throw new IllegalArgumentException(KERNEL_PROPERTY + " must be 'vector' or 'openblas', got '" + choice + "'");
        };
    }

    /** Validates a general {@link #multiply} call: positive sizes, every read and write inside its array. */
    static void checkViews(View a, View b, float[] c, int cOffset, int ldc, int m, int k, int n) {
        if (m <= 0 || k <= 0 || n <= 0) throw new IllegalArgumentException("matmul sizes must be positive: m=" + m + " k=" + k + " n=" + n);
        a.checkFits("A", m, k);
        b.checkFits("B", k, n);
        if (c == null) throw new IllegalArgumentException("C is null");
        if (cOffset < 0 || ldc < n) throw new IllegalArgumentException("C offset " + cOffset + " / row stride " + ldc + " invalid for rows of " + n);
        long last = cOffset + (long) (m - 1) * ldc + n - 1;
        if (last >= c.length) throw new IllegalArgumentException("C has " + c.length + " values, the product writes up to index " + last);
    }

    private static void checkSizes(float[] a, long aNeeds, float[] b, long bNeeds, float[] c, int m, int k, int n) {
        if (m <= 0 || k <= 0 || n <= 0) throw new IllegalArgumentException("matmul sizes must be positive: m=" + m + " k=" + k + " n=" + n);
        if (a.length < aNeeds) throw new IllegalArgumentException("A has " + a.length + " values, needs " + aNeeds);
        if (b.length < bNeeds) throw new IllegalArgumentException("B has " + b.length + " values, needs " + bNeeds);
        if (c.length < (long) m * n) throw new IllegalArgumentException("C has " + c.length + " values, needs " + (long) m * n);
    }
}
