#!/usr/bin/env python3
"""One-off conversion of the official StackGAN data pickles (Python 2) into files StackZoo reads.

Usage:  python3 scripts/convert_stackgan_data.py ROOT [--force]

ROOT is a dataset folder in the official layout (SPEC §7.2), e.g. data/birds with
train/ and test/ holding filenames.pickle, class_info.pickle and *-embeddings.pickle.
For every split folder under ROOT that has a filenames.pickle, writes beside the pickles:

  filenames.txt              one key per line (002.Laysan_Albatross/Laysan_Albatross_0002_1027)
  class_info.txt             one integer class id per line (only if class_info.pickle exists)
  <name>-embeddings.npy      float32 [N, captions, D] from <name>-embeddings.pickle

Needs numpy only (no torch). The pickles were written by Python 2, so they are read with
encoding="latin1" (byte strings become str, numpy array buffers stay intact). Existing outputs
are kept unless --force is given. Exits non-zero naming the file when a pickle does not have the
expected content or the counts do not agree.
"""
import argparse
import os
import pickle
import sys

import numpy as np


class ConversionError(Exception):
    pass


def load_pickle(path):
    try:
        with open(path, "rb") as f:
            return pickle.load(f, encoding="latin1")
    except Exception as e:  # noqa: BLE001 - any unpickling failure is reported with the file
        raise ConversionError(f"{path}: cannot unpickle: {e}") from e


def as_text(x):
    if isinstance(x, bytes):
        return x.decode("latin1")
    return str(x)


def write_lines(path, lines, force):
    if os.path.exists(path) and not force:
        print(f"kept {path} (exists; --force rewrites)")
        return
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(f"{line}\n")
    os.replace(tmp, path)
    print(f"wrote {path} ({len(lines)} lines)")


def convert_split(folder, force):
    names_pickle = os.path.join(folder, "filenames.pickle")
    names = load_pickle(names_pickle)
    if isinstance(names, np.ndarray):
        names = names.tolist()
    if not isinstance(names, (list, tuple)) or not names:
        raise ConversionError(f"{names_pickle}: expected a non-empty list of file names, got {type(names).__name__}")
    names = [as_text(n) for n in names]
    for n in names:
        if "\n" in n or not n.strip():
            raise ConversionError(f"{names_pickle}: file name {n!r} is empty or holds a line break")
    count = len(names)
    write_lines(os.path.join(folder, "filenames.txt"), names, force)

    class_pickle = os.path.join(folder, "class_info.pickle")
    if os.path.exists(class_pickle):
        classes = np.asarray(load_pickle(class_pickle)).ravel()
        if classes.shape[0] != count or not np.issubdtype(classes.dtype, np.integer):
            raise ConversionError(f"{class_pickle}: expected {count} integer class ids, got {classes.dtype} {list(classes.shape)}")
        write_lines(os.path.join(folder, "class_info.txt"), [int(c) for c in classes], force)

    converted = 0
    for entry in sorted(os.listdir(folder)):
        if not entry.endswith("-embeddings.pickle"):
            continue
        path = os.path.join(folder, entry)
        out = path[: -len(".pickle")] + ".npy"
        if os.path.exists(out) and not force:
            print(f"kept {out} (exists; --force rewrites)")
            converted += 1
            continue
        emb = np.asarray(load_pickle(path), dtype=np.float32)
        if emb.ndim == 2:  # one embedding per image: [N, D] -> [N, 1, D]
            emb = emb[:, None, :]
        if emb.ndim != 3 or emb.shape[0] != count:
            raise ConversionError(f"{path}: expected [{count}, captions, D] embeddings (one row per file name), got {list(emb.shape)}")
        if not np.isfinite(emb).all():
            raise ConversionError(f"{path}: embeddings hold NaN or infinite values")
        tmp = out + ".tmp.npy"
        np.save(tmp, np.ascontiguousarray(emb))
        os.replace(tmp, out)
        print(f"wrote {out} (float32 {list(emb.shape)})")
        converted += 1
    if converted == 0:
        raise ConversionError(f"{folder}: no *-embeddings.pickle found")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", help="dataset folder (e.g. data/birds) with train/ and test/ split folders")
    parser.add_argument("--force", action="store_true", help="rewrite outputs that exist")
    args = parser.parse_args(argv)
    splits = [d for d in sorted(os.listdir(args.root))
              if os.path.isfile(os.path.join(args.root, d, "filenames.pickle"))] if os.path.isdir(args.root) else []
    if not splits:
        print(f"{args.root}: no split folder with a filenames.pickle (expected e.g. {args.root}/train/filenames.pickle)", file=sys.stderr)
        return 1
    try:
        for s in splits:
            convert_split(os.path.join(args.root, s), args.force)
    except ConversionError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
