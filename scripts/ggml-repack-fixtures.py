#!/usr/bin/env python3
"""Writes runtime/src/test/resources/io/srm4j/runtime/tensor/ggml-repack-fixtures.bin: Q4_0 and Q4_K matrix
products computed by the kernels llama.cpp runs for them on AVX2 machines, where its CPU_REPACK buffer interleaves
the rows of every such matrix with a multiple of 8 rows (repack<block_q4_0, 8, 8> / repack<block_q4_K, 8, 8>),
for RepackedQ4ParityTest to hold srm4j's products to bit for bit.

As ggml-cpu's repack.cpp forward_mul_mat does: the first tokens - tokens % 4 activation rows are quantised four at a
time (ggml_quantize_mat_q8_0_4x8 / ggml_quantize_mat_q8_K_4x8) and multiplied by ggml_gemm_q4_0_8x8_q8_0 /
ggml_gemm_q4_K_8x8_q8_K; the rest one at a time (the type traits' from_float) by ggml_gemv_*. All functions are the
exported ones of the AVX2 "haswell" CPU backend node-llama-cpp ships; the repacking is ggml's own too.

Usage: python3 scripts/ggml-repack-fixtures.py [DIR with libggml-cpu-haswell.so]
(default: build/references/node/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64, see scripts/setup-references.sh)

Format (little endian): int32 count; per case: int32 ggml type id, int32 rows, int32 cols, int32 tokens,
rows * rowBytes weight bytes (GGUF layout), tokens * cols float32 activations, tokens * rows float32 results.
"""
import ctypes, os, struct, sys
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
libdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/references/node/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64")
base = ctypes.CDLL(os.path.join(libdir, "libggml-base.so"), mode=ctypes.RTLD_GLOBAL)
cpu = ctypes.CDLL(os.path.join(libdir, "libggml-cpu-haswell.so"))


class Traits(ctypes.Structure):
    _fields_ = [("from_float", ctypes.c_void_p), ("vec_dot", ctypes.c_void_p), ("vec_dot_type", ctypes.c_int), ("nrows", ctypes.c_int64)]


class InitParams(ctypes.Structure):
    _fields_ = [("mem_size", ctypes.c_size_t), ("mem_buffer", ctypes.c_void_p), ("no_alloc", ctypes.c_bool)]


cpu.ggml_get_type_traits_cpu.restype = ctypes.POINTER(Traits)
cpu.ggml_cpu_init()
base.ggml_init.restype = ctypes.c_void_p
base.ggml_init.argtypes = [InitParams]
base.ggml_new_tensor_2d.restype = ctypes.c_void_p
base.ggml_new_tensor_2d.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
base.ggml_get_data.restype = ctypes.c_void_p
base.ggml_get_data.argtypes = [ctypes.c_void_p]
base.ggml_free.argtypes = [ctypes.c_void_p]

FROM_FLOAT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)
GEMX = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
QMAT = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]

# ggml type id -> name, block size, block bytes, (f16 scale offsets), repack symbol, gemv, gemm, quantize_mat, act type
TYPES = {
    2: ("Q4_0", 32, 18, [0], "_ZN4ggml3cpu6repack6repackI10block_q4_0Ll8ELl8EEEiP11ggml_tensorPKvm",
        "ggml_gemv_q4_0_8x8_q8_0", "ggml_gemm_q4_0_8x8_q8_0", "ggml_quantize_mat_q8_0_4x8", 8),
    12: ("Q4_K", 256, 144, [0, 2], "_ZN4ggml3cpu6repack6repackI10block_q4_KLl8ELl8EEEiP11ggml_tensorPKvm",
         "ggml_gemv_q4_K_8x8_q8_K", "ggml_gemm_q4_K_8x8_q8_K", "ggml_quantize_mat_q8_K_4x8", 15),
}
ACT = {8: (32, 34), 15: (256, 292)}  # Q8_0, Q8_K: block size, bytes per row block
SCALE = {2: 0.05, 12: 0.004}

rng = np.random.default_rng(20261127)
cases = []
for tid, (name, bs, ts, scales, repack_sym, gemv_name, gemm_name, qmat_name, act_tid) in TYPES.items():
    repack = getattr(cpu, repack_sym)
    repack.restype = ctypes.c_int
    repack.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    gemv, gemm, qmat = getattr(cpu, gemv_name), getattr(cpu, gemm_name), getattr(cpu, qmat_name)
    gemv.argtypes = GEMX
    gemm.argtypes = GEMX
    qmat.argtypes = QMAT
    from_float = FROM_FLOAT(cpu.ggml_get_type_traits_cpu(act_tid).contents.from_float)
    ab, abytes = ACT[act_tid]
    col_choices = (32, 64, 256, 512) if bs == 32 else (256, 512)
    for cols in col_choices:
        for rows in (8, 24):
            for tokens in (1, 4, 5, 9):
                w = bytearray(rng.integers(0, 256, rows * cols // bs * ts, dtype=np.uint8).tobytes())
                for b in range(rows * cols // bs):
                    for off in scales:
                        lo = 0 if tid == 12 else -SCALE[tid]  # Q4_K's d and dmin are positive in practice
                        struct.pack_into("<e", w, b * ts + off, float(rng.uniform(lo, SCALE[tid])))
                x = (rng.standard_normal(tokens * cols) * rng.uniform(0.1, 3)).astype(np.float32)
                if tokens >= 4:
                    # a block whose largest magnitude occurs with both signs: ggml_quantize_mat_q8_K_4x8 and
                    # quantize_row_q8_K pick the sign differently there
                    x[5] = 7.5
                    x[9] = -7.5
                ctx = base.ggml_init(InitParams(1 << 22, None, False))
                t = base.ggml_new_tensor_2d(ctx, tid, cols, rows)
                src = ctypes.create_string_buffer(bytes(w), len(w))
                assert repack(t, src, len(w)) == 0
                packed = base.ggml_get_data(t)
                row_act = cols // ab * abytes
                grouped = tokens - tokens % 4
                y = ctypes.create_string_buffer(tokens * row_act + 64)
                xp = x.ctypes.data
                for g in range(0, grouped, 4):
                    qmat(xp + g * cols * 4, ctypes.addressof(y) + g * row_act, cols)
                for r in range(grouped, tokens):
                    from_float(xp + r * cols * 4, ctypes.addressof(y) + r * row_act, cols)
                out = np.zeros(tokens * rows, dtype=np.float32)
                op = out.ctypes.data
                if grouped:
                    gemm(cols, op, rows, packed, ctypes.addressof(y), grouped, rows)
                for r in range(grouped, tokens):
                    gemv(cols, op + r * rows * 4, rows, packed, ctypes.addressof(y) + r * row_act, 1, rows)
                base.ggml_free(ctx)
                cases.append(struct.pack("<iiii", tid, rows, cols, tokens) + bytes(w) + x.tobytes() + out.tobytes())
dest = os.path.join(root, "runtime/src/test/resources/io/srm4j/runtime/tensor/ggml-repack-fixtures.bin")
with open(dest, "wb") as f:
    f.write(struct.pack("<i", len(cases)))
    for c in cases:
        f.write(c)
print(len(cases), "cases ->", dest)
