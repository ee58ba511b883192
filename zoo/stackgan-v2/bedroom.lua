-- StackGAN-v2 unconditional on LSUN bedroom, the official bedroom_3stages_color.yml settings: those of
-- dog_3stages_color.yml (no text, z re-injected, colour 50; SPEC §6.2) but for the epochs and data.
return {
  extends = "stackgan-v2/dog",
  description = "StackGAN-v2 unconditional, LSUN bedroom, 64/128/256 (official bedroom_3stages_color.yml)",
  train = {
    epochs = 5,        -- TRAIN.MAX_EPOCH
  },
  data = { kind = "images", root = "data/lsun/bedroom" },
}
