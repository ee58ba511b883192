-- StackGAN-v1 Stage-I on Oxford-102 flowers: the authors' TensorFlow networks and settings.
-- Numbers: hanzhanggit/StackGAN stageI/cfg/flowers.yml (SPEC §6.1): the same as birds-stage1
-- (GF 128, DF 64, Z 100, CA 128, batch 64, 600 epochs, lr halved every 50, KL 2.0, 4 captions
-- averaged) on the flowers data, which has no bounding boxes.
return {
  extends = "stackgan-v1/birds-stage1",
  description = "StackGAN-v1 Stage-I (64×64) on Oxford-102 flowers, TensorFlow networks (stageI/cfg/flowers.yml)",
  data = {
    dataset = "flowers",
    root = "data/flowers",
  },
}
