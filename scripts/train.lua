-- The default training recipe (`stackzoo train ENTRY`): the entry's epochs of model:train_step over
-- its data, constant learning rate, samples and checkpoints every train.snapshot_every steps.
-- Copy it, change the schedule or add hooks, and pass it with --recipe.
local Trainer = require "trainer"

local trainer = Trainer.new(...)
trainer:run {
  -- Learning-rate factor per (step, epoch): Trainer.schedules.constant(), .halve_every(N), or any function.
  lr = Trainer.schedules.constant(),
  on_epoch = function(t, epoch) end,
  on_snapshot = function(t, path) end,
}
