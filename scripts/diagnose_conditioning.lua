-- Where a text model's conditioning stands: the embeddings' statistics against the unit scale
-- the CA expects, the CA's μ and σ over training captions, the KL, the gradient reaching the CA,
-- and the conditional D head's probabilities on real, wrong and fake pairs (StackGAN-v2 checkpoints).
--   stackzoo run scripts/diagnose_conditioning.lua CHECKPOINT [BATCHES]
local zoo = require "zoo"

local path, batches = arg[1], tonumber(arg[2] or "8")
if not path then error("usage: stackzoo run scripts/diagnose_conditioning.lua CHECKPOINT [BATCHES]", 0) end
local model = zoo.load_checkpoint(path)
if not model.text_dim then error(path .. ": not a text model", 0) end
local cfg = model.config
local ds = zoo.data.open(cfg.data, { image_sizes = model.image_sizes, batch = 16, seed = 7, text = true, text_dim = model.text_dim })

local function stats(t)   -- mean and std of all values
  local n = t:numel()
  local mean = t:sum():item() / n
  local var = ((t - mean) * (t - mean)):sum():item() / n
  return mean, math.sqrt(var)
end

local standardized, _, text_mean, text_std = model:text_statistics()
local sums = { emb_std = 0, mu_abs = 0, mu_std = 0, sigma = 0, kl = 0, grad = 0, real = 0, wrong = 0, fake = 0 }
local d = #model.image_sizes - 1                          -- the largest branch's discriminator
local size = model.image_sizes[#model.image_sizes]
for _ = 1, batches do
  local b = ds:next()
  local _, emb_std = stats(standardized and (b.text - text_mean) / text_std or b.text)
  sums.emb_std = sums.emb_std + emb_std
  local g = model:forward("G", { z = zoo.randn(16, model.z_dim), text = b.text })
  local mu, logvar = g.mu, g.logvar
  local mu_mean, mu_std = stats(mu)
  sums.mu_abs, sums.mu_std = sums.mu_abs + math.abs(mu_mean), sums.mu_std + mu_std
  sums.sigma = sums.sigma + (logvar * 0.5):exp():mean():item()
  sums.kl = sums.kl + zoo.nn.kl(mu, logvar):item()
  -- The conditional head on real/matching, wrong/matching and fake/matching pairs (probabilities).
  local function prob(image) return model:forward("D" .. d, { image = image, condition = mu:detach() }).cond_prob:mean():item() end
  sums.real = sums.real + prob(b.real[size])
  sums.wrong = sums.wrong + prob(b.wrong[size])
  sums.fake = sums.fake + prob(g["img" .. size]:detach())
  -- The gradient of G's whole loss (adversarial + KL) at the CA's layer, from one training step
  -- of this in-memory copy (RMS per weight; the checkpoint file is not touched).
  model:train_step(b)
  local grad = model.networks.netG.ca_net.fc.weight.grad
  if grad then sums.grad = sums.grad + math.sqrt((grad * grad):mean():item()) end
end
local n = batches
print(string.format("checkpoint: %s (%s, text %d, text_standardize %s)", path, cfg.model, model.text_dim, tostring(standardized)))
print(string.format("embeddings as the CA gets them: per-value std %.4f (unit-scale noise: 1)", sums.emb_std / n))
print(string.format("CA μ: |mean| %.4f, std %.4f over training captions; σ = exp(logvar/2) mean %.4f", sums.mu_abs / n, sums.mu_std / n, sums.sigma / n))
print(string.format("KL (per element): %.4f", sums.kl / n))
print(string.format("gradient reaching the CA layer (RMS per weight, G loss of one step): %.3g", sums.grad / n))
print(string.format("D%d conditional head: real %.3f, wrong %.3f, fake %.3f (mean probability of 'real and matching')", d, sums.real / n, sums.wrong / n, sums.fake / n))
