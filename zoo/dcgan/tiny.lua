-- A tiny DCGAN (16×16, narrow) that trains in seconds: smoke tests and a first look.
return {
  model = "dcgan",
  description = "tiny DCGAN (16×16, 8 channels) for smoke tests",
  arch = {
    nz = 16,
    ngf = 8,
    ndf = 8,
    image_size = 16,
  },
  train = {
    batch = 4,
    lr = 1e-3,
  },
  -- The embedded emoji pictures (their captions unused), downscaled to 16×16.
  data = { kind = "captioned", root = "zoo/datasets/emoji" },
}
