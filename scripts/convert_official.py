#!/usr/bin/env python3
"""Convert official StackGAN-v2 PyTorch checkpoints into one StackZoo checkpoint.

The official trainer (hanzhanggit/StackGAN-v2) saves `netG_<iter>.pth` (the generator's EMA weights)
and `netD0.pth`, `netD1.pth`, `netD2.pth` through nn.DataParallel, so keys carry a `module.` prefix,
and checkpoints from PyTorch < 0.4.1 lack the BN `num_batches_tracked` buffers. This script strips the
prefix, adds the missing buffers (0), and writes a safetensors file with StackZoo's keys:

    netG.<official key>        generator (live weights = the released EMA weights)
    netG_ema.<parameter>       the parameter average StackZoo samples with (the same weights)
    netsD.<k>.<official key>   discriminator k (64, 128, 256), when given

plus the metadata `stackzoo sample` needs (format, model, config). Needs torch (to read .pth) and
numpy; nothing of this is needed at run time. `stackzoo convert` does the same natively (no torch,
and no code in the .pth can run), for StackGAN-v1 too, and gives the same tensors
(Tests/Fixtures/pth/check_parity_conversion.py compares the two).

    python scripts/convert_official.py --netG netG_210000.pth --netD netD0.pth netD1.pth netD2.pth \\
        --preset birds --out birds_210000.safetensors
    stackzoo sample birds_210000.safetensors --embeddings test_embeddings.npy --out birds.png
"""
import argparse
import json
import struct
import sys

import numpy as np

FORMAT = "stackzoo-checkpoint-1"

# Flat StackZoo config values (schema keys of the stackgan-v2 plugin) per official yml.
PRESETS = {
    # birds_3stages.yml
    "birds": {"arch.branches": 3, "arch.gf": 64, "arch.df": 64, "arch.z": 100, "arch.condition": 128,
              "arch.text": 1024, "arch.residual": 2, "arch.conditional": True,
              "loss.kl": 2.0, "loss.uncond": 1.0, "loss.colour": 0.0},
    # dog/cat/bedroom/church_3stages_color.yml
    "uncond": {"arch.branches": 3, "arch.gf": 64, "arch.df": 64, "arch.z": 100, "arch.residual": 2,
               "arch.conditional": False, "loss.uncond": 0.0, "loss.colour": 50.0},
}


def load_state_dict(path):
    import torch
    sd = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict):
        sys.exit(f"{path}: expected a state dict, got {type(sd).__name__}")
    out = {}
    for k, v in sd.items():
        if not hasattr(v, "detach"):
            continue
        key = k[len("module."):] if k.startswith("module.") else k
        out[key] = v.detach().cpu().numpy()
    # BatchNorm layers saved before PyTorch 0.4.1 have no num_batches_tracked.
    for k in list(out):
        if k.endswith(".running_mean"):
            nbt = k[: -len("running_mean")] + "num_batches_tracked"
            out.setdefault(nbt, np.zeros((), dtype=np.int64))
    return out


def is_parameter(key):
    return not key.endswith(("running_mean", "running_var", "num_batches_tracked"))


DTYPES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("int64"): "I64",
          np.dtype("int32"): "I32", np.dtype("uint8"): "U8"}


def write_safetensors(path, tensors, metadata):
    """Minimal safetensors writer: little-endian data, header padded to 8 bytes."""
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name]).reshape(np.shape(tensors[name]))  # (ascontiguousarray makes 0-d arrays 1-d)
        if a.dtype == np.float64:
            a = a.astype(np.float32)
        if a.dtype not in DTYPES:
            sys.exit(f"{name}: unsupported dtype {a.dtype}")
        data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    import os
    os.replace(tmp, path)


def parse_set(items):
    values = {}
    for item in items or []:
        key, _, text = item.partition("=")
        if not key or not _:
            sys.exit(f"--set {item}: expected key=value")
        if text in ("true", "false"):
            values[key] = text == "true"
        else:
            try:
                values[key] = int(text)
            except ValueError:
                try:
                    values[key] = float(text)
                except ValueError:
                    values[key] = text
    return values


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--netG", required=True, help="official generator checkpoint (netG_<iter>.pth)")
    ap.add_argument("--netD", nargs="*", default=[], help="discriminators netD0.pth netD1.pth netD2.pth (optional)")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="birds", help="official configuration")
    ap.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config value (e.g. arch.branches=2)")
    ap.add_argument("--out", required=True, help="output .safetensors")
    args = ap.parse_args()

    config = dict(PRESETS[args.preset])
    config.update(parse_set(args.set))
    tensors = {}
    g = load_state_dict(args.netG)
    for k, v in g.items():
        tensors["netG." + k] = v
        if is_parameter(k):
            tensors["netG_ema." + k] = v
    for i, path in enumerate(args.netD):
        for k, v in load_state_dict(path).items():
            tensors[f"netsD.{i}." + k] = v
    metadata = {
        "stackzoo.format": FORMAT,
        "stackzoo.model": "stackgan-v2",
        "stackzoo.config": json.dumps(config, sort_keys=True),
        "stackzoo.source": " ".join([args.netG] + args.netD),
    }
    write_safetensors(args.out, tensors, metadata)
    print(f"wrote {args.out}: {len(tensors)} tensors ({len(g)} from {args.netG}, {len(args.netD)} discriminators)")


if __name__ == "__main__":
    main()
