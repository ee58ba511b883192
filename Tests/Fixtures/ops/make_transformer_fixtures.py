"""
PyTorch reference fixtures for the ops of BERT-style text encoders (all-MiniLM-L6-v2): layer norm,
exact GELU, softmax with and without a key mask, embedding, permute, and one multi-head attention
block. One small .safetensors file per case, in the layout of the other fixtures in this folder
(made by make_op_fixtures.py): inputs and parameters under their names, `grad_out`, `out`,
`grad.<name>` = d(sum(out * grad_out))/d<name> for every differentiated input, JSON `params` metadata
(with `f32_vs_f64`), and constants that take no gradient (`indices`, `key_mask`) stored as float32.

usage:  python make_transformer_fixtures.py [--out DIR]     (default DIR: this folder)

Deterministic: seed 1234, torch.set_num_threads(1), MKL_CBWR=COMPATIBLE,STRICT, sorted metadata keys;
re-running gives identical files. The cases are described in README.md next to this script.
"""
import os

os.environ["MKL_CBWR"] = "COMPATIBLE,STRICT"   # bit-reproducible MKL kernels; before importing torch

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import struct  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 1234
OUT = HERE
GEN = None   # torch.Generator, reset in main()


def randn(*shape, scale=1.0):
    return torch.randn(*shape, generator=GEN) * scale


def save(name, tensors, params, description):
    meta = {"case": name, "params": json.dumps(params, sort_keys=True), "description": description,
            "torch": torch.__version__, "seed": str(SEED), "generator": "make_transformer_fixtures.py"}
    tensors = {k: v.detach().contiguous().clone() for k, v in tensors.items()}
    path = os.path.join(OUT, name + ".safetensors")
    save_file(tensors, path, metadata=meta)
    normalise_header(path)
    os.chmod(path, 0o644)   # safetensors writes 0600


def normalise_header(path):
    """Rewrites the header with its metadata keys sorted (safetensors writes them in hash-map order);
    the data bytes are untouched, so re-running gives byte-identical files."""
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    header = {"__metadata__": header.pop("__metadata__"), **header}
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb + blob[8 + n:])


def grad_case(name, fn, inputs, params, description, consts=None):
    """inputs: name -> tensor, all differentiated; consts: name -> tensor, stored and passed to fn
    but not differentiated. fn(**inputs, **consts) -> tensor. Stores inputs, consts, grad_out, out,
    grad.<input>; params gain f32_vs_f64 (the same case in float64 from the same values)."""
    consts = consts or {}
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in inputs.items()}
    out = fn(**leaves, **consts)
    g = randn(*out.shape)
    grads = torch.autograd.grad((out * g).sum(), list(leaves.values()))
    tensors = {**inputs, **consts, "grad_out": g, "out": out}
    tensors.update({f"grad.{k}": gk for k, gk in zip(leaves, grads)})
    leaves64 = {k: v.detach().double().requires_grad_(True) for k, v in inputs.items()}
    out64 = fn(**leaves64, **consts)
    grads64 = torch.autograd.grad((out64 * g.double()).sum(), list(leaves64.values()))
    pairs = [("out", out64)] + [(f"grad.{k}", gk) for k, gk in zip(leaves64, grads64)]
    params = dict(params, f32_vs_f64={
        k: float(f"{float((tensors[k].detach().double() - r.detach()).abs().max() / max(1.0, float(r.detach().abs().max()))):.3g}")
        for k, r in pairs})
    save(name, tensors, params, description)


def masked_scores(scores, key_mask):
    """scores [B, ..., L] with the keys where key_mask [B, L] is 0 set to −inf."""
    view = key_mask.reshape(key_mask.shape[0], *([1] * (scores.dim() - 2)), key_mask.shape[1])
    return scores.masked_fill(view == 0, float("-inf"))


# ----------------------------------------------------------------------------------------------
# cases
# ----------------------------------------------------------------------------------------------
def layer_norm_cases():
    for name, eps in (("layer_norm_eps1e-12", 1e-12), ("layer_norm_eps1e-5", 1e-5)):
        inputs = {"x": randn(3, 4, 24, scale=2.0) + 0.7, "weight": 1.0 + randn(24, scale=0.3), "bias": randn(24, scale=0.3)}

        def fn(x, weight, bias, eps=eps):
            return F.layer_norm(x, (x.shape[-1],), weight, bias, eps)
        grad_case(name, fn, inputs, dict(op="layer_norm", shape=[3, 4, 24], normalized_shape=24, eps=eps),
                  "F.layer_norm(x, (C,), weight, bias, eps): (x - mean) / sqrt(var + eps) * weight + bias over "
                  "the last axis, biased variance")


def gelu_case():
    x = torch.cat([randn(140, scale=3.0), torch.tensor([-12.0, -9.0, -6.0, -3.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 3.0, 6.0, 9.0,
                                                        12.0, -5.5, 5.5, -0.5, 0.5, 2.0, -2.0, 0.25])]).reshape(4, 5, 8)
    grad_case("gelu", lambda x: F.gelu(x), {"x": x}, dict(op="gelu", shape=[4, 5, 8], approximate="none"),
              "F.gelu(x) (approximate='none'): 0.5 * x * (1 + erf(x / sqrt(2)))")


def softmax_cases():
    grad_case("softmax", lambda x: torch.softmax(x, dim=-1), {"x": randn(2, 3, 5, 7, scale=3.0)},
              dict(op="softmax", shape=[2, 3, 5, 7], dim=-1), "torch.softmax(x, dim=-1)")
    key_mask = torch.tensor([[1, 1, 1, 1, 1, 0, 0], [1, 0, 1, 1, 0, 0, 0]], dtype=torch.float32)
    grad_case("softmax_masked", lambda x, key_mask: torch.softmax(masked_scores(x, key_mask), dim=-1),
              {"x": randn(2, 3, 5, 7, scale=3.0)},
              dict(op="softmax", shape=[2, 3, 5, 7], dim=-1, key_mask="[B, L], 1 = keep, 0 = padding"),
              "torch.softmax(x.masked_fill(key_mask[:, None, None, :] == 0, -inf), dim=-1): masked keys get "
              "probability 0 (and no gradient)", consts={"key_mask": key_mask})


def embedding_case():
    indices = torch.tensor([[3, 0, 10, 3, 7], [7, 7, 1, 2, 3]], dtype=torch.float32)
    grad_case("embedding", lambda table, indices: F.embedding(indices.long(), table), {"table": randn(11, 6)},
              dict(op="embedding", vocabulary=11, dim=6, indices_shape=[2, 5]),
              "F.embedding(indices.long(), table): rows of table [V, D] picked by indices (stored as float32, "
              "integer-valued, repeated); grad.table scatter-adds grad_out", consts={"indices": indices})


def permute_cases():
    for name, axes in (("permute_heads", [0, 2, 1, 3]), ("permute_general", [3, 1, 0, 2])):
        grad_case(name, lambda x, axes=axes: x.permute(*axes), {"x": randn(2, 3, 4, 5)},
                  dict(op="permute", shape=[2, 3, 4, 5], axes=axes), f"x.permute{tuple(axes)}")


def attention_case():
    b, length, hidden, heads = 2, 5, 12, 3
    d = hidden // heads
    inputs = {"x": randn(b, length, hidden)}
    for p in "qkvo":
        inputs[f"w{p}"] = randn(hidden, hidden, scale=hidden ** -0.5)
        inputs[f"b{p}"] = randn(hidden, scale=0.1)
    key_mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.float32)

    def fn(x, wq, bq, wk, bk, wv, bv, wo, bo, key_mask):
        def heads_of(w, bias):   # [B, L, H·d] -> [B, H, L, d]
            return F.linear(x, w, bias).view(b, length, heads, d).permute(0, 2, 1, 3)
        q, k, v = heads_of(wq, bq), heads_of(wk, bk), heads_of(wv, bv)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d)
        probs = torch.softmax(masked_scores(scores, key_mask), dim=-1)
        ctx = (probs @ v).permute(0, 2, 1, 3).reshape(b, length, hidden)
        return F.linear(ctx, wo, bo)
    grad_case("attention", fn, inputs,
              dict(op="multi_head_attention", batch=b, length=length, hidden=hidden, heads=heads, head_dim=d,
                   layout="linear weights [out, in]"),
              "BERT self-attention and its output dense layer: q, k, v = linear(x) split into heads "
              "[B, H, L, d]; softmax(q k^T / sqrt(d), keys masked by key_mask [B, L]) @ v, heads merged to "
              "[B, L, H*d], then linear(wo, bo)", consts={"key_mask": key_mask})


def main():
    global OUT, GEN
    ap = argparse.ArgumentParser(description="Write the transformer-op fixtures (see README.md next to this script).")
    ap.add_argument("--out", default=HERE, help="output folder (default: this script's folder)")
    OUT = os.path.abspath(ap.parse_args().out)
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    GEN = torch.Generator().manual_seed(SEED)
    layer_norm_cases()
    gelu_case()
    softmax_cases()
    embedding_case()
    permute_cases()
    attention_case()


if __name__ == "__main__":
    main()
