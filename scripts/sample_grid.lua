-- Sampling loop: conditions × noise. Rows are conditions (the first `rows` embeddings), columns
-- share their noise; every branch gets its grid, with each row's caption written beside it (and in
-- a .txt) when the captions are known (--captions). Unconditional models: an n-image grid.
-- Options (from `stackzoo sample`): checkpoint, embeddings, caption, n, seed, nrow, out, ema, eval.
local zoo = require "zoo"
local sampling = require "sampling"

local opts = ...
local model, conditions, _, captions = sampling.load(opts)
local n, seed = opts.n or 16, opts.seed or 0
local request = { seed = seed, ema = opts.ema ~= false, eval = opts.eval ~= false }
local images, names, labels
if conditions then
  local columns = math.min(opts.nrow or 8, n)
  local rows = math.max(1, n // columns)
  if captions then
    labels = {}
    for r = 1, rows do labels[r] = captions[(r - 1) % #captions + 1] end
  end
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
local out = opts.out or "samples.png"
local written = sampling.save(images, names, out, opts.nrow or 8, labels)
if labels then
  local lines = {}
  for r, label in ipairs(labels) do lines[r] = "row " .. r .. ": " .. label end
  local txt = out:gsub("%.png$", "") .. ".txt"
  zoo.run.write_atomic(txt, table.concat(lines, "\n") .. "\n")
  written[#written + 1] = txt
end
print("wrote " .. table.concat(written, ", "))
