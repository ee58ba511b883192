-- Trains the image classifier `stackzoo eval --metric text` scores generated images with, on a
-- dataset's train split, and reports its balanced accuracy on the test split:
--   stackzoo run scripts/train_classifier.lua [ENTRY_OR_DATA_ROOT] [--steps N] [--out FILE] [--seed S]
-- Default: the emoji set → zoo/classifiers/emoji-groups.safetensors (what the zoo ships).
local zoo = require "zoo"
local classifier = require "classifier"

local args = { ... }
local target, steps, out, seed = "zoo/datasets/emoji", 3000, nil, 1
local i = 1
while i <= #args do
  local a = args[i]
  if a == "--steps" then steps = math.tointeger(tonumber(args[i + 1])); i = i + 2
  elseif a == "--out" then out = args[i + 1]; i = i + 2
  elseif a == "--seed" then seed = math.tointeger(tonumber(args[i + 1])); i = i + 2
  elseif a:sub(1, 2) == "--" then error("unknown option " .. a .. " (--steps N, --out FILE, --seed S)", 0)
  else target = a; i = i + 1 end
end
if not steps or steps < 1 then error("--steps needs a positive integer", 0) end
if not seed or seed < 0 then error("--seed needs a non-negative integer", 0) end

-- A folder is a captioned dataset's root; anything else a zoo entry whose data table is used.
local data
if zoo.run.exists(target .. "/meta.jsonl") then
  data = { kind = "captioned", root = target }
else
  data = zoo.config(target).data
end
local name = data.root:gsub("/$", ""):match("([^/]+)$")
out = out or ("zoo/classifiers/" .. (name == "emoji" and "emoji-groups" or (name .. "-classes")) .. ".safetensors")

local start = zoo.run.clock()
local net, names, accuracy = classifier.train(data, {
  steps = steps, seed = seed,
  log = function(step, loss) print(string.format("step %d/%d  loss %.4f  %.0f s", step, steps, loss, zoo.run.clock() - start)) end,
})
classifier.save(out, net, names, {
  dataset = data.root, steps = steps, seed = seed, batch = 64,
  test_balanced_accuracy = accuracy and string.format("%.4f", accuracy) or "n/a",
  command = "stackzoo run scripts/train_classifier.lua " .. table.concat(args, " "),
})
print(string.format("classes: %d (%s)", #names, table.concat(names, ", ")))
print(string.format("test balanced accuracy: %s (chance %.3f)", accuracy and string.format("%.3f", accuracy) or "n/a", 1 / #names))
print("wrote " .. out)
