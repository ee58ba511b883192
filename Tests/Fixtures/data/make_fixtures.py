#!/usr/bin/env python3
"""Writes the ZooData test fixtures (run once, offline; needs numpy and Pillow; outputs are committed).

  cub/       a tiny CUB-like tree: CUB_200_2011/{images/<class>/<file>.jpg, images.txt,
             bounding_boxes.txt}, text_c10/<key>.txt, and train/ + test/ with Python-2-style
             pickles (protocol 2, byte strings, numpy arrays as py2 writes them), converted by
             scripts/convert_stackgan_data.py into filenames.txt, class_info.txt and
             char-CNN-RNN-embeddings.npy
  images/    an image folder: classA (2 PNG), classB (gray PNG, RGBA PNG), classC/sub (1 JPEG)
  emoji/     8 emoji of ../shared/datasets/emoji-noto: png/64 (true), png/32 (PIL bilinear),
             meta.jsonl, emb_test.npy float16 [8, 5, 16] (first 16 dims), splits.json
  reference.json, ref_*.npy   PT-v2 preprocessing computed with PIL exactly as the reference code
"""
import io
import json
import os
import pickle
import struct
import subprocess
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
EMOJI = os.path.abspath(os.path.join(REPO, "..", "shared", "datasets", "emoji-noto"))
rng = np.random.default_rng(20240)


def picture(w, h, seed):
    """A smooth colour pattern with noise: every pixel differs, so crops and flips show."""
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([x * 255 / max(w - 1, 1), y * 255 / max(h - 1, 1), (x + y) * 127 / max(w + h - 2, 1)], -1)
    img += r.normal(0, 20, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


# --- Python-2-style pickles ------------------------------------------------------------------

class Py2Pickler(pickle._Pickler):
    """Protocol 2 written as Python 2 did: str as byte strings (BINSTRING), numpy under numpy.core."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_string(self, obj):
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = save_py2_string
    dispatch[bytes] = save_py2_string

    def save_global(self, obj, name=None):
        module = getattr(obj, "__module__", None)
        name = name or obj.__qualname__
        if module and module.startswith("numpy._core"):
            module = "numpy.core" + module[len("numpy._core"):]
        if module == "builtins":
            module = "__builtin__"
        self.write(pickle.GLOBAL + bytes(module, "ascii") + b"\n" + bytes(name, "ascii") + b"\n")
        self.memoize(obj)

    dispatch[type] = save_global


def py2_pickle(obj, path):
    buf = io.BytesIO()
    Py2Pickler(buf, protocol=2).dump(obj)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


# --- the CUB-like tree -----------------------------------------------------------------------

def make_cub():
    root = os.path.join(HERE, "cub")
    cub = os.path.join(root, "CUB_200_2011")
    classes = ["001.Black_footed_Albatross", "002.Laysan_Albatross", "003.Sooty_Albatross"]
    sizes = [(60, 44), (44, 58), (56, 48), (50, 50), (64, 40), (40, 52)]
    boxes = [(10.0, 6.0, 30.0, 25.0), (2.0, 20.0, 38.0, 30.0), (30.0, 1.0, 24.0, 40.0),
             (0.0, 0.0, 50.0, 50.0), (40.0, 25.0, 20.0, 14.0), (5.0, 5.0, 8.0, 12.0)]
    keys, lines, box_lines = [], [], []
    for i, (w, h) in enumerate(sizes):
        cls = classes[i // 2]
        name = f"{cls.split('.')[1]}_{i + 1:04d}_{100 + i}"
        key = f"{cls}/{name}"
        os.makedirs(os.path.join(cub, "images", cls), exist_ok=True)
        Image.fromarray(picture(w, h, i)).save(os.path.join(cub, "images", key + ".jpg"), quality=90)
        keys.append(key)
        lines.append(f"{i + 1} {key}.jpg")
        box_lines.append(f"{i + 1} " + " ".join(f"{v:.1f}" for v in boxes[i]))
        os.makedirs(os.path.join(root, "text_c10", cls), exist_ok=True)
        with open(os.path.join(root, "text_c10", key + ".txt"), "w") as f:
            for k in range(10):
                f.write(f"caption {k} of bird {i}\n")
    with open(os.path.join(cub, "images.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(cub, "bounding_boxes.txt"), "w") as f:
        f.write("\n".join(box_lines) + "\n")
    splits = {"train": [0, 1, 2, 3], "test": [4, 5]}
    for split, idx in splits.items():
        d = os.path.join(root, split)
        os.makedirs(d, exist_ok=True)
        py2_pickle([keys[i] for i in idx], os.path.join(d, "filenames.pickle"))
        py2_pickle([i // 2 + 1 for i in idx], os.path.join(d, "class_info.pickle"))
        emb = np.stack([np.arange(10 * 8, dtype=np.float32).reshape(10, 8) / 100 + i for i in idx])  # [N, 10, 8]
        py2_pickle(emb, os.path.join(d, "char-CNN-RNN-embeddings.pickle"))
    subprocess.check_call([sys.executable, os.path.join(REPO, "scripts", "convert_stackgan_data.py"), root, "--force"])
    return root, keys, boxes


# --- an image folder -------------------------------------------------------------------------

def make_images():
    root = os.path.join(HERE, "images")
    for d in ["classA", "classB", "classC/sub"]:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    Image.fromarray(picture(48, 40, 10)).save(os.path.join(root, "classA", "a1.png"))
    Image.fromarray(picture(40, 56, 11)).save(os.path.join(root, "classA", "a2.png"))
    Image.fromarray(picture(44, 44, 12)[:, :, 0]).save(os.path.join(root, "classB", "gray.png"))
    rgba = np.concatenate([picture(42, 46, 13), np.full((46, 42, 1), 200, np.uint8)], -1)
    Image.fromarray(rgba, "RGBA").save(os.path.join(root, "classB", "rgba.png"))
    Image.fromarray(picture(52, 40, 14)).save(os.path.join(root, "classC", "sub", "c1.jpg"), quality=90)
    with open(os.path.join(root, "classA", "notes.txt"), "w") as f:
        f.write("not an image: ignored by extension\n")


# --- emoji -----------------------------------------------------------------------------------

def make_emoji():
    root = os.path.join(HERE, "emoji")
    meta = [json.loads(l) for l in open(os.path.join(EMOJI, "meta.jsonl"))]
    emb = np.load(os.path.join(EMOJI, "emb_minilm.npy"), mmap_mode="r")
    picks = [0, 1, 2, 40, 800, 1500, 2500, 3000]
    for s in (32, 64):
        os.makedirs(os.path.join(root, "png", str(s)), exist_ok=True)
    with open(os.path.join(root, "meta.jsonl"), "w") as f:
        for i in picks:
            m = meta[i]
            rec = {"id": m["id"], "name": m["name"], "group": m["group"], "captions": m["captions"]}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            img = Image.open(os.path.join(EMOJI, "png", "64", m["id"] + ".png")).convert("RGB")
            img.save(os.path.join(root, "png", "64", m["id"] + ".png"))
            img.resize((32, 32), Image.BILINEAR).save(os.path.join(root, "png", "32", m["id"] + ".png"))
    np.save(os.path.join(root, "emb_test.npy"), np.ascontiguousarray(emb[picks, :, :16]).astype(np.float16))
    ids = [meta[i]["id"] for i in picks]
    with open(os.path.join(root, "splits.json"), "w") as f:
        json.dump({"train": ids[:6], "test": ids[6:]}, f, indent=0)


# --- PT-v2 preprocessing references (the reference code's arithmetic, with PIL) ---------------

def scale(img, size):
    """torchvision 0.2 transforms.Scale(size) (shorter side, aspect kept, BILINEAR)."""
    w, h = img.size
    if (w <= h and w == size) or (h <= w and h == size):
        return img
    if w < h:
        return img.resize((size, int(size * h / w)), Image.BILINEAR)
    return img.resize((int(size * w / h), size), Image.BILINEAR)


def get_imgs(path, imsize, bbox, crop_xy, flip):
    """PT-v2 datasets.get_imgs with the random crop and flip given."""
    img = Image.open(path).convert("RGB")
    width, height = img.size
    if bbox is not None:
        r = int(np.maximum(bbox[2], bbox[3]) * 0.75)
        center_x = int((2 * bbox[0] + bbox[2]) / 2)
        center_y = int((2 * bbox[1] + bbox[3]) / 2)
        y1 = np.maximum(0, center_y - r)
        y2 = np.minimum(height, center_y + r)
        x1 = np.maximum(0, center_x - r)
        x2 = np.minimum(width, center_x + r)
        img = img.crop([x1, y1, x2, y2])
    loaded = scale(img, int(imsize[-1] * 76 / 64))
    x, y = crop_xy
    crop = loaded.crop((x, y, x + imsize[-1], y + imsize[-1]))
    if flip:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
    out = [scale(crop, s) if s < imsize[-1] else crop for s in imsize]
    return np.asarray(loaded), [np.asarray(o) for o in out]


def bbox_rect(bbox, width, height):
    r = int(np.maximum(bbox[2], bbox[3]) * 0.75)
    cx = int((2 * bbox[0] + bbox[2]) / 2)
    cy = int((2 * bbox[1] + bbox[3]) / 2)
    return [int(np.maximum(0, cx - r)), int(np.maximum(0, cy - r)), int(np.minimum(width, cx + r)), int(np.minimum(height, cy + r))]


def make_references(cub_root, keys, boxes):
    cases = []
    specs = [
        ("cub", os.path.join(cub_root, "CUB_200_2011", "images", keys[1] + ".jpg"), boxes[1], (3, 5), True),
        ("img", os.path.join(HERE, "images", "classA", "a1.png"), None, (7, 0), False),
        ("emoji", os.path.join(HERE, "emoji", "png", "64", json.loads(open(os.path.join(HERE, "emoji", "meta.jsonl")).readline())["id"] + ".png"), None, (6, 2), True),
    ]
    for name, path, bbox, xy, flip in specs:
        loaded, pyramid = get_imgs(path, [32, 64], bbox, xy, flip)
        np.save(os.path.join(HERE, f"ref_{name}_loaded.npy"), loaded)
        for s, arr in zip([32, 64], pyramid):
            np.save(os.path.join(HERE, f"ref_{name}_{s}.npy"), arr)
        cases.append({"name": name, "file": os.path.relpath(path, HERE), "bbox": [int(v) for v in bbox] if bbox else None,
                      "crop": list(xy), "flip": flip, "sizes": [32, 64], "loaded": list(loaded.shape)})
    rects = []
    for bbox, w, h in [((10, 6, 30, 25), 60, 44), ((2, 20, 38, 30), 44, 58), ((30, 1, 24, 40), 56, 48),
                       ((0, 0, 50, 50), 50, 50), ((40, 25, 20, 14), 64, 40), ((5, 5, 8, 12), 40, 52),
                       ((7, 3, 15, 9), 500, 375), ((60, 27, 325, 304), 500, 375)]:
        rects.append({"bbox": list(bbox), "width": w, "height": h, "rect": bbox_rect(bbox, w, h)})
    scales = []
    for w, h, s in [(60, 44, 76), (44, 58, 76), (500, 375, 304), (375, 500, 304), (128, 128, 152), (76, 100, 76), (100, 76, 76)]:
        img = scale(Image.new("RGB", (w, h)), s)
        scales.append({"width": w, "height": h, "load": s, "out": list(img.size)})
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"pipelines": cases, "bbox_rects": rects, "scales": scales}, f, indent=1)


if __name__ == "__main__":
    cub_root, keys, boxes = make_cub()
    make_images()
    make_emoji()
    make_references(cub_root, keys, boxes)
    print("fixtures written under", HERE)
