#!/usr/bin/env python3
"""Exports an LSUN lmdb (e.g. bedroom_train_lmdb) into a folder of PNG files for data.kind = "images".

Usage:  pip install lmdb pillow
        python3 scripts/lsun_to_folder.py data/lsun/bedroom_train_lmdb data/lsun/bedroom [--limit N] [--jpeg]

LSUN stores each image as WebP bytes under its key; StackZoo reads PNG and JPEG, so every image
is decoded once and written as <out>/<key[:2]>/<key>.png (lossless; --jpeg writes quality-95 JPEG,
about 5x smaller). The two-character sub-folders keep folders small; for an unconditional
model they are just a folder tree (their class ids are not used). Not run in CI.
"""
import argparse
import io
import os

import lmdb
from PIL import Image


def main():
    p = argparse.ArgumentParser()
    p.add_argument("lmdb_dir")
    p.add_argument("out_dir")
    p.add_argument("--limit", type=int, default=0, help="stop after N images (0: all)")
    p.add_argument("--jpeg", action="store_true", help="write JPEG (quality 95) instead of PNG")
    a = p.parse_args()
    env = lmdb.open(a.lmdb_dir, max_readers=1, readonly=True, lock=False, readahead=False, meminit=False)
    n = 0
    with env.begin(write=False) as txn:
        for key, value in txn.cursor():
            name = key.decode("ascii")
            folder = os.path.join(a.out_dir, name[:2])
            os.makedirs(folder, exist_ok=True)
            img = Image.open(io.BytesIO(value)).convert("RGB")  # as PT-v2's LSUN loader
            if a.jpeg:
                img.save(os.path.join(folder, name + ".jpg"), quality=95)
            else:
                img.save(os.path.join(folder, name + ".png"))
            n += 1
            if n % 10000 == 0:
                print(n, "images")
            if a.limit and n >= a.limit:
                break
    print(f"wrote {n} images under {a.out_dir}")


if __name__ == "__main__":
    main()
