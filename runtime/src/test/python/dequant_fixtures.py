#!/usr/bin/env python3
"""Writes dequantisation fixtures for DequantizeFixtureTest: random but valid blocks of every supported ggml type
and their values, decoded here with numpy from ggml-common.h's block layouts (a second, vectorised decoder written
independently of the Java one; float32 arithmetic in ggml's order so the results are bit-exact).

Output: runtime/src/test/resources/io/srm4j/runtime/tensor/dequant-fixtures.bin, a sequence of records
  u8 name length, name (ASCII), u32 element count n, u32 byte count, bytes, n little-endian float32 values.
Run: python3 runtime/src/test/python/dequant_fixtures.py
"""
import os
import struct
import numpy as np

rng = np.random.default_rng(20261127)
f32 = np.float32


def f16_bytes(values):
    return np.asarray(values, dtype=np.float16).view(np.uint8).reshape(-1, 2)


def f16_at(blocks, off):
    return blocks[:, off:off + 2].copy().view(np.float16).astype(f32).reshape(-1)


def rand_scale(nb, scale=0.05):
    return (rng.standard_normal(nb) * scale).astype(np.float16)


def make(nb, size, f16_fields):
    """Random block bytes with the f16 fields (offset list) replaced by sane finite scales."""
    b = rng.integers(0, 256, size=(nb, size), dtype=np.uint8)
    for off in f16_fields:
        b[:, off:off + 2] = f16_bytes(rand_scale(nb))
    return b


def bits(qh_u32, n):
    """(nb, n) array of bit i of each block's 32-bit word."""
    return ((qh_u32[:, None] >> np.arange(n, dtype=np.uint32)) & 1).astype(np.int32)


def deq_q8_0(b):
    d = f16_at(b, 0)
    q = b[:, 2:34].view(np.int8).astype(f32)
    return q * d[:, None]


def deq_q4_0(b):
    d = f16_at(b, 0)
    qs = b[:, 2:18].astype(np.int32)
    q = np.concatenate([(qs & 15) - 8, (qs >> 4) - 8], axis=1).astype(f32)
    return q * d[:, None]


def deq_q4_1(b):
    d, m = f16_at(b, 0), f16_at(b, 2)
    qs = b[:, 4:20].astype(np.int32)
    q = np.concatenate([qs & 15, qs >> 4], axis=1).astype(f32)
    return q * d[:, None] + m[:, None]


def five_bit(b, qh_off, qs_off):
    qh = b[:, qh_off:qh_off + 4].copy().view(np.uint32).reshape(-1)
    qs = b[:, qs_off:qs_off + 16].astype(np.int32)
    low = np.concatenate([qs & 15, qs >> 4], axis=1)
    return low | (bits(qh, 32) << 4)


def deq_q5_0(b):
    d = f16_at(b, 0)
    return (five_bit(b, 2, 6) - 16).astype(f32) * d[:, None]


def deq_q5_1(b):
    d, m = f16_at(b, 0), f16_at(b, 2)
    return five_bit(b, 4, 8).astype(f32) * d[:, None] + m[:, None]


def two_bit_256(qs):
    """qs (nb, 64) -> (nb, 256) 2-bit values: half h, field s of byte l -> element 128h + 32s + l."""
    out = np.empty((qs.shape[0], 256), dtype=np.int32)
    for h in range(2):
        for s in range(4):
            out[:, 128 * h + 32 * s: 128 * h + 32 * s + 32] = (qs[:, 32 * h: 32 * h + 32] >> (2 * s)) & 3
    return out


def deq_q2_K(b):
    sc = b[:, 0:16].astype(np.int32)
    q = two_bit_256(b[:, 16:80].astype(np.int32))
    d, dmin = f16_at(b, 80), f16_at(b, 82)
    dl = d[:, None] * (sc & 15).astype(f32)      # (nb, 16), one per 16 elements
    ml = dmin[:, None] * (sc >> 4).astype(f32)
    return dl.repeat(16, axis=1) * q.astype(f32) - ml.repeat(16, axis=1)


def deq_q3_K(b):
    hmask = b[:, 0:32].astype(np.int32)
    q = two_bit_256(b[:, 32:96].astype(np.int32))
    s = b[:, 96:108].astype(np.int32)
    d = f16_at(b, 108)
    low = np.concatenate([s[:, 0:8] & 15, s[:, 0:8] >> 4], axis=1)          # scales 0..15, low nibbles
    high = np.stack([(s[:, 8 + j % 4] >> (2 * (j // 4))) & 3 for j in range(16)], axis=1)
    scales = (low | (high << 4)) - 32
    # element e: hmask byte e % 32, bit e // 32
    e = np.arange(256)
    hbit = (hmask[:, e % 32] >> (e // 32)) & 1
    vals = q - 4 * (1 - hbit)
    dl = d[:, None] * scales.astype(f32)
    return dl.repeat(16, axis=1) * vals.astype(f32)


def scale_min_k4(s):
    """s (nb, 12) -> (sc, m), each (nb, 8) 6-bit."""
    sc = np.empty((s.shape[0], 8), dtype=np.int32)
    m = np.empty_like(sc)
    sc[:, 0:4] = s[:, 0:4] & 63
    m[:, 0:4] = s[:, 4:8] & 63
    sc[:, 4:8] = (s[:, 8:12] & 15) | ((s[:, 0:4] >> 6) << 4)
    m[:, 4:8] = (s[:, 8:12] >> 4) | ((s[:, 4:8] >> 6) << 4)
    return sc, m


def four_bit_256(qs):
    """qs (nb, 128): group g of 32 bytes -> elements 64g..64g+31 (low nibbles), 64g+32..64g+63 (high)."""
    out = np.empty((qs.shape[0], 256), dtype=np.int32)
    for g in range(4):
        chunk = qs[:, 32 * g: 32 * g + 32]
        out[:, 64 * g: 64 * g + 32] = chunk & 15
        out[:, 64 * g + 32: 64 * g + 64] = chunk >> 4
    return out


def deq_q4_K(b):
    d, dmin = f16_at(b, 0), f16_at(b, 2)
    sc, m = scale_min_k4(b[:, 4:16].astype(np.int32))
    q = four_bit_256(b[:, 16:144].astype(np.int32))
    dl = (d[:, None] * sc.astype(f32)).repeat(32, axis=1)
    ml = (dmin[:, None] * m.astype(f32)).repeat(32, axis=1)
    return dl * q.astype(f32) - ml


def deq_q5_K(b):
    d, dmin = f16_at(b, 0), f16_at(b, 2)
    sc, m = scale_min_k4(b[:, 4:16].astype(np.int32))
    qh = b[:, 16:48].astype(np.int32)
    q = four_bit_256(b[:, 48:176].astype(np.int32))
    e = np.arange(256)
    high = (qh[:, e % 32] >> (e // 32)) & 1                                  # sub-block e//32 uses bit e//32
    q = q + 16 * high
    dl = (d[:, None] * sc.astype(f32)).repeat(32, axis=1)
    ml = (dmin[:, None] * m.astype(f32)).repeat(32, axis=1)
    return dl * q.astype(f32) - ml


def deq_q6_K(b):
    ql = b[:, 0:128].astype(np.int32)
    qh = b[:, 128:192].astype(np.int32)
    sc = b[:, 192:208].view(np.int8).astype(f32)
    d = f16_at(b, 208)
    q = np.empty((b.shape[0], 256), dtype=np.int32)
    for h in range(2):
        lq = ql[:, 64 * h: 64 * h + 64]
        hq = qh[:, 32 * h: 32 * h + 32]
        for s in range(4):                                                   # element 128h + 32s + l
            low = (lq[:, (s % 2) * 32: (s % 2) * 32 + 32] >> (4 * (s // 2))) & 15
            q[:, 128 * h + 32 * s: 128 * h + 32 * s + 32] = low | (((hq >> (2 * s)) & 3) << 4)
    # scale index for element e: 16-element group e // 16
    dsc = (d[:, None] * sc).repeat(16, axis=1)
    return dsc * (q - 32).astype(f32)


TYPES = [
    # name, block elements, block bytes, f16 offsets, decoder
    ("Q8_0", 32, 34, [0], deq_q8_0),
    ("Q4_0", 32, 18, [0], deq_q4_0),
    ("Q4_1", 32, 20, [0, 2], deq_q4_1),
    ("Q5_0", 32, 22, [0], deq_q5_0),
    ("Q5_1", 32, 24, [0, 2], deq_q5_1),
    ("Q2_K", 256, 84, [80, 82], deq_q2_K),
    ("Q3_K", 256, 110, [108], deq_q3_K),
    ("Q4_K", 256, 144, [0, 2], deq_q4_K),
    ("Q5_K", 256, 176, [0, 2], deq_q5_K),
    ("Q6_K", 256, 210, [208], deq_q6_K),
]


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "io", "srm4j", "runtime",
                       "tensor", "dequant-fixtures.bin")
    with open(out, "wb") as f:
        for name, qk, size, f16s, deq in TYPES:
            nb = 3 if qk == 256 else 12
            blocks = make(nb, size, f16s)
            vals = deq(blocks).astype(f32).reshape(-1)
            raw = blocks.tobytes()
            f.write(struct.pack("<B", len(name)) + name.encode())
            f.write(struct.pack("<II", vals.size, len(raw)))
            f.write(raw)
            f.write(vals.astype("<f4").tobytes())
    print("wrote", os.path.normpath(out))


if __name__ == "__main__":
    main()
