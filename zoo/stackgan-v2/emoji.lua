-- StackGAN-v2 conditional demo on the embedded emoji set (2 branches, 64/128, 384-d MiniLM text).
-- Sizes follow the "demo" workload of the benchmark (GF 16, DF 16, 2 branches, text 384, batch 16):
-- small enough to learn shapes and colours in minutes on 2 cores. Other values: birds_3stages.
return {
  model = "stackgan-v2",
  description = "conditional demo on the embedded emoji set: 64/128, GF 16, text 384",
  arch = {
    branches = 2,
    gf = 16,
    df = 16,
    z = 100,
    condition = 128,
    text = 384,          -- all-MiniLM-L6-v2 sentence embeddings (zoo/datasets/emoji)
    residual = 2,
    conditional = true,
    text_standardize = true, -- MiniLM vectors are unit-norm (per-dimension std 0.05): without it the CA ignores the text
  },
  loss = { kl = 2.0, uncond = 1.0, colour = 0.0 },
  -- kl: the papers' 2.0. A weight of 0.5 doubles the 10-minute text sensitivity only by shrinking
  -- the noise's share (variance across captions 0.22 either way, across noises 0.155 → 0.076), and
  -- after 60 minutes G ignores z (across noises 0.017) and some captions give blank images.
  train = {
    batch = 16,
    epochs = 200,
    lr_g = 2e-4,
    lr_d = 2e-4,
    snapshot_every = 500,
    ema_warmup = true,   -- a demo looks at its average after minutes, not after 2000 iterations
  },
  data = {
    kind = "captioned",
    root = "zoo/datasets/emoji",
    split = "train",
  },
}
