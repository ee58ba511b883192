-- StackGAN-v1 Stage-I on MS-COCO: the PyTorch re-implementation's networks and settings.
-- Numbers: hanzhanggit/StackGAN-Pytorch code/cfg/coco_s1.yml and miscc/config.py (SPEC §2.1.b, §2.2,
-- §5.1, §6.1): GF 192 (1536 channels at 4×4), DF 96, Z 100, CONDITION_DIM 128, batch 128,
-- 120 epochs, lr 2e-4 halved every 20 epochs, KL 2.0, one random caption per image; snapshots
-- every 10 epochs (≈ 6,460 iterations at batch 128 on the 82,783 train2014 images).
return {
  model = "stackgan-v1",
  description = "StackGAN-v1 Stage-I (64×64) on MS-COCO, PyTorch networks (coco_s1.yml)",
  arch = {
    stage = 1,
    flavour = "pytorch",
    gf = 192,            -- GAN.GF_DIM
    df = 96,             -- GAN.DF_DIM
    z = 100,             -- Z_DIM
    condition = 128,     -- GAN.CONDITION_DIM
    text = 1024,         -- TEXT.DIMENSION
  },
  loss = { kl = 2.0 },   -- TRAIN.COEFF.KL
  train = {
    batch = 128,         -- TRAIN.BATCH_SIZE (× GPUs; the CLI's --gpu default gives one)
    epochs = 120,        -- TRAIN.MAX_EPOCH
    lr_g = 2e-4,         -- TRAIN.GENERATOR_LR
    lr_d = 2e-4,         -- TRAIN.DISCRIMINATOR_LR
    lr_decay_epochs = 20, -- TRAIN.LR_DECAY_EPOCH
    snapshot_every = 6460, -- TRAIN.SNAPSHOT_INTERVAL = 10 epochs
  },
  data = {
    kind = "stackgan",
    dataset = "coco",
    root = "data/coco",
  },
}
