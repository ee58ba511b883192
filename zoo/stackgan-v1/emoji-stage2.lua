-- StackGAN-v1 Stage-II demo on the embedded emoji set, on top of emoji-stage1's trained Stage-I.
-- Same demo sizes as emoji-stage1 (the Stage-I inside shares GF); 2 residual blocks as COCO's R_NUM.
return {
  extends = "stackgan-v1/emoji-stage1",
  description = "Stage-II demo on the embedded emoji set: 256×256 on the emoji Stage-I, GF 32, DF 16",
  arch = {
    stage = 2,
    residual = 2,
    stage1_bn = "train",
  },
  train = {
    batch = 16,
    epochs = 200,
    lr_decay_epochs = 100,
    snapshot_every = 500,
  },
}
