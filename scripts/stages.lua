-- Sampling loop for StackGAN-v1 Stage-II checkpoints: Stage-I (64×64, shown at 256) and Stage-II
-- (256×256) images side by side, one pair of rows per condition.
--   stackzoo sample run/stage2/checkpoints/final.safetensors --loop scripts/stages.lua --captions caps.txt
local zoo = require "zoo"
local sampling = require "sampling"

local opts = ...
local model, conditions = sampling.load(opts)
local columns = math.min(opts.nrow or 8, opts.n or 8)
local rows = {}
local count = conditions and math.min(conditions:size(1), math.max(1, (opts.n or 8) // columns)) or 1
for r = 1, count do
  local images, names = model:sample { n = columns, seed = opts.seed or 0, ema = opts.ema ~= false, eval = opts.eval ~= false,
    condition = conditions and sampling.repeat_row(conditions, r, columns) }
  if not images.img64 or not images.img256 then
    error(opts.checkpoint .. " is not a Stage-II checkpoint (it samples " .. table.concat(names, ", ") .. ")", 0)
  end
  rows[#rows + 1] = images.img64:upsample { scale = 4 }
  rows[#rows + 1] = images.img256
end
local out = opts.out or "stages.png"
zoo.image.save_grid(zoo.cat(rows, 1), out, { nrow = columns, padding = 2 })
print("wrote " .. out .. " (rows: Stage-I, Stage-II per condition)")
