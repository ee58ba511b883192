-- StackGAN-v2 unconditional on LSUN church_outdoor, the official church_3stages_color.yml settings: those of
-- dog_3stages_color.yml (no text, z re-injected, colour 50; SPEC §6.2) but for the epochs and data.
return {
  extends = "stackgan-v2/dog",
  description = "StackGAN-v2 unconditional, LSUN church_outdoor, 64/128/256 (official church_3stages_color.yml)",
  train = {
    epochs = 50,        -- TRAIN.MAX_EPOCH
  },
  data = { kind = "images", root = "data/lsun/church_outdoor" },
}
