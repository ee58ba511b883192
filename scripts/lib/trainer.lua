-- The training loop behind recipes: run folders, steps and epochs, schedules, hooks, samples,
-- checkpoints (exact resume), the log, progress and the HTML report.
local zoo = require "zoo"
local report = require "report"
local evaluation = require "evaluation"

local Trainer = {}
Trainer.__index = Trainer

--- Learning-rate schedules: functions (step, epoch) -> factor applied to each optimiser's base lr,
--- called before every step with that step's number (1 for the first) and its epoch (from 0).
Trainer.schedules = {
  constant = function() return function() return 1 end end,
  --- ×0.5 every `epochs` epochs (StackGAN-v1's LR_DECAY_EPOCH).
  halve_every = function(epochs)
    return function(_, epoch) return 0.5 ^ (epoch // epochs) end
  end,
}

local SAMPLE_SEED = 1234   -- fixed noise for every snapshot grid

local function say(...) io.stdout:write(string.format(...), "\n"); io.stdout:flush() end

local function basename(path) return (path:gsub("%.lua$", ""):match("([^/]+)$")) end

local function finite(x) return x == x and x ~= math.huge and x ~= -math.huge end

-- The newest checkpoints/step-*.safetensors of a run folder (highest step), or nil.
local function latest_checkpoint(dir)
  local best, best_step
  for _, path in ipairs(zoo.run.list_files(dir .. "/checkpoints", ".safetensors")) do
    local step = tonumber(path:match("step%-(%d+)%.safetensors$"))
    if step and (not best_step or step > best_step) then best, best_step = path, step end
  end
  return best
end

local function read_text(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- True when `dir` exists and holds anything.
local function non_empty(dir)
  if not zoo.run.exists(dir) then return false end
  return #zoo.run.list_files(dir, "") > 0
end

-- Moves the run in `dir` aside to the first free `dir.old-N`; returns that name.
local function move_aside(dir)
  local n, target = 1, dir .. ".old-1"
  while zoo.run.exists(target) do n = n + 1; target = dir .. ".old-" .. n end
  zoo.run.rename(dir, target)
  return target
end

--- Refuses to start a new run in `dir` when it already holds something, unless `force`.
function Trainer.check_new_folder(dir, force)
  if non_empty(dir) and not force then
    error(string.format("%s already holds a run: continue it with 'stackzoo train --resume %s', or pass --force to move it aside (to %s.old-N) and start afresh",
      dir, dir, dir), 0)
  end
end

--- Makes `dir` free for a new run: an existing non-empty folder is moved aside (after
--- check_new_folder allowed it with --force).
function Trainer.clear_new_folder(dir)
  if non_empty(dir) then say("moved the run that was in %s to %s (--force)", dir, move_aside(dir)) end
end

--- Sets up a run: config (or the run folder's, when resuming), model, data, fixed sample inputs.
--- opts: entry, overrides, out, resume, force, seed, steps, minutes, recipe (what `stackzoo train` passes).
--- Nothing is written until the config, the model and the data have been set up, and an
--- existing run folder is continued only with --resume (--force moves it aside first).
function Trainer.new(opts)
  local self = setmetatable({ opts = opts, hooks = {} }, Trainer)
  zoo.run.install_interrupt_handler()
  local entry = opts.entry
  if opts.resume then
    self.dir = opts.resume:gsub("/$", "")
    entry = self.dir .. "/config.lua"
    if not zoo.run.exists(entry) then error(self.dir .. ": not a run folder (no config.lua)", 0) end
  end
  self.cfg, self.origins, self.entry_path = zoo.config(entry, opts.overrides or {})
  local cfg = self.cfg
  -- The loop's own knobs, for every model: whole numbers of at least 1 where the config has them.
  for _, k in ipairs { "batch", "epochs", "snapshot_every" } do
    local v = cfg.train and cfg.train[k]
    if v ~= nil and (math.type(v) ~= "integer" or v < 1) then
      local where = self.origins["train." .. k]
      where = (where == "--set" and "--set train." .. k) or (where ~= "default" and where) or self.entry_path
      error(string.format("%s: train.%s = %s: must be an integer of at least 1", where, k, tostring(v)), 0)
    end
  end
  if not self.dir then
    self.dir = (opts.out or ("runs/" .. basename(self.entry_path))):gsub("/$", "")
    if not opts.out then
      local base, n = self.dir, 1
      while zoo.run.exists(self.dir) do n = n + 1; self.dir = base .. "-" .. n end
    else
      Trainer.check_new_folder(self.dir, opts.force)
    end
  end

  self.step, self.epoch = 0, 0
  local checkpoint = opts.resume and latest_checkpoint(self.dir)
  local meta = checkpoint and zoo.checkpoint_metadata(checkpoint)
  self.seed = meta and tonumber(meta.seed) or opts.seed or 0
  zoo.seed(self.seed)
  -- (The text statistics, when the model standardises its text, come from the opened data below.)
  self.model = zoo.model(cfg, nil, { text_statistics = false })
  self.sizes = self.model.image_sizes or {}
  local text = self.model.text_dim ~= nil
  self.batch_size = cfg.train and cfg.train.batch or 16
  self.data = zoo.data.open(cfg.data, { image_sizes = self.sizes, batch = self.batch_size, seed = self.seed, text = text,
    text_dim = self.model.text_dim })
  -- A model that standardises its text takes the statistics of the training split (a resumed
  -- run gets them back from its checkpoint below).
  if self.model.text_statistics and self.model:text_statistics() then
    self.model:set_text_statistics(self.data:text_statistics())
  end
  self:fix_sample_inputs(text)
  self.recipe_source = opts.recipe and read_text(opts.recipe) or ""
  self.config_source = zoo.config_source(cfg, "resolved config of " .. self.entry_path .. " (stackzoo " .. zoo.version .. ")")

  if not opts.resume and opts.out then Trainer.clear_new_folder(self.dir) end
  for _, sub in ipairs { "", "/samples", "/checkpoints" } do
    zoo.run.mkdir(self.dir .. sub)
    local n, bytes = zoo.run.remove_stale_temporaries(self.dir .. sub)
    if n > 0 then say("removed %d unfinished temporary file(s) (%.1f MB) from %s", n, bytes / 1e6, self.dir .. sub) end
  end
  self.history, self.text_history = {}, {}
  if checkpoint then
    local m = zoo.read_checkpoint(checkpoint, self.model)
    self.step, self.epoch = tonumber(m.step), tonumber(m.epoch)
    zoo.set_rng_state(zoo.deserialize(m.rng))
    self.data:set_state(zoo.deserialize(m.data))
    self.history = report.read_log(self.dir .. "/log.jsonl", self.step)
    self.text_history = report.read_log(self.dir .. "/eval.jsonl", self.step)
    say("resuming %s at step %d (epoch %d) from %s", self.dir, self.step, self.epoch, checkpoint)
  elseif opts.resume then
    say("%s has no checkpoint yet: starting from step 0", self.dir)
  end
  zoo.run.write_atomic(self.dir .. "/config.lua", self.config_source)
  -- The recipe is part of the run: --resume runs this copy unless --recipe names another.
  if self.recipe_source ~= "" then zoo.run.write_atomic(self.dir .. "/recipe.lua", self.recipe_source) end
  -- The log is rewritten up to the resume point, so a run resumed after a crash has no stale tail.
  report.write_log(self.dir .. "/log.jsonl", self.history)
  if self.eval_conditions then report.write_log(self.dir .. "/eval.jsonl", self.text_history) end
  self.log = assert(io.open(self.dir .. "/log.jsonl", "a"))
  return self
end

-- Fixed noise (a seed) and, for text models, fixed conditions spanning the dataset's classes:
-- the first image of each class in the test split (the training data without one), up to 12,
-- with their captions. The same conditions (×4 noises) give the text metrics of each snapshot.
function Trainer:fix_sample_inputs(text)
  self.sample_n = 8
  if not text then return end
  local conds
  for i = 1, 2 do
    local split = i == 1 and "test" or self.cfg.data.split   -- then the training data as configured
    local ok, c = pcall(evaluation.conditions, self.cfg.data, split, 1, 12)
    if ok and c.text:size(1) > 0 then conds, self.eval_split = c, split break end
  end
  if not conds then error("no captioned images to sample the run's fixed conditions from", 0) end
  self.sample_n = conds.text:size(1)
  self.sample_text = conds.text
  self.sample_captions = conds.captions
  self.eval_conditions = conds
  self.classifier_net, self.classifier_names, _, self.classifier_trunk = evaluation.load_classifier(self.cfg.data, nil, zoo.project_root)
end

-- Text metrics of the model now, on the fixed conditions (a few seconds): text sensitivity, and
-- with the dataset's classifier (zoo/classifiers/) caption-class accuracy. Appended to eval.jsonl.
function Trainer:text_metrics()
  if not self.eval_conditions then return end
  local names = self.classifier_net and self.classifier_names or nil
  if names and self.eval_conditions.names and #names ~= #self.eval_conditions.names then names = nil end
  local r = evaluation.text(self.model, {
    data = self.cfg.data, split = self.eval_split, noises = 4, seed = SAMPLE_SEED, conditions = self.eval_conditions,
    classifier_net = names and self.classifier_net or nil, classifier_names = names, sensitivity_only = names == nil,
    real_accuracy = false,   -- the snapshot measures generated images only
  })
  local entry = { step = self.step, text_sensitivity = r.text_sensitivity, caption_class_accuracy = r.caption_class_accuracy }
  -- The classifier-feature FID of 128 images against the split's real ones (their features once).
  local keys = r.caption_class_accuracy and { "text_sensitivity", "caption_class_accuracy" } or { "text_sensitivity" }
  if names and self.classifier_trunk then
    local ok, q = pcall(evaluation.quality, self.model, {
      data = self.cfg.data, split = self.eval_split, n = 128, seed = SAMPLE_SEED, fid_only = true, real_features = self.real_features,
      classifier_net = self.classifier_net, classifier_names = names, classifier_trunk = self.classifier_trunk,
    })
    if ok then entry.fid, self.real_features, keys[#keys + 1] = q.fid, q.real_features, "fid" end
  end
  self.text_history[#self.text_history + 1] = entry
  local f = assert(io.open(self.dir .. "/eval.jsonl", "a"))
  f:write(report.json(entry, keys, {}), "\n")
  f:close()
  return entry
end

--- Registers hooks: on_step(trainer, losses, names), on_epoch(trainer, epoch),
--- on_snapshot(trainer, checkpoint_path).
function Trainer:on(event, fn) self.hooks[event] = fn end

function Trainer:call_hook(name, ...)
  local f = self.hooks[name]
  if f then self:guarded(name, f, self, ...) end
end

--- Runs recipe code (a hook, the lr schedule) between steps, where the model, data and RNG are
--- consistent: when it raises, an emergency checkpoint of the current step is written first
--- (unless one of this step exists), so the run can be resumed from exactly there.
function Trainer:guarded(what, fn, ...)
  local results = table.pack(xpcall(fn, debug.traceback, ...))
  if results[1] then return table.unpack(results, 2, results.n) end
  local message = tostring(results[2])
  if not self.in_emergency then
    self.in_emergency = true
    local path = string.format("%s/checkpoints/step-%06d.safetensors", self.dir, self.step)
    local saved = self.step > 0 and (self.latest_checkpoint == path or pcall(self.checkpoint, self))
    local first, rest = message:match("^([^\n]*)(.*)$")
    if saved then
      message = string.format("%s\n(the recipe's %s failed after step %d; checkpoint %s holds that step: fix the recipe, then 'stackzoo train --resume %s')%s",
        first, what, self.step, path, self.dir, rest)
    end
  end
  error(message, 0)
end

--- Writes samples/step-NNNNNN.png: one row per branch (smaller branches upsampled to the largest),
--- the same noise and conditions every time; a .txt beside it lists the captions of the columns.
function Trainer:write_samples()
  local images, names = self.model:sample { n = self.sample_n, seed = SAMPLE_SEED, condition = self.sample_text }
  if zoo.is_tensor(images) then images, names = { images = images }, { "images" } end
  local largest = 0
  for _, n in ipairs(names) do largest = math.max(largest, images[n]:size(3)) end
  local rows = {}
  for _, n in ipairs(names) do
    local t = images[n]
    local f = largest // t:size(3)
    rows[#rows + 1] = f > 1 and t:upsample { scale = f } or t
  end
  local path = string.format("%s/samples/step-%06d.png", self.dir, self.step)
  zoo.image.save_grid(zoo.cat(rows, 1), path, { nrow = self.sample_n, padding = 2 })
  if self.sample_captions and #self.sample_captions > 0 then
    local lines = { "columns, left to right (one per condition); rows: " .. table.concat(names, ", ") }
    for i, c in ipairs(self.sample_captions) do lines[#lines + 1] = i .. ": " .. c end
    zoo.run.write_atomic(path:gsub("%.png$", ".txt"), table.concat(lines, "\n") .. "\n")
  end
  self.latest_samples = path
  return path
end

--- Writes checkpoints/step-NNNNNN.safetensors (atomically) and keeps the newest `keep` of them.
function Trainer:checkpoint(final)
  local path = string.format("%s/checkpoints/step-%06d.safetensors", self.dir, self.step)
  local meta = {
    ["stackzoo.model"] = self.cfg.model,
    ["stackzoo.config_lua"] = self.config_source,
    ["stackzoo.recipe"] = self.recipe_source,
    step = self.step, epoch = self.epoch, seed = self.seed,
    rng = zoo.serialize(zoo.rng_state()),
    data = zoo.serialize(self.data:state()),
  }
  zoo.write_checkpoint(path, self.model, meta)
  if final then zoo.write_checkpoint(self.dir .. "/checkpoints/final.safetensors", self.model, meta) end
  local keep = (self.cfg.train and self.cfg.train.keep) or 3
  local steps = {}
  for _, p in ipairs(zoo.run.list_files(self.dir .. "/checkpoints", ".safetensors")) do
    local s = tonumber(p:match("step%-(%d+)%.safetensors$"))
    if s then steps[#steps + 1] = { s, p } end
  end
  table.sort(steps, function(a, b) return a[1] > b[1] end)
  for i = keep + 1, #steps do zoo.run.remove(steps[i][2]) end
  self.latest_checkpoint = path
  self:call_hook("on_snapshot", path)
  return path
end

local function fmt_time(s)
  s = math.max(0, math.floor(s))
  if s >= 3600 then return string.format("%d:%02d:%02d", s // 3600, s % 3600 // 60, s % 60) end
  return string.format("%d:%02d", s // 60, s % 60)
end

--- Runs the loop until the entry's epochs, `--steps`, `--minutes` or an interrupt.
--- recipe: lr (schedule function), sample_every, checkpoint_every (steps), hooks.
function Trainer:run(recipe)
  recipe = recipe or {}
  for _, h in ipairs { "on_step", "on_epoch", "on_snapshot" } do if recipe[h] then self:on(h, recipe[h]) end end
  local cfg, opts = self.cfg, self.opts
  local per_epoch = #self.data
  if per_epoch == 0 then error("the dataset has fewer images than one batch (" .. self.batch_size .. ")", 0) end
  local epochs = cfg.train and cfg.train.epochs or 1
  local max_steps = math.min(opts.steps or math.huge, epochs * per_epoch)
  local every = recipe.checkpoint_every or (cfg.train and cfg.train.snapshot_every) or 500
  local sample_every = recipe.sample_every or every
  for _, k in ipairs { "checkpoint_every", "sample_every" } do
    local v = recipe[k]
    if v ~= nil and (math.type(v) ~= "integer" or v < 1) then
      error(string.format("the recipe's %s = %s: must be an integer of at least 1", k, tostring(v)), 0)
    end
  end
  local schedule = recipe.lr or Trainer.schedules.constant()
  local base_lr = {}
  for name, opt in pairs(self.model.optimizers or {}) do base_lr[name] = opt.lr end
  local clock, start = zoo.run.clock, zoo.run.clock()
  local deadline = opts.minutes and (start + opts.minutes * 60)
  local tty = zoo.run.is_tty()
  local images, last_print = 0, start
  local reason
  say("training %s (%s) in %s: %d images/epoch, batch %d, %d steps/epoch, until step %d%s",
    self.entry_path, cfg.model, self.dir, per_epoch * self.batch_size, self.batch_size, per_epoch, max_steps,
    opts.minutes and string.format(" or %.1f minutes", opts.minutes) or "")
  while true do
    if opts.steps and self.step >= opts.steps then reason = "reached --steps " .. opts.steps break end
    if self.step >= max_steps then reason = string.format("finished %d epochs", epochs) break end
    if deadline and clock() >= deadline then reason = string.format("%.1f minutes elapsed", opts.minutes) break end
    if zoo.run.interrupted() then reason = "interrupted" break end
    local batch = self.data:next()
    local new_epoch = batch.epoch ~= self.epoch
    if new_epoch then self:call_hook("on_epoch", self.epoch) end
    self.epoch = batch.epoch
    local factor = self:guarded("lr schedule", schedule, self.step + 1, self.epoch)
    if type(factor) ~= "number" or not finite(factor) then
      self:guarded("lr schedule", error, string.format("the lr schedule returned %s for step %d (a finite number expected)", tostring(factor), self.step + 1), 0)
    end
    for name, opt in pairs(self.model.optimizers or {}) do opt.lr = base_lr[name] * factor end
    local losses, names = self.model:train_step(batch)
    if not names then
      names = {}
      for k in pairs(losses) do names[#names + 1] = k end
      table.sort(names)
    end
    for _, n in ipairs(names) do
      if not finite(losses[n]) then
        error(string.format("step %d: loss '%s' is %s — stopping; the last good checkpoint is %s", self.step + 1, n,
          tostring(losses[n]), self.latest_checkpoint or latest_checkpoint(self.dir) or "(none yet)"), 0)
      end
    end
    self.step = self.step + 1
    images = images + self.batch_size
    local now = clock()
    local rate = images / math.max(now - start, 1e-9)
    local entry = { step = self.step, epoch = self.epoch, lr = (base_lr.optG or next(base_lr) and base_lr[next(base_lr)] or 0) * factor,
      images_per_s = rate, elapsed = now - start }
    for _, n in ipairs(names) do entry[n] = losses[n] end
    self.log:write(report.json(entry, names), "\n")
    self.log:flush()
    self.history[#self.history + 1] = entry
    local parts = {}
    for i = 1, math.min(#names, 4) do parts[#parts + 1] = string.format("%s %.3f", names[i], losses[names[i]]) end
    local eta = (max_steps - self.step) * (now - start) / math.max(images / self.batch_size, 1)
    if deadline then eta = math.min(eta, deadline - now) end
    local line = string.format("step %d/%d  epoch %d  %.2f img/s  ETA %s  %s", self.step, max_steps, self.epoch, rate,
      fmt_time(eta), table.concat(parts, "  "))
    if tty then io.stdout:write("\r\27[K", line); io.stdout:flush()
    elseif now - last_print >= 10 or self.step == 1 then say("%s", line); last_print = now end
    self:call_hook("on_step", losses, names)
    if self.step % sample_every == 0 then self:write_samples() end
    if self.step % every == 0 and self.step < max_steps then
      self:checkpoint()
      self:text_metrics()
      report.write(self)
    end
  end
  if tty then io.stdout:write("\n") end
  self.log:close()
  self:checkpoint(true)
  local path = self.dir .. "/checkpoints/final.safetensors"
  self:write_samples()
  local metrics = self:text_metrics()
  report.write(self)
  say("stopped: %s at step %d (epoch %d)", reason, self.step, self.epoch)
  say("  checkpoint  %s", path)
  say("  samples     %s", self.latest_samples)
  say("  report      %s/report.html", self.dir)
  if metrics then
    say("  text        sensitivity %.2f%s (stackzoo eval %s --metric text for the full measure)", metrics.text_sensitivity,
      metrics.caption_class_accuracy and string.format(", caption-class accuracy %.2f", metrics.caption_class_accuracy) or "", path)
  end
  say("train longer: stackzoo train --resume %s --steps %d", self.dir, self.step * 2)
  if self.model.text_dim then
    say("sample:       stackzoo sample %s --captions CAPTIONS.txt --out samples.png", path)
  else
    say("sample:       stackzoo sample %s --out samples.png", path)
  end
  return reason
end

return Trainer
