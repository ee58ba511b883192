-- How well a text model follows its captions (`stackzoo eval --metric text`, zoo.eval.text):
-- text sensitivity (pixel variance across captions at fixed noise over variance across noises
-- at fixed caption) and caption-class accuracy (a classifier of the dataset's classes on the
-- generated images, balanced over classes), next to the classifier's accuracy on real images.
local zoo = require "zoo"
local classifier = require "classifier"

local evaluation = {}

local function copy(t)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

--- Conditions spanning the classes of a split: the first `per_class` images of every class (in
--- dataset order), one caption each. Returns {text = [K, T], captions = {...}, classes = {ids},
--- names = class names}.
function evaluation.conditions(data, split, per_class, limit)
  local d = copy(data)
  d.split = split
  local ds = zoo.data.open(d, { image_sizes = { 64 }, batch = 1, seed = 0, shuffle = false, augment = false, text = true, wrong = false, threads = 0 })
  local info = ds:info()
  if not info.text_dim then ds:close() error("the dataset has no caption embeddings", 0) end
  local taken, texts, captions, classes = {}, {}, {}, {}
  for _ = 1, #ds do
    local b = ds:next()
    local c = b.class_ids[1]
    if #texts >= (limit or math.huge) then break end
    if (taken[c] or 0) < per_class then
      taken[c] = (taken[c] or 0) + 1
      texts[#texts + 1], captions[#captions + 1], classes[#classes + 1] = b.text, b.captions[1], c
    end
  end
  ds:close()
  -- Class by class, so rows of a grid read as the classes.
  local order = {}
  for i = 1, #classes do order[i] = i end
  table.sort(order, function(a, b) return classes[a] < classes[b] or (classes[a] == classes[b] and a < b) end)
  local out = { text = {}, captions = {}, classes = {}, names = info.class_names }
  for k, i in ipairs(order) do out.text[k], out.captions[k], out.classes[k] = texts[i], captions[i], classes[i] end
  out.text = zoo.cat(out.text, 1)
  return out
end

-- Images of the K conditions × M noises: {name = [K·M, 3, s, s]} (condition-major) and the
-- branch names. Image m of every condition has the same noise (the model draws it from the
-- seed and m alone).
local function generate(model, text, noises, seed)
  local rows, names = {}, nil
  for k = 1, text:size(1) do
    local row = text:slice(1, k, 1)
    local cond = {}
    for m = 1, noises do cond[m] = row end
    rows[k], names = model:sample { n = noises, seed = seed, condition = zoo.cat(cond, 1) }
  end
  local out = {}
  for _, n in ipairs(names) do
    local parts = {}
    for k, r in ipairs(rows) do parts[k] = r[n] end
    out[n] = zoo.cat(parts, 1)
  end
  return out, names
end

--- Text sensitivity of images [K·M, C, H, W] (condition-major): the mean over noises and pixels
--- of the variance across the K captions, over the mean over captions and pixels of the variance
--- across the M noises. 0: the text is ignored; 1: it changes the picture as much as noise does.
--- Also returns the two variances (pixels in [-1, 1]): across captions and across noises. A small
--- variance across noises means the noise is ignored (each caption gives one picture), a collapse
--- that makes the ratio large for the wrong reason.
function evaluation.sensitivity(images, k, m)
  local x = images:reshape(k, m, images:numel() // (k * m))   -- [K, M, P]
  local function variance(dim)
    local centred = x - x:mean(dim, true)
    return (centred * centred):mean():item()
  end
  local across_noise, across_captions = variance(2), variance(1)
  return across_noise > 0 and across_captions / across_noise or 0, across_captions, across_noise
end

--- The default classifier of a dataset: zoo/classifiers/emoji-groups.safetensors for the emoji
--- set, else zoo/classifiers/<root name>-classes.safetensors.
function evaluation.classifier_path(data, project)
  local name = (data.root or ""):gsub("/$", ""):match("([^/]+)$") or "?"
  local file = "zoo/classifiers/" .. (name == "emoji" and "emoji-groups" or (name .. "-classes")) .. ".safetensors"
  return (project and (project .. "/") or "") .. file
end

--- The classifier of a dataset (evaluation.classifier_path unless `path`): network and class
--- names, or nil and the reason when there is none.
function evaluation.load_classifier(data, path, project)
  path = path or evaluation.classifier_path(data, project)
  if not zoo.run.exists(path) then
    return nil, path .. ": no classifier for this dataset; train one with 'stackzoo run scripts/train_classifier.lua DATA_ROOT --out " .. path .. "'"
  end
  return classifier.load(path)
end

--- zoo.eval.text(model, opts): the text metrics of a text model. opts: data (a data table; default
--- the model's config), split ("test"), per_class (captions per class, 4), noises (8), seed (0),
--- classifier (a classifier file; default evaluation.classifier_path), classifier_net/names (an
--- already loaded one), sensitivity_only (no classifier: text sensitivity alone), conditions (from
--- evaluation.conditions, to reuse), real_accuracy (skip measuring it again). Returns a table.
function evaluation.text(model, opts)
  opts = opts or {}
  if not model.text_dim then error("--metric text needs a text-conditioned model", 0) end
  local data = copy(opts.data or (model.config and model.config.data))
  if not data.root then error("no dataset: give --dataset DIR (the model's config names none)", 0) end
  local split, per_class, noises, seed = opts.split or "test", opts.per_class or 4, opts.noises or 8, opts.seed or 0
  local net, names = opts.classifier_net, opts.classifier_names
  if not net and not opts.sensitivity_only then
    net, names = evaluation.load_classifier(data, opts.classifier, opts.project)
    if not net then error(names, 0) end
  end
  local conds = opts.conditions or evaluation.conditions(data, split, per_class)
  if net and conds.names and #conds.names ~= #names then
    error(string.format("the classifier knows %d classes, the dataset has %d", #names, #conds.names), 0)
  end
  local k = conds.text:size(1)
  local images, branches = generate(model, conds.text, noises, seed)
  local largest = images[branches[#branches]]
  local sensitivity, var_captions, var_noises = evaluation.sensitivity(largest, k, noises)
  if not net then
    return { text_sensitivity = sensitivity, variance_captions = var_captions, variance_noises = var_noises, captions = k, noises = noises, split = split }
  end
  local img64 = images.img64
  if not img64 then error("caption-class accuracy needs a 64-px branch (img64)", 0) end
  local truth = {}
  for i = 1, k do for m = 1, noises do truth[#truth + 1] = conds.classes[i] end end
  local accuracy, recalls = classifier.balanced_accuracy(classifier.predict(net, img64), truth)
  local real = opts.real_accuracy
  if real == nil then
    local ok, real_images, ids = pcall(classifier.images, data, split)
    real = ok and classifier.balanced_accuracy(classifier.predict(net, real_images), ids) or nil
  end
  local per_class_names, present = {}, 0
  for c, r in pairs(recalls) do per_class_names[(names[c + 1] or tostring(c))] = r; present = present + 1 end
  return {
    text_sensitivity = sensitivity, variance_captions = var_captions, variance_noises = var_noises,
    caption_class_accuracy = accuracy, real_accuracy = real,
    chance = 1 / math.max(present, 1), classes = present, captions = k, noises = noises, split = split,
    recall_per_class = per_class_names, images = largest, captions_used = conds.captions,
  }
end

--- zoo.eval.quality(model, opts): FID, KID and IS of a model's 64-px images against a dataset
--- split's real images, on the features of the dataset's classifier (no Inception network needed:
--- "emoji-FID", comparable between runs on the same dataset and classifier, not with papers).
--- A text model draws one image per real image from that image's first caption (opts.n more or
--- fewer, cycling); an unconditional one draws opts.n (default: as many as the real images).
--- opts: data, split ("test"), n, seed (0), classifier, project, kid_subsets (100),
--- kid_subset_size (1000), is_splits (10); classifier_net/names/trunk (already loaded),
--- real_features (the returned table's, to reuse), fid_only. Returns a table.
function evaluation.quality(model, opts)
  opts = opts or {}
  local data = copy(opts.data or (model.config and model.config.data))
  if not data.root then error("no dataset: give --dataset DIR (the model's config names none)", 0) end
  local split, seed = opts.split or "test", opts.seed or 0
  local path = opts.classifier or evaluation.classifier_path(data, opts.project)
  local net, names, trunk = opts.classifier_net, opts.classifier_names, opts.classifier_trunk
  if not trunk then
    net, names, _, trunk = evaluation.load_classifier(data, path, opts.project)
    if not net then error(names, 0) end
  end
  -- The real images' features (opts.real_features: kept from an earlier call of the same split).
  local real, real_features = nil, opts.real_features
  if not real_features then
    real = classifier.images(data, split)
    real_features = classifier.features(trunk, real)
  end
  local n = opts.n or real_features:size(1)
  if n < 2 then error("--n must be at least 2", 0) end
  -- Generated images, 64 at a time; image i's noise depends on the seed and i alone.
  local conds = model.text_dim and evaluation.conditions(data, split, math.huge)
  local parts, made = {}, 0
  while made < n do
    local b = math.min(64, n - made)
    local request = { n = b, seed = seed + made }
    if conds then
      local rows = {}
      for i = 1, b do rows[i] = conds.text:slice(1, (made + i - 1) % conds.text:size(1) + 1, 1) end
      request.condition = zoo.cat(rows, 1)
    end
    local images = model:sample(request)
    if not images.img64 then error("the quality metrics need a 64-px branch (img64)", 0) end
    parts[#parts + 1] = images.img64
    made = made + b
  end
  local fake = zoo.cat(parts, 1)
  local fake_features = classifier.features(trunk, fake)
  local out = {
    fid = zoo.eval.fid(real_features, fake_features), real = real_features:size(1), generated = n, split = split,
    classes = #names, classifier = path, features = "classifier", feature_dim = real_features:size(2), real_features = real_features,
  }
  if opts.fid_only then return out end
  out.kid, out.kid_std = zoo.eval.kid(real_features, fake_features,
    { subsets = opts.kid_subsets or 100, subset_size = opts.kid_subset_size or 1000, seed = seed })
  out.is_splits = math.min(opts.is_splits or 10, n)
  out.is, out.is_std = zoo.eval.inception_score(classifier.probabilities(net, fake), { splits = out.is_splits })
  real = real or classifier.images(data, split)
  out.real_is = zoo.eval.inception_score(classifier.probabilities(net, real), { splits = math.min(out.is_splits, real:size(1)) })
  return out
end

return evaluation
