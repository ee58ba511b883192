-- Sampling loop: spherical interpolation between two noise vectors (rows: conditions held fixed),
-- then, for text models, linear interpolation between the first two conditions (noise held fixed).
local zoo = require "zoo"
local sampling = require "sampling"

local opts = ...
local model, conditions = sampling.load(opts)
local steps = math.max(2, opts.nrow or 8)
local request = { n = steps, seed = opts.seed or 0, ema = opts.ema ~= false, eval = opts.eval ~= false }

-- Two endpoint noises (and one condition noise, held fixed) from the seed.
if not model.z_dim then error("this model does not say its noise size (model.z_dim)", 0) end
local saved = zoo.rng_state()
zoo.seed(request.seed)
local z0, z1 = zoo.randn(1, model.z_dim), zoo.randn(1, model.z_dim)
local e0 = conditions and model.condition_dim and zoo.randn(1, model.condition_dim)
zoo.set_rng_state(saved)

local function slerp(a, b, t)
  local dot = (a * b):sum():item() / math.sqrt((a * a):sum():item() * (b * b):sum():item())
  local omega = math.acos(math.max(-1, math.min(1, dot)))
  if omega < 1e-6 then return a * (1 - t) + b * t end
  return a * (math.sin((1 - t) * omega) / math.sin(omega)) + b * (math.sin(t * omega) / math.sin(omega))
end

local rows, names = {}, nil
local zs = {}
for i = 0, steps - 1 do zs[#zs + 1] = slerp(z0, z1, i / (steps - 1)) end
request.noise = zoo.cat(zs, 1)
if conditions then
  request.condition = sampling.repeat_row(conditions, 1, steps)
  if e0 then request.condition_noise = sampling.repeat_row(e0, 1, steps) end
end
rows[1], names = model:sample(request)
if conditions and conditions:size(1) >= 2 then
  local c0, c1 = conditions:slice(1, 1, 1), conditions:slice(1, 2, 1)
  local cs = {}
  for i = 0, steps - 1 do local t = i / (steps - 1); cs[#cs + 1] = c0 * (1 - t) + c1 * t end
  request.noise = sampling.repeat_row(z0, 1, steps)
  request.condition = zoo.cat(cs, 1)
  rows[2] = model:sample(request)
end
local images = sampling.stack(rows, names)
print("wrote " .. table.concat(sampling.save(images, names, opts.out or "interpolate.png", steps), ", "))
