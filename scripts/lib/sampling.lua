-- Shared pieces of the sampling loops: the model from a checkpoint, conditions from embeddings,
-- and writing one grid per branch.
local zoo = require "zoo"

local sampling = {}

--- Captions, one per line of `path` (blank lines skipped).
function sampling.read_captions(path)
  local wanted = {}
  local f, err = io.open(path, "r")
  if not f then error("--captions: " .. tostring(err), 0) end
  for line in f:lines() do
    line = line:gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" then wanted[#wanted + 1] = line end
  end
  f:close()
  if #wanted == 0 then error(path .. ": no captions", 0) end
  return wanted
end

--- A copy of the checkpoint model's own data table (its embeddings file included), its root moved
--- to `dataset` when given (a relative root is the project's, as zoo.data.open reads it).
function sampling.data(model, dataset)
  local data = {}
  for k, v in pairs(model.config and model.config.data or {}) do data[k] = v end
  if dataset then data.root, data.kind = dataset, data.kind or "captioned" end
  return data
end

--- The model of opts.checkpoint and its conditions: rows of opts.embeddings ([N, D], or caption
--- opts.caption of [N, K, D]), or opts.captions looked up in the dataset (opts.dataset, else the
--- checkpoint config's data.root), for text models; nil otherwise. Also returns the captions.
function sampling.load(opts)
  if not opts.checkpoint then error("no checkpoint given", 0) end
  local model, meta = zoo.load_checkpoint(opts.checkpoint)
  -- Sampling needs no discriminators or optimiser state: free them (compiled models).
  if model.release_training_state then model:release_training_state() end
  -- The loops keep n images of every branch, their concatenation and the grid: refuse too many
  -- before the first is generated.
  local n, bytes = opts.n or 16, 0
  for _, s in ipairs(model.image_sizes or {}) do bytes = bytes + 3 * n * 3 * s * s * 4 end
  zoo.run.check_memory(bytes, string.format("%d sampled images", n))
  local conditions
  local texts = opts.texts or (opts.captions and sampling.read_captions(opts.captions))
  if model.text_dim and texts then
    return model, sampling.text_conditions(model, texts, opts), meta, texts
  end
  if model.text_dim then
    if not opts.embeddings then
      error(opts.checkpoint .. " is a text-conditioned model: give --text \"a caption\" (repeatable), --captions F.txt or --embeddings F.npy ([N, " .. model.text_dim .. "] or [N, K, " .. model.text_dim .. "])", 0)
    end
    local e = zoo.load_npy(opts.embeddings)
    if e:dim() == 3 then
      local k = (opts.caption or 0) + 1
      if k > e:size(2) then error("--caption " .. (k - 1) .. " out of range for " .. opts.embeddings, 0) end
      e = e:slice(2, k, 1):reshape(e:size(1), e:size(3))
    end
    if e:dim() ~= 2 or e:size(2) ~= model.text_dim then
      error(opts.embeddings .. ": embeddings must be [N, " .. model.text_dim .. "], got " .. tostring(e), 0)
    end
    conditions = e
  end
  return model, conditions, meta
end

--- Conditions [N, D] of free-text captions for a text model: embedded by the text encoder that
--- made the model's training embeddings (the checkpoint's data.text_encoder, or the tag of its
--- emb_<tag>.npy), when it is installed; otherwise looked up among the dataset's own captions.
--- opts.encoder names the encoder instead; one other than the model's is refused.
function sampling.text_conditions(model, texts, opts)
  local data = sampling.data(model, opts.dataset)
  data.split = nil
  local recorded = data.root and select(2, pcall(zoo.data.text_encoder, data))
  if type(recorded) ~= "string" then recorded = nil end
  local name = opts.encoder or recorded
  if opts.encoder and recorded then
    local want, have = opts.encoder, recorded
    for _, e in ipairs(zoo.text.encoders()) do
      if e.tag == want then want = e.name end
      if e.tag == have then have = e.name end
    end
    if want ~= have then
      error(string.format("%s was trained on embeddings from the text encoder %s; --encoder %s would give it text it has never seen", opts.checkpoint, recorded, opts.encoder), 0)
    end
  end
  local encoder_error
  if name and zoo.text.available(name) then
    local enc = zoo.text.encoder(name)
    if enc.width ~= model.text_dim then
      error(string.format("the text encoder %s makes %d-wide embeddings, %s takes %d", enc.name, enc.width, opts.checkpoint, model.text_dim), 0)
    end
    return enc:encode(texts)
  elseif name then
    local ok, err = pcall(zoo.text.encoder, name)
    encoder_error = ok and ("the text encoder " .. name .. " is not installed") or tostring(err):gsub("^[^\n]-:%d+: ", "")
  else
    encoder_error = opts.checkpoint .. " does not record which text encoder made its embeddings: give --encoder NAME"
  end
  -- Without the encoder: the dataset's precomputed embeddings of the same captions.
  if not data.root then error("free text needs a text encoder: " .. encoder_error, 0) end
  local ok, c = pcall(zoo.data.caption_embeddings, data, texts)
  if not ok then
    error(tostring(c):gsub("^.-:%d+: ", "") .. "; free text needs the text encoder: " .. encoder_error, 0)
  end
  if c:size(2) ~= model.text_dim then
    error(string.format("the dataset's embeddings have %d values, %s takes %d", c:size(2), opts.checkpoint, model.text_dim), 0)
  end
  return c
end

--- Row i (1-based) of a [N, D] tensor repeated k times: [k, D].
function sampling.repeat_row(t, i, k)
  local row = t:slice(1, i, 1)
  local rows = {}
  for _ = 1, k do rows[#rows + 1] = row end
  return zoo.cat(rows, 1)
end

--- Saves images {name = [N, 3, s, s]} (names in order): `out` for the last (largest) branch and
--- out-<size>.png for each when there are several; `labels` (optional, one per grid row) are
--- written beside the rows. Returns the paths written.
function sampling.save(images, names, out, nrow, labels)
  local written = {}
  local grid = { nrow = nrow, padding = 2, row_labels = labels }
  for i, n in ipairs(names) do
    local t = images[n]
    if #names > 1 then
      local path = out:gsub("%.png$", "") .. "-" .. t:size(3) .. ".png"
      zoo.image.save_grid(t, path, grid)
      written[#written + 1] = path
    end
    if i == #names then
      zoo.image.save_grid(t, out, grid)
      table.insert(written, 1, out)
    end
  end
  return written
end

--- Concatenates per-row results {name = tensor} along the batch.
function sampling.stack(rows, names)
  local out = {}
  for _, n in ipairs(names) do
    local parts = {}
    for _, r in ipairs(rows) do parts[#parts + 1] = r[n] end
    out[n] = zoo.cat(parts, 1)
  end
  return out
end

return sampling
