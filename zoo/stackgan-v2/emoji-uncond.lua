-- StackGAN-v2 unconditional demo on the embedded emoji images (2 branches, colour consistency on).
-- Colour weight 50 and UNCOND_LOSS 0 as the official unconditional ymls (SPEC §6.2).
return {
  extends = "stackgan-v2/emoji",
  description = "unconditional demo on the embedded emoji images: 64/128, colour consistency",
  arch = { conditional = false },
  loss = { uncond = 0.0, colour = 50.0 },
}
