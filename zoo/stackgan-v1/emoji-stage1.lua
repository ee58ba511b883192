-- StackGAN-v1 Stage-I demo on the embedded emoji set (384-d MiniLM text), PyTorch networks.
-- Sizes are the emoji demo's, not a paper's: GF 32 (256 channels at 4×4, as stackgan-v2/emoji),
-- DF 16, batch 16 — small enough to learn shapes and colours in minutes on 2 cores. Other values:
-- the PyTorch defaults (miscc/config.py, SPEC §6.1).
return {
  model = "stackgan-v1",
  description = "Stage-I demo on the embedded emoji set: 64×64, GF 32, DF 16, text 384",
  arch = {
    stage = 1,
    flavour = "pytorch",
    gf = 32,
    df = 16,
    z = 100,
    condition = 128,
    text = 384,          -- all-MiniLM-L6-v2 sentence embeddings (zoo/datasets/emoji)
    text_standardize = true, -- MiniLM vectors are unit-norm (per-dimension std 0.05): without it the CA ignores the text
  },
  loss = { kl = 2.0 },
  -- kl: the papers' 2.0. A weight of 0.5 doubles the 10-minute text sensitivity only by shrinking
  -- the noise's share (variance across captions 0.22 either way, across noises 0.155 → 0.076), and
  -- after 60 minutes G ignores z (across noises 0.017) and some captions give blank images.
  train = {
    batch = 16,
    epochs = 200,
    lr_g = 2e-4,
    lr_d = 2e-4,
    lr_decay_epochs = 100,
    snapshot_every = 500,
  },
  data = {
    kind = "captioned",
    root = "zoo/datasets/emoji",
    split = "train",
  },
}
