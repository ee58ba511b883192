-- StackGAN-v1 Stage-II on Oxford-102 flowers: the authors' TensorFlow networks and settings.
-- Numbers: hanzhanggit/StackGAN stageII/cfg/flowers.yml (SPEC §6.1): 4 residual blocks, batch 64,
-- epochs to 1200 cumulative, lr halved every 100 epochs, the Stage-I from arch.stage1_checkpoint.
return {
  extends = "stackgan-v1/flowers-stage1",
  description = "StackGAN-v1 Stage-II (256×256) on Oxford-102 flowers, TensorFlow networks (stageII/cfg/flowers.yml)",
  arch = {
    stage = 2,
    residual = 4,          -- hard-coded in the TF hr generator
    stage1_bn = "train",
  },
  train = {
    batch = 64,
    epochs = 600,          -- 1200 cumulative
    lr_decay_epochs = 100,
    snapshot_every = 2000,
  },
}
