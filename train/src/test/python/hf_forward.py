"""Independent check of srm4j's Hugging Face export: reads model.safetensors + config.json with numpy alone and runs
the forward pass the way transformers' LlamaForCausalLM / Qwen2ForCausalLM / Qwen3ForCausalLM define it (RoPE by
rotate_half on the unpermuted weights, q/k/v biases, Qwen3's per-head q/k RMSNorm, tied or separate lm_head).

Usage: python3 hf_forward.py MODEL_DIR OUT_FILE TOKEN_ID [TOKEN_ID ...]
Writes the logits of every position (float32, little-endian, row-major [tokens, vocab]) to OUT_FILE and prints one
JSON line describing the header it validated.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": (np.dtype("<f4"), 4), "F16": (np.dtype("<f2"), 2), "BF16": (None, 2)}


def load_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = memoryview(blob)[8 + n:]
    tensors, spans = {}, []
    for name, info in header.items():
        dtype, size = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        assert end - begin == count * size, f"{name}: {end - begin} bytes for {count} x {info['dtype']}"
        spans.append((begin, end))
        raw = data[begin:end]
        if info["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=dtype).astype(np.float32)
        tensors[name] = arr.reshape(info["shape"])
    spans.sort()
    pos = 0
    for begin, end in spans:
        assert begin == pos, f"data offsets not contiguous at {begin} (expected {pos})"
        pos = end
    assert pos == len(data), f"data section holds {len(data)} bytes, offsets cover {pos}"
    assert (8 + n) % 8 == 0, "header not padded to 8 bytes"
    return tensors, meta


def rms(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def forward(cfg, W, ids):
    T = len(ids)
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or cfg["hidden_size"] // H
    eps = cfg["rms_norm_eps"]
    qwen3 = cfg["model_type"] == "qwen3"
    inv = 1.0 / (cfg["rope_theta"] ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    pos = np.arange(T, dtype=np.float64)
    rs = cfg.get("rope_scaling")
    if rs:
        assert rs["rope_type"] == "linear", "only linear RoPE scaling here"
        pos = pos / rs["factor"]
    ang = np.outer(pos, inv)
    emb = np.concatenate([ang, ang], axis=-1)
    cos, sin = np.cos(emb).astype(np.float32), np.sin(emb).astype(np.float32)  # [T, hd]
    x = W["model.embed_tokens.weight"][ids].astype(np.float32)
    mask = np.triu(np.full((T, T), -np.inf, dtype=np.float32), 1)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        g = lambda n: W.get(p + n)
        h = rms(x, g("input_layernorm.weight"), eps)
        lin = lambda v, n: v @ g(n + ".weight").T + (g(n + ".bias") if g(n + ".bias") is not None else 0)
        q = lin(h, "self_attn.q_proj").reshape(T, H, hd)
        k = lin(h, "self_attn.k_proj").reshape(T, KV, hd)
        v = lin(h, "self_attn.v_proj").reshape(T, KV, hd)
        if qwen3:
            q = rms(q, g("self_attn.q_norm.weight"), eps)
            k = rms(k, g("self_attn.k_norm.weight"), eps)
        q = q * cos[:, None, :] + rotate_half(q) * sin[:, None, :]
        k = k * cos[:, None, :] + rotate_half(k) * sin[:, None, :]
        rep = H // KV
        k = np.repeat(k, rep, axis=1)
        v = np.repeat(v, rep, axis=1)
        scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(hd) + mask
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        att = np.einsum("hts,shd->thd", scores, v).reshape(T, H * hd)
        x = x + lin(att, "self_attn.o_proj")
        h = rms(x, g("post_attention_layernorm.weight"), eps)
        gate = lin(h, "mlp.gate_proj")
        x = x + lin(gate / (1 + np.exp(-gate)) * lin(h, "mlp.up_proj"), "mlp.down_proj")
    x = rms(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]
    return (x @ head.T).astype("<f4")


def main():
    model_dir, out = sys.argv[1], sys.argv[2]
    ids = [int(t) for t in sys.argv[3:]]
    cfg = json.load(open(model_dir + "/config.json"))
    W, meta = load_safetensors(model_dir + "/model.safetensors")
    assert cfg["tie_word_embeddings"] == ("lm_head.weight" not in W), "tie_word_embeddings disagrees with lm_head.weight"
    assert W["model.embed_tokens.weight"].shape == (cfg["vocab_size"], cfg["hidden_size"])
    logits = forward(cfg, W, ids)
    with open(out, "wb") as f:
        f.write(logits.tobytes())
    print(json.dumps({"tensors": len(W), "metadata": meta, "architecture": cfg["architectures"][0], "logits": list(logits.shape)}))


if __name__ == "__main__":
    main()
