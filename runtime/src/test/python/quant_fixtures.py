#!/usr/bin/env python3
"""Writes quantisation fixtures for QuantizeFixtureTest: float32 inputs and the Q8_0 / Q4_0 bytes that
../shared/tools/gguf.py (an independent numpy implementation of ggml's reference quantisers) produces for them.

Output: runtime/src/test/resources/io/srm4j/runtime/tensor/quant-fixtures.bin, records
  u8 name length, name, u32 n, n little-endian float32 inputs, u32 byte count, bytes.
Run from the repository root: python3 runtime/src/test/python/quant_fixtures.py [path/to/shared/tools]
"""
import os
import struct
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
tools = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "..", "..", "..", "shared", "tools")
sys.path.insert(0, os.path.abspath(tools))
import gguf  # noqa: E402  (../shared/tools/gguf.py)

rng = np.random.default_rng(7)
n = 1024
inputs = {
    "normal": rng.standard_normal(n).astype(np.float32),
    "uniform": rng.uniform(-3, 1, n).astype(np.float32),
    "tiny": (rng.standard_normal(n) * 1e-3).astype(np.float32),
    # blocks of zeros, a block whose largest magnitude is negative, one with a single spike
    "special": np.concatenate([np.zeros(32), -np.abs(rng.standard_normal(32)), np.eye(1, 32, 5).ravel() * 7,
                               rng.standard_normal(n - 96)]).astype(np.float32),
}

out = os.path.join(here, "..", "resources", "io", "srm4j", "runtime", "tensor", "quant-fixtures.bin")
with open(out, "wb") as f:
    for label, x in inputs.items():
        for tname, quant in (("Q8_0", gguf.quantize_q8_0), ("Q4_0", gguf.quantize_q4_0)):
            name = f"{tname}/{label}"
            raw = quant(x).tobytes()
            f.write(struct.pack("<B", len(name)) + name.encode())
            f.write(struct.pack("<I", x.size) + x.astype("<f4").tobytes())
            f.write(struct.pack("<I", len(raw)) + raw)
print("wrote", os.path.normpath(out))
