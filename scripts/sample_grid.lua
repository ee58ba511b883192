-- Sampling loop: conditions × noise. Rows are conditions (the first `rows` embeddings), columns
-- share their noise; every branch gets its grid. Unconditional models: an n-image grid.
-- Options (from `stackzoo sample`): checkpoint, embeddings, caption, n, seed, nrow, out, ema, eval.
local zoo = require "zoo"
local sampling = require "sampling"

local opts = ...
local model, conditions = sampling.load(opts)
local n, seed = opts.n or 16, opts.seed or 0
local request = { seed = seed, ema = opts.ema ~= false, eval = opts.eval ~= false }
local images, names
if conditions then
  local columns = math.min(opts.nrow or 8, n)
  local rows = math.max(1, n // columns)
  local results = {}
  for r = 1, rows do
    request.n = columns
    request.condition = sampling.repeat_row(conditions, (r - 1) % conditions:size(1) + 1, columns)
    results[r], names = model:sample(request)
  end
  images = sampling.stack(results, names)
  opts.nrow = columns
else
  request.n = n
  images, names = model:sample(request)
end
local written = sampling.save(images, names, opts.out or "samples.png", opts.nrow or 8)
print("wrote " .. table.concat(written, ", "))
