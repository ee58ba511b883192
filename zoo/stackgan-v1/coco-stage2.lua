-- StackGAN-v1 Stage-II on MS-COCO: the PyTorch re-implementation's networks and settings.
-- Numbers: hanzhanggit/StackGAN-Pytorch code/cfg/coco_s2.yml (SPEC §2.3, §2.4, §6.1): GF 192, DF 96,
-- R_NUM 2, batch 40, 100 epochs, lr halved every 20 epochs, the unconditional D head, the frozen
-- Stage-I (STAGE1_G: netG_epoch_120.pth of Stage-I) in training mode; snapshots every 5 epochs
-- (≈ 10,345 iterations at batch 40).
return {
  extends = "stackgan-v1/coco-stage1",
  description = "StackGAN-v1 Stage-II (256×256) on MS-COCO, PyTorch networks (coco_s2.yml)",
  arch = {
    stage = 2,
    residual = 2,          -- GAN.R_NUM
    stage1_bn = "train",   -- official: netG.train() includes the embedded Stage-I (SPEC §10.4)
  },
  train = {
    batch = 40,            -- TRAIN.BATCH_SIZE
    epochs = 100,          -- TRAIN.MAX_EPOCH
    lr_decay_epochs = 20,  -- TRAIN.LR_DECAY_EPOCH
    snapshot_every = 10345, -- 5 epochs
  },
}
