#!/usr/bin/env python3
"""Writes runtime/src/test/resources/io/srm4j/runtime/tensor/ggml-dot-fixtures.bin: quantised dot products computed
by llama.cpp's own x86 kernels (ggml_get_type_traits_cpu(type)->from_float / ->vec_dot of the AVX2 "haswell" CPU
backend that node-llama-cpp ships), for GgmlSummationOrderTest to hold srm4j's kernels to bit for bit.

Usage: python3 scripts/ggml-dot-fixtures.py [DIR with libggml-cpu-haswell.so]
(default: build/references/node/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64, see scripts/setup-references.sh)

Format (little endian): int32 count; per case: int32 ggml type id, int32 n, n*typeSize/blockSize weight bytes,
n float32 activations, float32 ggml's result. Weights are random bytes with sane f16 scales.
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

# ggml type id -> (block size, type size, byte offsets of f16 scales)
TYPES = {8: ("Q8_0", 32, 34, [0]), 6: ("Q5_0", 32, 22, [0]), 3: ("Q4_1", 32, 20, [0, 2]), 7: ("Q5_1", 32, 24, [0, 2]),
         2: ("Q4_0", 32, 18, [0])}  # Q4_0: its vec_dot, for matrices llama.cpp does not repack
ACT = {8: (32, 34), 9: (32, 36), 15: (256, 292)}  # Q8_0, Q8_1, Q8_K: block size, bytes

rng = np.random.default_rng(20261127)
cases = []
for tid, (name, bs, ts, scales) in TYPES.items():
    tr = cpu.ggml_get_type_traits_cpu(tid).contents
    act = cpu.ggml_get_type_traits_cpu(tr.vec_dot_type).contents
    for n in (32, 64, 256, 512, 1024):
        for _ in range(6):
            w = bytearray(rng.integers(0, 256, n // bs * ts, dtype=np.uint8).tobytes())
            for b in range(n // bs):
                for off in scales:
                    struct.pack_into("<e", w, b * ts + off, float(rng.uniform(-0.05, 0.05)))
            x = (rng.standard_normal(n) * rng.uniform(0.1, 3)).astype(np.float32)
            ab, abytes = ACT[tr.vec_dot_type]
            y = ctypes.create_string_buffer(n // ab * abytes)
            FROM_FLOAT(act.from_float)(x.ctypes.data, y, n)
            wbuf = ctypes.create_string_buffer(bytes(w), len(w))
            s = ctypes.c_float()
            VEC_DOT(tr.vec_dot)(n, ctypes.byref(s), 0, wbuf, 0, y, 0, 1)
            cases.append(struct.pack("<ii", tid, n) + bytes(w) + x.tobytes() + struct.pack("<f", s.value))
out = os.path.join(root, "runtime/src/test/resources/io/srm4j/runtime/tensor/ggml-dot-fixtures.bin")
with open(out, "wb") as f:
    f.write(struct.pack("<i", len(cases)))
    for c in cases:
        f.write(c)
print(len(cases), "cases ->", out)
