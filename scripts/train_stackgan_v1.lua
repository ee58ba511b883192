-- The StackGAN-v1 two-stage recipe: Stage-I for its epochs with the learning rates halved every
-- train.lr_decay_epochs, then Stage-II on the trained Stage-I (arch.stage1_checkpoint). Each stage
-- has its own run folder (OUT/stage1, OUT/stage2) and resumes where it stopped: run the same
-- command again after an interruption. A stage is done when it has trained its epochs; --steps
-- and --minutes stop the current stage early (the next run of the command continues it).
--   stackzoo train stackgan-v1/emoji-stage1 --recipe scripts/train_stackgan_v1.lua --out runs/v1
local zoo = require "zoo"
local Trainer = require "trainer"

local opts = ...
if not opts.entry and not opts.resume then error("give the Stage-I entry (e.g. stackgan-v1/emoji-stage1)", 0) end
local out, stage1_entry, stage2_entry, overrides
if opts.resume then
  -- The entries and overrides of a two-stage run are remembered in its folder.
  out = opts.resume:gsub("/$", "")
  local f = io.open(out .. "/stages.lua")
  if not f then error(out .. ": not a two-stage run folder (no stages.lua)", 0) end
  local saved = zoo.deserialize(f:read("a"))
  f:close()
  stage1_entry, stage2_entry, overrides = saved.stage1, saved.stage2, saved.overrides or {}
  for _, o in ipairs(opts.overrides or {}) do overrides[#overrides + 1] = o end
else
  stage1_entry = opts.entry
  stage2_entry = (stage1_entry:gsub("stage1", "stage2"))
  overrides = opts.overrides or {}
  out = (opts.out or ("runs/" .. (stage1_entry:gsub("%.lua$", ""):match("([^/]+)$"):gsub("%-?stage1", "")))):gsub("/$", "")
  Trainer.check_new_folder(out, opts.force)
  Trainer.clear_new_folder(out)
  zoo.run.mkdir(out)
  zoo.run.write_atomic(out .. "/stages.lua", zoo.serialize { stage1 = stage1_entry, stage2 = stage2_entry, overrides = overrides })
  -- `stackzoo train --resume OUT` runs this recipe again (the run folder's recipe.lua).
  local f = opts.recipe and io.open(opts.recipe, "r")
  if f then zoo.run.write_atomic(out .. "/recipe.lua", f:read("a")); f:close() end
end

local function halving(cfg)
  local every = cfg.train.lr_decay_epochs or 0
  return every > 0 and Trainer.schedules.halve_every(every) or Trainer.schedules.constant()
end

-- Runs one stage in `dir` unless it is done; resumes it when it has a checkpoint.
local function stage(name, entry, dir, overrides)
  if zoo.run.exists(dir .. "/DONE") then
    print(name .. ": done earlier (" .. dir .. ")")
    return dir .. "/checkpoints/final.safetensors"
  end
  local stage_opts = { steps = opts.steps, minutes = opts.minutes, seed = opts.seed, recipe = opts.recipe, overrides = overrides }
  if zoo.run.exists(dir .. "/config.lua") then stage_opts.resume = dir else stage_opts.entry, stage_opts.out = entry, dir end
  local t = Trainer.new(stage_opts)
  local reason = t:run { lr = halving(t.cfg) }
  if reason:find("^finished") then zoo.run.write_atomic(dir .. "/DONE", reason .. "\n") end
  return dir .. "/checkpoints/final.safetensors", reason
end

local stage1, reason = stage("Stage-I", stage1_entry, out .. "/stage1", overrides)
if reason and not reason:find("^finished") then
  print("Stage-I stopped early (" .. reason .. "); run the same command again to continue")
  return
end
local o2 = { "arch.stage1_checkpoint=" .. stage1 }
for _, o in ipairs(overrides) do o2[#o2 + 1] = o end
stage("Stage-II", stage2_entry, out .. "/stage2", o2)
