"""Reference FID, KID and IS on fixed features, computed as pytorch-fid, torch-fidelity and the
Inception-Score papers do (numpy + scipy), for the engine's GANMetrics tests.

    python3 Tests/Fixtures/metrics/make_metric_fixtures.py

Writes feat_a.npy [300, 16], feat_b.npy [200, 16] (float32), feat_c.npy [200, 16], probs.npy
[100, 10] and expected.json. KID uses subsets as large as the sets (every subset is the whole set
in some order, so the value does not depend on the draw).
"""
import json
import pathlib

import numpy as np
from scipy import linalg

here = pathlib.Path(__file__).resolve().parent
rng = np.random.default_rng(0)
mix = rng.normal(size=(16, 16)) * 0.5 + np.eye(16)
a = (rng.normal(size=(300, 16)) @ mix).astype(np.float32)
b = (rng.normal(size=(200, 16)) @ mix * 1.2 + 0.3).astype(np.float32)
c = (rng.normal(size=(200, 16)) * 0.8 - 0.1).astype(np.float32)
logits = rng.normal(size=(100, 10)) * 2
probs = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).astype(np.float32)


def fid(x, y):
    # pytorch-fid's calculate_frechet_distance on float64 statistics
    x, y = x.astype(np.float64), y.astype(np.float64)
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    covmean = covmean.real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def mmd(x, y):
    # torch-fidelity's polynomial MMD (degree 3, gamma 1/d, coef0 1), unbiased
    x, y = x.astype(np.float64), y.astype(np.float64)
    d, m = x.shape[1], x.shape[0]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.sum() / (m * m))


def inception_score(p, splits=10):
    p = p.astype(np.float64)
    scores = []
    n = p.shape[0]
    for s in range(splits):
        part = p[s * n // splits:(s + 1) * n // splits]
        py = part.mean(0, keepdims=True)
        scores.append(np.exp((part * (np.log(part) - np.log(py))).sum(1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


for name, arr in [("feat_a", a), ("feat_b", b), ("feat_c", c), ("probs", probs)]:
    np.save(here / f"{name}.npy", arr)
expected = {"fid_ab": fid(a, b), "fid_bc": fid(b, c), "fid_aa": fid(a, a), "kid_bc": mmd(b, c),
            "is_mean": inception_score(probs)[0], "is_std": inception_score(probs)[1]}
(here / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
print(expected)
