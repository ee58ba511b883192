-- The small image classifier of a dataset's classes that `stackzoo eval --metric text` scores
-- generated images with: its network, training (softmax cross-entropy, class-balanced), saving
-- and loading (one safetensors file with the class names), and balanced accuracy.
local zoo = require "zoo"
local nn = zoo.nn

local classifier = {}

--- The network: 64×64 RGB in [-1, 1] → logits [B, classes]. Four 4×4 stride-2 convs (16 … 128
--- channels; BN and LeakyReLU as a DCGAN discriminator), then a 4×4 conv to the classes.
-- Block i (1…4) of the network's trunk: a 4×4 stride-2 conv (BN after all but the first), LeakyReLU.
local widths = { 3, 16, 32, 64, 128 }
local function net_block(i)
  local s = nn.Sequential(nn.Conv2d(widths[i], widths[i + 1], { kernel = 4, stride = 2, padding = 1, bias = i == 1 }))
  if i > 1 then s:add(nn.BatchNorm2d(widths[i + 1])) end
  s:add(nn.LeakyReLU(0.2))
  return s
end

function classifier.network(classes)
  return nn.Sequential(net_block(1), net_block(2), net_block(3), net_block(4),
    nn.Conv2d(128, classes, { kernel = 4 }))                      -- [B, classes, 1, 1]
end

--- Logits [B, C] of images [B, 3, 64, 64].
function classifier.logits(net, images)
  local out = net(images)
  return out:reshape(out:size(1), out:size(2))
end

-- Row maxima of [B, C] as a constant [B, 1] (for a stable log-sum-exp).
local function row_max(t)
  local values, b, c = t:values(), t:size(1), t:size(2)   -- values: flat, row-major
  local m = {}
  for i = 1, b do
    local best = -math.huge
    for j = 1, c do best = math.max(best, values[(i - 1) * c + j]) end
    m[i] = { best }
  end
  return zoo.tensor(m)
end

--- Softmax cross-entropy of logits [B, C] against class ids (0-based), each row weighted by
--- `weights[class + 1]`: Σ_i w_i (logsumexp(L_i) − L_i,y_i) / Σ_i w_i.
function classifier.loss(logits, ids, weights)
  local b, c = logits:size(1), logits:size(2)
  local onehot, w, total = {}, {}, 0
  for i = 1, b do
    onehot[i] = {}
    for j = 1, c do onehot[i][j] = (j - 1 == ids[i]) and 1 or 0 end
    w[i] = { weights[ids[i] + 1] }
    total = total + w[i][1]
  end
  local m = row_max(logits:detach())
  local lse = (logits - m):exp():sum(2, true):log() + m         -- [B, 1]
  local picked = (logits * zoo.tensor(onehot)):sum(2, true)      -- [B, 1]
  return ((lse - picked) * zoo.tensor(w)):sum() / total
end

--- Predicted class ids (0-based) of images [B, 3, 64, 64], in eval mode.
function classifier.predict(net, images)
  local out = {}
  for first = 1, images:size(1), 256 do   -- in chunks, so a large set needs little memory
    local n = math.min(256, images:size(1) - first + 1)
    local t = zoo.no_grad(function() return classifier.logits(net, images:slice(1, first, n)) end)
    local values, c = t:values(), t:size(2)
    for i = 1, n do
      local best, arg = -math.huge, 0
      for j = 1, c do
        local v = values[(i - 1) * c + j]
        if v > best then best, arg = v, j - 1 end
      end
      out[first + i - 1] = arg
    end
  end
  return out
end

--- Balanced accuracy (the mean of per-class recalls, over classes present in `truth`) of
--- predicted against true ids; also the per-class recalls {class id → recall}.
function classifier.balanced_accuracy(predicted, truth)
  local hits, counts = {}, {}
  for i, t in ipairs(truth) do
    counts[t] = (counts[t] or 0) + 1
    if predicted[i] == t then hits[t] = (hits[t] or 0) + 1 end
  end
  local sum, n, recalls = 0, 0, {}
  for t, count in pairs(counts) do
    recalls[t] = (hits[t] or 0) / count
    sum, n = sum + recalls[t], n + 1
  end
  return n > 0 and sum / n or 0, recalls
end

--- Saves the classifier with its class names and provenance.
function classifier.save(path, net, names, provenance)
  local meta = { ["stackzoo.classifier"] = "1", classes = zoo.serialize(names) }
  for k, v in pairs(provenance or {}) do meta[k] = tostring(v) end
  zoo.save(path, net, meta)
end

--- Loads a classifier file: the network (eval mode), its class names and metadata, and the
--- feature network (the same weights up to the last hidden block, for FID-style features).
function classifier.load(path)
  local tensors, meta = zoo.load(path)
  if not meta or meta["stackzoo.classifier"] ~= "1" then error(path .. ": not a StackZoo classifier file", 0) end
  local names = zoo.deserialize(meta.classes)
  local net = classifier.network(#names)
  net:load_state_dict(tensors)
  net:evaluate()
  local trunk = nn.Sequential()
  for i = 1, 4 do trunk:add(net_block(i)) end
  local hidden = {}
  for k, v in pairs(tensors) do if not k:match("^4%.") then hidden[k] = v end end
  trunk:load_state_dict(hidden)
  trunk:evaluate()
  return net, names, meta, trunk
end

--- Features [B, 128] of images [B, 3, 64, 64]: the last hidden block's activations averaged over
--- its 4×4 positions (what the emoji-FID compares), in chunks, without gradients.
function classifier.features(trunk, images)
  local parts = {}
  for first = 1, images:size(1), 256 do
    local n = math.min(256, images:size(1) - first + 1)
    parts[#parts + 1] = zoo.no_grad(function()
      local h = trunk(images:slice(1, first, n))     -- [n, 128, 4, 4]
      return h:reshape(n, h:size(2), h:size(3) * h:size(4)):mean(3)
    end)
  end
  return zoo.cat(parts, 1)
end

--- Class probabilities [B, C] of images (softmax of the logits), in chunks, without gradients.
function classifier.probabilities(net, images)
  local parts = {}
  for first = 1, images:size(1), 256 do
    local n = math.min(256, images:size(1) - first + 1)
    parts[#parts + 1] = zoo.no_grad(function() return classifier.logits(net, images:slice(1, first, n)):softmax() end)
  end
  return zoo.cat(parts, 1)
end

--- Images [N, 3, 64, 64] and class ids of a dataset split, centre-cropped (augment off).
function classifier.images(data, split)
  local d = {}
  for k, v in pairs(data) do d[k] = v end
  d.split = split
  local ds = zoo.data.open(d, { image_sizes = { 64 }, batch = 1, shuffle = false, augment = false, text = false, wrong = false, threads = 0 })
  local info = ds:info()
  local images, ids = {}, {}
  for i = 1, #ds do
    local b = ds:next()
    images[i], ids[i] = b.real[64], b.class_ids[1]
  end
  ds:close()
  return zoo.cat(images, 1), ids, info.class_names
end

--- Trains a classifier on `data` (a config's data table, train split) for `steps` steps of
--- `batch` augmented images; returns the network (eval mode), class names, and its balanced
--- accuracy on the test split (nil without one). `log(step, loss)` is called every 100 steps.
function classifier.train(data, opts)
  opts = opts or {}
  local steps, batch, seed = opts.steps or 3000, opts.batch or 64, opts.seed or 1
  zoo.seed(seed)
  local d = {}
  for k, v in pairs(data) do d[k] = v end
  d.split = opts.split or "train"
  local ds = zoo.data.open(d, { image_sizes = { 64 }, batch = batch, seed = seed, text = false, wrong = false })
  local info = ds:info()
  local names = info.class_names
  if not names then error("the dataset names no classes (a captioned set with 'class' or 'group', or class folders)", 0) end
  -- Class weights: the inverse of each class's share, so every class counts the same.
  local counts = {}
  for _, c in ipairs(info.class_ids) do counts[c + 1] = (counts[c + 1] or 0) + 1 end
  local weights = {}
  for i = 1, #names do weights[i] = counts[i] and (#info.class_ids / (#names * counts[i])) or 0 end
  local net = classifier.network(#names)
  local opt = zoo.optim.Adam(net:parameters(), { lr = opts.lr or 1e-3, betas = { 0.5, 0.999 } })
  net:training()
  for step = 1, steps do
    local b = ds:next()
    if step == math.floor(steps * 0.7) then opt.lr = opt.lr / 10 end
    opt:zero_grad()
    local loss = classifier.loss(classifier.logits(net, b.real[64]), b.class_ids, weights)
    loss:backward()
    opt:step()
    if opts.log and step % 100 == 0 then opts.log(step, loss:item()) end
  end
  ds:close()
  net:evaluate()
  local ok, images, ids = pcall(classifier.images, data, "test")
  local accuracy = ok and classifier.balanced_accuracy(classifier.predict(net, images), ids) or nil
  return net, names, accuracy
end

return classifier
