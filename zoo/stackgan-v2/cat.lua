-- StackGAN-v2 unconditional on ImageNet cats (17 wnids), the official cat_3stages_color.yml settings: those of
-- dog_3stages_color.yml (no text, z re-injected, colour 50; SPEC §6.2) but for the epochs and data.
return {
  extends = "stackgan-v2/dog",
  description = "StackGAN-v2 unconditional, ImageNet cats (17 wnids), 64/128/256 (official cat_3stages_color.yml)",
  train = {
    epochs = 800,        -- TRAIN.MAX_EPOCH
  },
  data = { kind = "images", root = "data/imagenet/cats" },
}
