-- `stackzoo eval CHECKPOINT --metric text`: how well a text model follows its captions, on the
-- test split of its dataset (or --dataset DIR --split S). Options come from the command.
local zoo = require "zoo"
local evaluation = require "evaluation"
local sampling = require "sampling"

local opts = ...
local metrics = {}
for m in (opts.metric or "text"):gmatch("[^,]+") do
  if m ~= "text" then error("--metric " .. m .. ": unknown metric (known: text)", 0) end
  metrics[#metrics + 1] = m
end
local model = zoo.load_checkpoint(opts.checkpoint)
model:release_training_state()
local data = sampling.data(model, opts.dataset)
local r = evaluation.text(model, {
  data = data, split = opts.split, per_class = opts.per_class, noises = opts.noises, seed = opts.seed,
  classifier = opts.classifier, project = opts.project,
})
local function f(x) return x and string.format("%.4f", x) or "null" end
if opts.json then
  local per = {}
  local names = {}
  for n in pairs(r.recall_per_class) do names[#names + 1] = n end
  table.sort(names)
  for _, n in ipairs(names) do per[#per + 1] = string.format("%q: %s", n, f(r.recall_per_class[n])) end
  print(string.format('{"checkpoint": %q, "split": %q, "captions": %d, "noises": %d, "text_sensitivity": %s, '
    .. '"caption_class_accuracy": %s, "real_accuracy": %s, "chance": %s, "classes": %d, "recall_per_class": {%s}}',
    opts.checkpoint, r.split, r.captions, r.noises, f(r.text_sensitivity), f(r.caption_class_accuracy),
    f(r.real_accuracy), f(r.chance), r.classes, table.concat(per, ", ")))
else
  print(string.format("checkpoint: %s", opts.checkpoint))
  print(string.format("split: %s, %d captions (spanning %d classes) × %d noises", r.split, r.captions, r.classes, r.noises))
  print(string.format("text sensitivity:       %.3f  (variance across captions / across noises; 0 = text ignored)", r.text_sensitivity))
  print(string.format("caption-class accuracy: %.3f  (balanced over classes; chance %.3f, %.1f× chance)", r.caption_class_accuracy, r.chance, r.caption_class_accuracy / r.chance))
  if r.real_accuracy then
    print(string.format("classifier on real images: %.3f  (generated / real %.2f)", r.real_accuracy, r.caption_class_accuracy / math.max(r.real_accuracy, 1e-9)))
  end
end
