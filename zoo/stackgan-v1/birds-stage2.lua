-- StackGAN-v1 Stage-II on CUB-200 birds: the authors' TensorFlow networks and settings.
-- Numbers: hanzhanggit/StackGAN stageII/cfg/birds.yml and stageII/model.py (SPEC §2.3, §2.4, §5.1, §6.1):
-- 4 residual blocks (hard-coded), batch 64, epochs 600 → 1200 cumulative, lr halved every 100 epochs
-- (at 700 … 1100 cumulative, i.e. every 100 epochs of this stage), the Stage-I in training mode.
-- The trained Stage-I comes from arch.stage1_checkpoint (the two-stage recipe sets it, or
-- --set arch.stage1_checkpoint=runs/birds-stage1/final.safetensors).
return {
  extends = "stackgan-v1/birds-stage1",
  description = "StackGAN-v1 Stage-II (256×256) on CUB birds, TensorFlow networks (stageII/cfg/birds.yml)",
  arch = {
    stage = 2,
    residual = 4,          -- hard-coded in the TF hr generator
    stage1_bn = "train",   -- the frozen Stage-I runs in training mode (SPEC §10.4)
  },
  train = {
    batch = 64,
    epochs = 600,          -- 1200 − 600 (the TF epoch counter continues from Stage-I)
    lr_decay_epochs = 100, -- TRAIN.LR_DECAY_EPOCH
    snapshot_every = 2000,
  },
}
