-- StackGAN-v2 on CUB-200 birds, the official birds_3stages.yml settings.
-- Numbers: hanzhanggit/StackGAN-v2 code/cfg/birds_3stages.yml and miscc/config.py (SPEC §6.2, §5.1–5.8).
return {
  model = "stackgan-v2",
  description = "StackGAN-v2 text-to-image on CUB birds, 64/128/256 (official birds_3stages)",
  arch = {
    branches = 3,       -- TREE.BRANCH_NUM
    gf = 64,            -- GAN.GF_DIM
    df = 64,            -- GAN.DF_DIM
    z = 100,            -- GAN.Z_DIM
    condition = 128,    -- GAN.EMBEDDING_DIM
    text = 1024,        -- TEXT.DIMENSION (char-CNN-RNN embeddings)
    residual = 2,       -- GAN.R_NUM
    conditional = true, -- GAN.B_CONDITION
  },
  loss = {
    kl = 2.0,           -- TRAIN.COEFF.KL (code default)
    uncond = 1.0,       -- TRAIN.COEFF.UNCOND_LOSS
    colour = 0.0,       -- TRAIN.COEFF.COLOR_LOSS
  },
  train = {
    batch = 24,         -- TRAIN.BATCH_SIZE (per GPU)
    epochs = 600,       -- TRAIN.MAX_EPOCH
    lr_g = 2e-4,        -- TRAIN.GENERATOR_LR
    lr_d = 2e-4,        -- TRAIN.DISCRIMINATOR_LR
    ema = 0.999,        -- generator EMA (code)
    snapshot_every = 2000, -- TRAIN.SNAPSHOT_INTERVAL
  },
  data = {
    kind = "stackgan",
    dataset = "cub",
    root = "data/birds",
  },
}
