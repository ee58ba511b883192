#!/usr/bin/env python3
"""Regenerates the .pth fixtures of PthTests (torch, seeded; run from the repository root).

    python3 Tests/Fixtures/pth/make_pth_fixtures.py

Writes, next to this script:
  small_zip.pth / small_legacy.pth   one state dict in both torch.save formats: F32, F16, BF16, I64, I32, U8,
                                     bool and F64 tensors, a transposed and a sliced view, two tensors sharing
                                     one storage, a 0-d and an empty tensor, an OrderedDict with a nested dict
  small_zip_p5.pth                   the zip format with pickle protocol 5
  small_expected.safetensors         every tensor of that dict as a contiguous copy (F64 as F32, bool as U8),
                                     named with dots, for exact comparison
  wrapped.pth                        {"state_dict": {...}, "epoch": 3} (the reader unwraps "state_dict")
  v2_netG.pth, v2_netD{0,1}.pth    a tiny StackGAN-v2 (tiny_models.lua, run by a built stackzoo: STACKZOO or
                                     .build/debug/stackzoo) as the official trainer saves it: nn.DataParallel's
                                     "module." prefix, no num_batches_tracked (PyTorch < 0.4.1), netD1 legacy
  v2_converted.safetensors           what scripts/convert_official.py writes from those files
  v1_netG.pth, v1_netD.pth, v1.safetensors
                                     a tiny StackGAN-v1 Stage-I the same way (StackGAN-Pytorch saves no prefix),
                                     and the StackZoo checkpoint it came from
"""
import collections
import os
import subprocess
import sys
import tempfile

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
PARITY = os.path.join(ROOT, "Tests", "Fixtures", "parity")


def small_state_dict():
    g = torch.Generator().manual_seed(18)
    base = torch.randn(4, 6, generator=g)
    shared = torch.randn(10, generator=g)
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.randn(3, 2, 2, 2, generator=g)
    sd["conv.bias"] = torch.randn(3, generator=g).half()
    sd["lin.weight"] = torch.randn(2, 5, generator=g).bfloat16()
    sd["bn.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)          # 0-d
    sd["ids"] = torch.tensor([[-3, 2 ** 40], [5, -(2 ** 62)]], dtype=torch.int64)
    sd["small_ints"] = torch.tensor([-7, 0, 123456], dtype=torch.int32)
    sd["bytes"] = torch.tensor([0, 255, 17], dtype=torch.uint8)
    sd["mask"] = torch.tensor([True, False, True])
    sd["double"] = torch.randn(2, 3, generator=g, dtype=torch.float64)
    sd["transposed"] = base.t()                                                # strides (1, 6)
    sd["sliced"] = base[1:4:2, 1::2]                                           # offset 7, strides (12, 2)
    sd["shared_a"] = shared[2:7]                                               # one storage, two views
    sd["shared_b"] = shared.view(2, 5)[1]
    sd["empty"] = torch.zeros(0, 4)
    inner = collections.OrderedDict()
    inner["w"] = torch.randn(2, 2, generator=g)
    inner["deeper"] = {"b": torch.arange(3, dtype=torch.float32)}
    sd["block"] = inner
    sd._metadata = collections.OrderedDict([("", {"version": 1})])                # pickled with BUILD, as state_dict()'s
    return sd


def flatten(d, prefix=""):
    out = collections.OrderedDict()
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out


def expected(sd):
    out = {}
    for k, v in flatten(sd).items():
        v = v.contiguous().clone()
        if v.dtype == torch.float64:
            v = v.float()
        if v.dtype == torch.bool:
            v = v.to(torch.uint8)
        out[k] = v
    return out


def main():
    torch.manual_seed(0)
    sd = small_state_dict()
    torch.save(sd, os.path.join(HERE, "small_zip.pth"))
    torch.save(sd, os.path.join(HERE, "small_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(sd, os.path.join(HERE, "small_zip_p5.pth"), pickle_protocol=5)    # FRAME, MEMOIZE, SHORT_BINUNICODE
    save_file(expected(sd), os.path.join(HERE, "small_expected.safetensors"))
    torch.save({"state_dict": collections.OrderedDict(w=torch.ones(2)), "epoch": 3}, os.path.join(HERE, "wrapped.pth"))

    with tempfile.TemporaryDirectory() as tmp:
        stackzoo = os.environ.get("STACKZOO", os.path.join(ROOT, ".build", "debug", "stackzoo"))
        subprocess.run([stackzoo, "run", os.path.join(HERE, "tiny_models.lua"), tmp], check=True, cwd=ROOT)
        v2, v1 = load_file(os.path.join(tmp, "tiny_v2.safetensors")), load_file(os.path.join(tmp, "tiny_v1.safetensors"))
        v1_meta = safe_open(os.path.join(tmp, "tiny_v1.safetensors"), "pt").metadata()

    def official(tensors, prefix, name, module="module.", legacy=False):
        sd = collections.OrderedDict((module + k[len(prefix):], v) for k, v in tensors.items()
                                     if k.startswith(prefix) and not k.endswith("num_batches_tracked"))
        path = os.path.join(HERE, name)
        torch.save(sd, path, _use_new_zipfile_serialization=not legacy)
        return os.path.relpath(path, ROOT)

    g = official(v2, "netG.", "v2_netG.pth")
    ds = [official(v2, "netsD.0.", "v2_netD0.pth"), official(v2, "netsD.1.", "v2_netD1.pth", legacy=True)]
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "convert_official.py"), "--netG", g, "--netD", *ds,
                    "--preset", "birds", "--set", "arch.branches=2", "--set", "arch.gf=4", "--set", "arch.df=2",
                    "--set", "arch.z=4", "--set", "arch.condition=2", "--set", "arch.text=8",
                    "--out", os.path.relpath(os.path.join(HERE, "v2_converted.safetensors"), ROOT)], check=True, cwd=ROOT)
    official(v1, "netG.", "v1_netG.pth", module="")
    official(v1, "netD.", "v1_netD.pth", module="")
    save_file({k: v for k, v in v1.items() if k.startswith(("netG.", "netD."))}, os.path.join(HERE, "v1.safetensors"),
              metadata={"stackzoo.config": v1_meta["stackzoo.config"]})


if __name__ == "__main__":
    main()
