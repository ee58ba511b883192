"""The PyTorch side of `stackzoo bench text`: sentence-transformers all-MiniLM-L6-v2 embedding the
same captions at the same thread count. Prints one JSON object {"seconds": [...], "captions": N}.

    pip install sentence-transformers   # with torch; the model folder comes from scripts/get_text_encoder.sh
    python3 scripts/bench_text_torch.py CAPTIONS.txt --threads 2 --repeats 3
"""
import argparse
import json
import os
import pathlib
import time

parser = argparse.ArgumentParser()
parser.add_argument("captions")
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--repeats", type=int, default=3)
parser.add_argument("--batch", type=int, default=32)
args = parser.parse_args()

import torch  # noqa: E402  (after the arguments, so --help needs no torch)
from sentence_transformers import SentenceTransformer  # noqa: E402

torch.set_num_threads(args.threads)
cache = pathlib.Path(os.environ.get("STACKZOO_CACHE", pathlib.Path.home() / ".cache/stackzoo"))
model = SentenceTransformer(str(cache / "text/all-MiniLM-L6-v2"), device="cpu")
texts = [line.rstrip("\n") for line in open(args.captions, encoding="utf-8")]
with torch.inference_mode():
    model.encode(texts[: args.batch], batch_size=args.batch)  # warm-up
    seconds = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.encode(texts, batch_size=args.batch, convert_to_numpy=True)
        seconds.append(time.perf_counter() - start)
print(json.dumps({"seconds": seconds, "captions": len(texts), "torch": torch.__version__, "threads": torch.get_num_threads()}))
