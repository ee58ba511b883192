-- A 64×64 DCGAN written entirely in Lua: a runtime plugin registered with zoo.register_model.
local zoo = require "zoo"
local nn = zoo.nn

-- The generator's default ×2 block: nearest upsampling, 3×3 conv, batch norm, ReLU.
local function default_up_block(cin, cout)
  return nn.Sequential(nn.Upsample { scale = 2 }, nn.Conv2d(cin, cout, { kernel = 3, padding = 1, bias = false }),
    nn.BatchNorm2d(cout), nn.ReLU())
end

-- z [B, nz] → fc → [B, 8·ngf, 4, 4] → ×2 blocks → [B, 3, S, S] in [-1, 1].
local Generator = nn.define("DCGANGenerator", {
  init = function(self, a)
    local c = a.ngf * 8
    self.channels = c
    self.fc = nn.Sequential(nn.Linear(a.nz, c * 16, { bias = false }), nn.BatchNorm1d(c * 16), nn.ReLU())
    local up = a.up_block or default_up_block
    self.ups = nn.Sequential()
    local size = 4
    while size < a.image_size do
      local cout = math.max(c // 2, a.ngf)
      self.ups:add(up(c, cout))
      c, size = cout, size * 2
    end
    self.to_rgb = nn.Conv2d(c, 3, { kernel = 3, padding = 1 })
  end,
  forward = function(self, z)
    local h = self.fc(z):reshape(z:size(1), self.channels, 4, 4)
    return self.to_rgb(self.ups(h)):tanh()
  end,
})

-- [B, 3, S, S] → stride-2 4×4 convs down to 4×4 → one logit per image [B, 1, 1, 1].
local function discriminator(a)
  local d = nn.Sequential(nn.Conv2d(3, a.ndf, { kernel = 4, stride = 2, padding = 1 }), nn.LeakyReLU(0.2))
  local c, size = a.ndf, a.image_size // 2
  while size > 4 do
    d:add(nn.Conv2d(c, c * 2, { kernel = 4, stride = 2, padding = 1, bias = false }))
    d:add(nn.BatchNorm2d(c * 2))
    d:add(nn.LeakyReLU(0.2))
    c, size = c * 2, size // 2
  end
  return d:add(nn.Conv2d(c, 1, { kernel = 4 }))
end

zoo.register_model {
  name = "dcgan",
  summary = "DCGAN, unconditional 64×64 (runtime plugin written in Lua)",
  schema = {
    arch = {
      nz = { 100, "noise dimension" },
      ngf = { 64, "generator width (channels = 8·ngf at 4×4, halving per block down to ngf)" },
      ndf = { 64, "discriminator width of the first conv" },
      image_size = { 64, "output size: 4 · 2^k" },
      up_block = { type = "function", doc = "block slot: function(cin, cout) building the generator's ×2 block" },
    },
    train = {
      batch = { 64, "images per step" },
      epochs = { 25, "passes over the data" },
      snapshot_every = { 500, "steps between samples and checkpoints" },
      keep = { 3, "checkpoints kept (plus the final one)" },
      lr = { 2e-4, "Adam learning rate (both networks)" },
      beta1 = { 0.5, "Adam β1" },
    },
  },
  build = function(cfg)
    local a, t = cfg.arch, cfg.train
    local size = a.image_size
    while size > 4 and size % 2 == 0 do size = size // 2 end
    if size ~= 4 then error("dcgan: arch.image_size must be 4·2^k, got " .. a.image_size, 0) end
    local G, D = Generator(a), discriminator(a)
    local optG = zoo.optim.Adam(G:parameters(), { lr = t.lr, betas = { t.beta1, 0.999 } })
    local optD = zoo.optim.Adam(D:parameters(), { lr = t.lr, betas = { t.beta1, 0.999 } })
    local model = { networks = { netG = G, netD = D }, optimizers = { optG = optG, optD = optD },
      image_sizes = { a.image_size }, z_dim = a.nz }

    --- One D step (real vs detached fake) and one G step on batch["real.<size>"] [B, 3, S, S] in [-1, 1].
    function model:train_step(batch)
      local real = batch["real." .. a.image_size]
      if real == nil then error("dcgan: the batch has no 'real." .. a.image_size .. "' images", 2) end
      local z = zoo.randn(real:size(1), a.nz)
      local fake = G(z)
      optD:zero_grad()
      local errD = nn.bce_with_logits(D(real), 1) + nn.bce_with_logits(D(fake:detach()), 0)
      errD:backward()
      optD:step()
      optG:zero_grad()
      local errG = nn.bce_with_logits(D(fake), 1)
      errG:backward()
      optG:step()
      return { errD = errD:item(), errG = errG:item() }
    end

    --- opts.n images from noise seeded by opts.seed, or from opts.noise [n, nz] (the global
    --- generator is left as it was);
    --- returns {img<size> = images} and the names in order, as compiled models do.
    function model:sample(opts)
      opts = opts or {}
      local z = opts.noise
      if z == nil then
        local saved = zoo.rng_state()
        zoo.seed(opts.seed or 0)
        z = zoo.randn(opts.n or 16, a.nz)
        zoo.set_rng_state(saved)
      end
      local was_training = G:is_training()
      G:evaluate()
      local images = zoo.no_grad(G, z)
      if was_training then G:training() end
      return { ["img" .. a.image_size] = images }, { "img" .. a.image_size }
    end

    return model
  end,
}
