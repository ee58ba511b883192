-- Sampling loop: one condition (embedding --caption of row `row`, default the first), many noises.
local zoo = require "zoo"
local sampling = require "sampling"

local opts = ...
local model, conditions = sampling.load(opts)
local n = opts.n or 16
local request = { n = n, seed = opts.seed or 0, ema = opts.ema ~= false, eval = opts.eval ~= false }
if conditions then request.condition = sampling.repeat_row(conditions, tonumber(opts.row or 1), n) end
local images, names = model:sample(request)
print("wrote " .. table.concat(sampling.save(images, names, opts.out or "sweep.png", opts.nrow or 8), ", "))
