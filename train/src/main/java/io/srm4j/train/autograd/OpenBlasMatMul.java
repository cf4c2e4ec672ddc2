package io.srm4j.train.autograd;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * {@link MatMulKernel} on the system's OpenBLAS ({@code libopenblas.so.0}) through the foreign-function API:
 * {@code cblas_sgemm} on the Java arrays themselves (a critical downcall, no copies). Optional: nothing needs it, and
 * {@link #load()} is empty where the library is absent. Views that BLAS cannot express (neither stride 1) go to
 * the Vector API kernel.
 *
 * <p>OpenBLAS picks its kernels from the CPU it detects when it loads, and Debian's build takes some AVX-512
 * machines for a "Prescott" and runs 3-4× slower; the cure, {@code OPENBLAS_CORETYPE=SkylakeX} (or the right core
 * name), must be in the environment before the JVM starts, since a running JVM cannot change its own environment.
 * {@link #coreName()} tells which core it chose. Calls are serialised: OpenBLAS spreads one product over its own
 * threads (set to the worker pool's count).
 */
public final class OpenBlasMatMul implements MatMulKernel {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private final MethodHandle sgemm;
    private final String coreName;
    private final MatMulKernel fallback;

    private OpenBlasMatMul(MethodHandle sgemm, String coreName, MatMulKernel fallback) {
        this.sgemm = sgemm;
        this.coreName = coreName;
        this.fallback = fallback;
    }

    private static final class Holder {
        static final Optional<OpenBlasMatMul> INSTANCE = open();
    }

    /** The kernel on the system OpenBLAS, or empty when {@code libopenblas.so.0} cannot be loaded. */
    public static Optional<OpenBlasMatMul> load() {
        return Holder.INSTANCE;
    }

    private static Optional<OpenBlasMatMul> open() {
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup("libopenblas.so.0", Arena.global());
        } catch (IllegalArgumentException | UnsupportedOperationException notFound) {
            return Optional.empty();
        }
        Linker linker = Linker.nativeLinker();
        var I = ValueLayout.JAVA_INT;
        var F = ValueLayout.JAVA_FLOAT;
        var P = ValueLayout.ADDRESS;
        Optional<MemorySegment> gemm = lib.find("cblas_sgemm");
        if (gemm.isEmpty()) return Optional.empty();
        MethodHandle sgemm = linker.downcallHandle(gemm.get(),
                FunctionDescriptor.ofVoid(I, I, I, I, I, I, F, P, I, P, I, F, P, I), Linker.Option.critical(true));
        String core = "unknown";
        try {
            Optional<MemorySegment> name = lib.find("openblas_get_corename");
            if (name.isPresent()) {
                MemorySegment s = (MemorySegment) linker.downcallHandle(name.get(), FunctionDescriptor.of(P)).invokeExact();
                core = s.reinterpret(64).getString(0);
            }
            Optional<MemorySegment> threads = lib.find("openblas_set_num_threads");
            if (threads.isPresent()) {
                linker.downcallHandle(threads.get(), FunctionDescriptor.ofVoid(I))
                        .invokeExact(io.srm4j.runtime.tensor.WorkerPool.shared().threads());
            }
        } catch (Throwable t) {
            throw new IllegalStateException("OpenBLAS loaded but its setup calls failed", t);
        }
        return Optional.of(new OpenBlasMatMul(sgemm, core, VectorMatMul.INSTANCE));
    }

    /** The CPU core OpenBLAS chose for its kernels (e.g. "Zen", "Haswell", "SkylakeX"; "Prescott" means misdetected). */
    public String coreName() {
        return coreName;
    }

    @Override
    public void multiply(View a, View b, float[] c, int cOffset, int ldc, int m, int k, int n, boolean accumulate) {
        MatMulKernel.checkViews(a, b, c, cOffset, ldc, m, k, n);
        // BLAS takes a row-major operand as it is (stride 1 along the row, lda = row stride ≥ columns) or transposed
        int transA, lda, transB, ldb;
        if (a.colStride() == 1 && a.rowStride() >= Math.max(1, k)) {
            transA = NO_TRANS;
            lda = a.rowStride();
        } else if (a.rowStride() == 1 && a.colStride() >= Math.max(1, m)) {
            transA = TRANS;
            lda = a.colStride();
        } else {
            fallback.multiply(a, b, c, cOffset, ldc, m, k, n, accumulate);
            return;
        }
        if (b.colStride() == 1 && b.rowStride() >= Math.max(1, n)) {
            transB = NO_TRANS;
            ldb = b.rowStride();
        } else if (b.rowStride() == 1 && b.colStride() >= Math.max(1, k)) {
            transB = TRANS;
            ldb = b.colStride();
        } else {
            fallback.multiply(a, b, c, cOffset, ldc, m, k, n, accumulate);
            return;
        }
        MemorySegment as = MemorySegment.ofArray(a.data()).asSlice(4L * a.offset());
        MemorySegment bs = MemorySegment.ofArray(b.data()).asSlice(4L * b.offset());
        MemorySegment cs = MemorySegment.ofArray(c).asSlice(4L * cOffset);
        synchronized (this) {
            try {
                sgemm.invokeExact(ROW_MAJOR, transA, transB, m, n, k, 1f, as, lda, bs, ldb, accumulate ? 1f : 0f, cs, ldc);
            } catch (Throwable t) {
                throw new IllegalStateException("cblas_sgemm failed", t);
            }
        }
    }
}
