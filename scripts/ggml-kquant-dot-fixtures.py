#!/usr/bin/env python3
"""Writes runtime/src/test/resources/io/srm4j/runtime/tensor/ggml-kquant-dot-fixtures.bin: Q2_K, Q3_K, Q5_K and Q6_K
dot products computed by llama.cpp's own x86 kernels (ggml_get_type_traits_cpu(type)->vec_dot of the AVX2 "haswell"
CPU backend that node-llama-cpp ships, on activations quantised by its Q8_K from_float), for GgmlKQuantOrderTest to
hold srm4j's kernels to bit for bit. On AVX2 without AVX-512 llama.cpp multiplies these types with exactly these
functions, prompts and single tokens alike (CPU_REPACK repacks Q2_K only with AVX-512; tinyBLAS takes no K-quants).

Usage: python3 scripts/ggml-kquant-dot-fixtures.py [DIR with libggml-cpu-haswell.so]
(default: build/references/node/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64, see scripts/setup-references.sh)

Format (little endian): int32 count; per case: int32 ggml type id, int32 n, n/256*typeSize weight bytes,
n float32 activations, n/256*292 bytes of ggml's block_q8_K activations (float d, int8 qs[256], int16 bsums[16]),
float32 ggml's result. Weights are random bytes with sane f16 scales, plus extreme cases: every bit set (largest
quants, scales and mins), every bit clear, large f16 scales, activation outliers, heavy tails, an all-zero block.
"""
import ctypes, os, struct, sys
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
libdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/references/node/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64")
ctypes.CDLL(os.path.join(libdir, "libggml-base.so"), mode=ctypes.RTLD_GLOBAL)
cpu = ctypes.CDLL(os.path.join(libdir, "libggml-cpu-haswell.so"))

class Traits(ctypes.Structure):
    _fields_ = [("from_float", ctypes.c_void_p), ("vec_dot", ctypes.c_void_p), ("vec_dot_type", ctypes.c_int), ("nrows", ctypes.c_int64)]

cpu.ggml_get_type_traits_cpu.restype = ctypes.POINTER(Traits)
cpu.ggml_cpu_init()
FROM_FLOAT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)
VEC_DOT = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)

Q8_K, Q8_K_BYTES = 15, 292
# ggml type id -> (name, type size, byte offsets of the f16 scales in a super-block)
TYPES = {10: ("Q2_K", 84, [80, 82]), 11: ("Q3_K", 110, [108]), 13: ("Q5_K", 176, [0, 2]), 14: ("Q6_K", 210, [208])}

rng = np.random.default_rng(20261127)
cases = []


def case(tid, w, x):
    n = len(x)
    tr = cpu.ggml_get_type_traits_cpu(tid).contents
    assert tr.vec_dot_type == Q8_K, (tid, tr.vec_dot_type)
    act = cpu.ggml_get_type_traits_cpu(Q8_K).contents
    y = ctypes.create_string_buffer(n // 256 * Q8_K_BYTES)
    FROM_FLOAT(act.from_float)(x.ctypes.data, y, n)
    wbuf = ctypes.create_string_buffer(bytes(w), len(w))
    s = ctypes.c_float()
    VEC_DOT(tr.vec_dot)(n, ctypes.byref(s), 0, wbuf, 0, y, 0, 1)
    cases.append(struct.pack("<ii", tid, n) + bytes(w) + x.astype(np.float32).tobytes() + y.raw + struct.pack("<f", s.value))


def weights(n, ts, scales, fill=None, scale_range=0.05):
    blocks = n // 256
    if fill is None:
        w = bytearray(rng.integers(0, 256, blocks * ts, dtype=np.uint8).tobytes())
    else:
        w = bytearray([fill]) * (blocks * ts)
    for b in range(blocks):
        for off in scales:
            struct.pack_into("<e", w, b * ts + off, float(rng.uniform(-scale_range, scale_range)))
    return w


for tid, (name, ts, scales) in TYPES.items():
    for n, count in ((256, 6), (512, 6), (1024, 6), (2048, 3), (4096, 2)):
        for _ in range(count):
            x = (rng.standard_normal(n) * rng.uniform(0.1, 3)).astype(np.float32)
            case(tid, weights(n, ts, scales), x)
    n = 1024
    gauss = (rng.standard_normal(n)).astype(np.float32)
    case(tid, weights(n, ts, scales, fill=0xFF), gauss)                      # largest quants, scales and mins
    case(tid, weights(n, ts, scales, fill=0x00), gauss)                      # smallest
    case(tid, weights(n, ts, scales, fill=0xFF, scale_range=8.0), gauss * 50)  # large scales and activations
    case(tid, weights(n, ts, scales, scale_range=4.0), gauss * 1e-3)
    outlier = gauss.copy()
    outlier[::97] *= 1e4                                                     # one huge value per super-block
    case(tid, weights(n, ts, scales), outlier)
    negmax = gauss.copy()
    negmax[5] = -1e3                                                         # the block maximum negative
    negmax[300] = 1e3
    case(tid, weights(n, ts, scales, fill=0xFF), negmax)
    case(tid, weights(n, ts, scales), rng.standard_cauchy(n).astype(np.float32))  # heavy tails
    zero_block = gauss.copy()
    zero_block[256:512] = 0                                                  # amax == 0: d = 0, quants 0
    case(tid, weights(n, ts, scales), zero_block)
    case(tid, weights(n, ts, scales), np.full(n, -0.75, dtype=np.float32))   # every activation -127
    case(tid, weights(4096, ts, scales, fill=0xFF, scale_range=2.0), np.abs(rng.standard_normal(4096)).astype(np.float32) * 20)

out = os.path.join(root, "runtime/src/test/resources/io/srm4j/runtime/tensor/ggml-kquant-dot-fixtures.bin")
with open(out, "wb") as f:
    f.write(struct.pack("<i", len(cases)))
    for c in cases:
        f.write(c)
print(len(cases), "cases ->", out)
