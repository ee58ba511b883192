-- StackGAN-v1 Stage-I on CUB-200 birds: the authors' TensorFlow networks and settings.
-- Numbers: hanzhanggit/StackGAN stageI/cfg/birds.yml and misc/config.py (SPEC §2.1.a, §2.2, §5.1–5.6, §6.1):
-- GF 128, DF 64, Z 100, CA 128, batch 64, 600 epochs, lr 2e-4 halved every 50 epochs, KL 2.0,
-- mean of 4 caption embeddings per image, snapshot every 2000 iterations.
return {
  model = "stackgan-v1",
  description = "StackGAN-v1 Stage-I (64×64) on CUB birds, TensorFlow networks (stageI/cfg/birds.yml)",
  arch = {
    stage = 1,
    flavour = "tensorflow",
    gf = 128,            -- GAN.GF_DIM
    df = 64,             -- GAN.DF_DIM
    z = 100,             -- Z_DIM
    condition = 128,     -- GAN.EMBEDDING_DIM
    text = 1024,         -- char-CNN-RNN embeddings
  },
  loss = { kl = 2.0 },   -- TRAIN.COEFF.KL
  train = {
    batch = 64,          -- TRAIN.BATCH_SIZE
    epochs = 600,        -- TRAIN.MAX_EPOCH
    lr_g = 2e-4,         -- TRAIN.GENERATOR_LR
    lr_d = 2e-4,         -- TRAIN.DISCRIMINATOR_LR
    lr_decay_epochs = 50, -- TRAIN.LR_DECAY_EPOCH
    snapshot_every = 2000, -- TRAIN.SNAPSHOT_INTERVAL
  },
  data = {
    kind = "stackgan",
    dataset = "cub",
    root = "data/birds",
    average_captions = 4, -- TRAIN.NUM_EMBEDDING
  },
}
