#!/usr/bin/env python3
"""Checks `stackzoo convert` against scripts/convert_official.py on the parity fixtures' weights (torch; not run in CI).

    python3 Tests/Fixtures/pth/check_parity_conversion.py [PARITY_DIR]    (default Tests/Fixtures/parity)

For each fixture, its G and D weights are saved as the official trainers save them (v2: "module."
prefixes and no num_batches_tracked, the second discriminator in the legacy format; v1: plain keys),
then converted by both converters (v1: by stackzoo only, compared with the fixture's own weights),
and every tensor is compared: names, dtype, shape and bytes. Prints one line per fixture; exits 1 on
any difference. Uses the stackzoo of STACKZOO (default .build/debug/stackzoo).
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors import safe_open
from safetensors.numpy import load_file, save_file
from safetensors.torch import load_file as load_torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
STACKZOO = os.environ.get("STACKZOO", os.path.join(ROOT, ".build", "debug", "stackzoo"))


def save_pth(src, path, module, legacy=False):
    sd = collections.OrderedDict((module + k, v) for k, v in load_torch(src).items()
                                 if not (module and k.endswith("num_batches_tracked")))
    torch.save(sd, path, _use_new_zipfile_serialization=not legacy)


def differences(a, b, only=None):
    x, y = load_file(a), load_file(b)
    names = set(x) if only is None else {k for k in x if k.startswith(only)}
    missing = sorted(names ^ ({k for k in y if k.startswith(only)} if only else set(y)))
    bad = [k for k in names & set(y) if not (x[k].dtype == y[k].dtype and x[k].shape == y[k].shape and np.array_equal(x[k], y[k]))]
    return len(names), missing + sorted(bad)


def main():
    parity = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests", "Fixtures", "parity")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name in ["shared_v2_cond", "shared_v2_uncond", "shared_v2_demo", "shared_v1_stage1", "shared_v1_stage2"]:
            base = os.path.join(parity, name)
            c = json.loads(safe_open(base + ".io.safetensors", "np").metadata()["config"])
            v2 = name.startswith("shared_v2")
            ds = sorted(f for f in os.listdir(parity) if f.startswith(name + ".D"))
            g = os.path.join(tmp, name + "_netG.pth")
            save_pth(base + ".G.safetensors", g, "module." if v2 else "")
            d = [os.path.join(tmp, f"{name}_netD{k}.pth") for k in range(len(ds))]
            for k, f in enumerate(ds):
                save_pth(os.path.join(parity, f), d[k], "module." if v2 else "", legacy=k == 1)
            out = os.path.join(tmp, name + ".stackzoo.safetensors")
            if v2:
                sets = {"arch.gf": c["gf_dim"], "arch.df": c["df_dim"], "arch.z": c["z_dim"], "arch.residual": c["r_num"],
                        "arch.branches": c["branch_num"]}
                if c["b_condition"]:
                    sets.update({"arch.condition": c["embedding_dim"], "arch.text": c["text_dim"]})
                preset = "birds" if c["b_condition"] else "uncond"
                args = [a for k, v in sets.items() for a in ("--set", f"{k}={v}")]
                py = os.path.join(tmp, name + ".python.safetensors")
                subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "convert_official.py"), "--netG", g, "--netD", *d,
                                "--preset", preset, *args, "--out", py], check=True, stdout=subprocess.DEVNULL)
                subprocess.run([STACKZOO, "convert", "--netG", g, "--netD", *d, "--preset", preset, *args, "--out", out],
                               check=True, stdout=subprocess.DEVNULL)
                n, diff = differences(out, py)
                against = "convert_official.py"
            else:
                stage = 2 if name.endswith("stage2") else 1
                sets = {"arch.gf": c["gf_dim"], "arch.df": c["df_dim"], "arch.z": c["z_dim"], "arch.condition": c["condition_dim"],
                        "arch.text": c["text_dim"], "arch.residual": c["r_num"]}
                args = [a for k, v in sets.items() for a in ("--set", f"{k}={v}")]
                subprocess.run([STACKZOO, "convert", g, "--netD", *d, "--entry", f"stackgan-v1/coco-stage{stage}", *args,
                                "--out", out], check=True, stdout=subprocess.DEVNULL)
                expected = os.path.join(tmp, name + ".expected.safetensors")
                tensors = {"netG." + k: v for k, v in load_file(base + ".G.safetensors").items()}
                tensors.update({"netD." + k: v for k, v in load_file(os.path.join(parity, ds[0])).items()})
                save_file(tensors, expected)
                n, diff = differences(out, expected)
                against = "the fixture's weights"
            failed |= bool(diff)
            print(f"{name}: {n} tensors, {'identical' if not diff else f'{len(diff)} differ: ' + ', '.join(diff[:5])} (stackzoo convert vs {against})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
