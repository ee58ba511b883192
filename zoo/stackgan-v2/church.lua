-- StackGAN-v2 unconditional on LSUN church_outdoor, the official church_3stages_color.yml settings.
-- Numbers: hanzhanggit/StackGAN-v2 code/cfg/church_3stages_color.yml (SPEC §6.2): no text, z re-injected, colour 50.
return {
  model = "stackgan-v2",
  description = "StackGAN-v2 unconditional, LSUN church_outdoor, 64/128/256 (official church_3stages_color.yml)",
  arch = {
    branches = 3,        -- TREE.BRANCH_NUM
    gf = 64,             -- GAN.GF_DIM
    df = 64,             -- GAN.DF_DIM
    z = 100,             -- GAN.Z_DIM
    residual = 2,        -- GAN.R_NUM
    conditional = false, -- GAN.B_CONDITION
  },
  loss = {
    uncond = 0.0,        -- TRAIN.COEFF.UNCOND_LOSS (unused without text)
    colour = 50.0,       -- TRAIN.COEFF.COLOR_LOSS
  },
  train = {
    batch = 24,          -- TRAIN.BATCH_SIZE
    epochs = 50,        -- TRAIN.MAX_EPOCH
    lr_g = 2e-4,
    lr_d = 2e-4,
    snapshot_every = 2000,
  },
  data = { kind = "images", root = "data/lsun/church_outdoor" },
}
