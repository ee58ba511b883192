-- StackGAN-v1 Stage-I on Oxford-102 flowers: the authors' TensorFlow networks and settings.
-- Numbers: hanzhanggit/StackGAN stageI/cfg/flowers.yml (SPEC §6.1): as birds — GF 128, DF 64, Z 100,
-- CA 128, batch 64, 600 epochs, lr 2e-4 halved every 50 epochs, KL 2.0, 4 captions averaged.
return {
  model = "stackgan-v1",
  description = "StackGAN-v1 Stage-I (64×64) on Oxford-102 flowers, TensorFlow networks (stageI/cfg/flowers.yml)",
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
    lr_g = 2e-4,
    lr_d = 2e-4,
    lr_decay_epochs = 50, -- TRAIN.LR_DECAY_EPOCH
    snapshot_every = 2000,
  },
  data = {
    kind = "stackgan",
    dataset = "flowers",
    root = "data/flowers",
    average_captions = 4, -- TRAIN.NUM_EMBEDDING
  },
}
