-- `stackzoo eval CHECKPOINT --metric text,fid,kid,is`: how well a text model follows its captions,
-- and FID/KID/IS against the real images, on the test split of its dataset (or --dataset DIR
-- --split S). Options come from the command.
local zoo = require "zoo"
local evaluation = require "evaluation"
local sampling = require "sampling"

local opts = ...
local known = { text = true, fid = true, kid = true, is = true }
local want, order = {}, {}
for m in (opts.metric or "text"):gmatch("[^,%s]+") do
  if not known[m] then error("--metric " .. m .. ": unknown metric (known: text, fid, kid, is)", 0) end
  if not want[m] then want[m], order[#order + 1] = true, m end
end
if #order == 0 then error("--metric: no metric given (known: text, fid, kid, is)", 0) end
local model = zoo.load_checkpoint(opts.checkpoint)
model:release_training_state()
local data = sampling.data(model, opts.dataset)
local r, q = nil, nil
if want.text then
  r = evaluation.text(model, {
    data = data, split = opts.split, per_class = opts.per_class, noises = opts.noises, seed = opts.seed,
    classifier = opts.classifier, project = opts.project,
  })
end
if want.fid or want.kid or want.is then
  q = evaluation.quality(model, { data = data, split = opts.split, n = opts.n, seed = opts.seed,
                                  classifier = opts.classifier, project = opts.project })
end
local function f(x) return x and string.format("%.6g", x) or "null" end
if opts.json then
  local fields = { string.format("%q: %q", "checkpoint", opts.checkpoint) }
  local function add(k, v) fields[#fields + 1] = string.format("%q: %s", k, v) end
  if r then
    local per, names = {}, {}
    for n in pairs(r.recall_per_class) do names[#names + 1] = n end
    table.sort(names)
    for _, n in ipairs(names) do per[#per + 1] = string.format("%q: %s", n, f(r.recall_per_class[n])) end
    add("split", string.format("%q", r.split)); add("captions", r.captions); add("noises", r.noises)
    add("text_sensitivity", f(r.text_sensitivity)); add("variance_captions", f(r.variance_captions)); add("variance_noises", f(r.variance_noises)); add("caption_class_accuracy", f(r.caption_class_accuracy))
    add("real_accuracy", f(r.real_accuracy)); add("chance", f(r.chance)); add("classes", r.classes)
    add("recall_per_class", "{" .. table.concat(per, ", ") .. "}")
  end
  if q then
    add("features", string.format("%q", "classifier:" .. q.classifier)); add("real_images", q.real); add("generated_images", q.generated)
    if want.fid then add("fid", f(q.fid)) end
    if want.kid then add("kid", f(q.kid)); add("kid_std", f(q.kid_std)) end
    if want.is then add("is", f(q.is)); add("is_std", f(q.is_std)); add("is_real", f(q.real_is)) end
  end
  print("{" .. table.concat(fields, ", ") .. "}")
else
  print(string.format("checkpoint: %s", opts.checkpoint))
  if r then
    print(string.format("split: %s, %d captions (spanning %d classes) × %d noises", r.split, r.captions, r.classes, r.noises))
    print(string.format("text sensitivity:       %.3f  (variance across captions / across noises; 0 = text ignored)", r.text_sensitivity))
    print(string.format("  variance across captions %.4f, across noises %.4f (pixels in [-1, 1]; little across noises = the noise is ignored, a collapse)",
      r.variance_captions, r.variance_noises))
    print(string.format("caption-class accuracy: %.3f  (balanced over classes; chance %.3f, %.1f× chance)", r.caption_class_accuracy, r.chance, r.caption_class_accuracy / r.chance))
    if r.real_accuracy then
      print(string.format("classifier on real images: %.3f  (generated / real %.2f)", r.real_accuracy, r.caption_class_accuracy / math.max(r.real_accuracy, 1e-9)))
    end
  end
  if q then
    print(string.format("quality: %d generated vs %d real %s images (64 px), on the %d-d features of the dataset's classifier",
      q.generated, q.real, q.split, q.feature_dim))
    print("  (not Inception features: comparable between runs on this dataset, not with papers' numbers)")
    if want.fid then print(string.format("FID (classifier features): %.3f", q.fid)) end
    if want.kid then print(string.format("KID (classifier features): %.4f ± %.4f", q.kid, q.kid_std)) end
    if want.is then print(string.format("IS (classifier classes):   %.3f ± %.3f  (real images %.3f; at most %d)", q.is, q.is_std, q.real_is, q.classes)) end
  end
end
