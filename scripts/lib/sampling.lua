-- Shared pieces of the sampling loops: the model from a checkpoint, conditions from embeddings,
-- and writing one grid per branch.
local zoo = require "zoo"

local sampling = {}

-- Captions (one per line of `path`) looked up in a captioned dataset: its meta.jsonl captions and
-- the matching rows of its embeddings. Returns [N, D] conditions and the captions.
local function caption_conditions(path, root)
  local wanted = {}
  for line in io.lines(path) do
    line = line:gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" then wanted[#wanted + 1] = line end
  end
  if #wanted == 0 then error(path .. ": no captions", 0) end
  local index, all, row = {}, {}, 0
  local meta = io.open(root .. "/meta.jsonl", "r")
  if not meta then error("--captions needs a captioned dataset with meta.jsonl; none at " .. root .. " (use --dataset DIR)", 0) end
  for line in meta:lines() do
    row = row + 1
    local list = line:match('"captions"%s*:%s*%[(.-)%]')
    local k = 0
    for c in (list or ""):gmatch('"(.-)"') do
      k = k + 1
      if not index[c] then index[c] = { row, k }; all[#all + 1] = c end
    end
  end
  meta:close()
  local files = zoo.run.list_files(root, ".npy")
  if #files == 0 then error(root .. ": no embeddings (.npy)", 0) end
  local e = zoo.load_npy(files[1])
  local rows = {}
  for _, c in ipairs(wanted) do
    local at = index[c]
    if not at then
      local hint = zoo.closest(c, all)
      error(path .. ": caption '" .. c .. "' is not in " .. root .. "/meta.jsonl" .. (hint and (" (closest: '" .. hint .. "')") or "")
        .. "; captions must match the dataset's, whose embeddings are precomputed", 0)
    end
    rows[#rows + 1] = e:slice(1, at[1], 1):slice(2, at[2], 1):reshape(1, e:size(3))
  end
  return zoo.cat(rows, 1), wanted
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
  if model.text_dim and opts.captions then
    local root = opts.dataset or (model.config and model.config.data and model.config.data.root)
    if not root then error("--captions needs the dataset the model was trained on: give --dataset DIR", 0) end
    if root:sub(1, 1) ~= "/" and opts.project then root = opts.project .. "/" .. root end
    local c, captions = caption_conditions(opts.captions, root)
    return model, c, meta, captions
  end
  if model.text_dim then
    if not opts.embeddings then
      error(opts.checkpoint .. " is a text-conditioned model: give --embeddings F.npy ([N, " .. model.text_dim .. "] or [N, K, " .. model.text_dim .. "]) or --captions F.txt", 0)
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

--- Row i (1-based) of a [N, D] tensor repeated k times: [k, D].
function sampling.repeat_row(t, i, k)
  local row = t:slice(1, i, 1)
  local rows = {}
  for _ = 1, k do rows[#rows + 1] = row end
  return zoo.cat(rows, 1)
end

--- Saves images {name = [N, 3, s, s]} (names in order): `out` for the last (largest) branch and
--- out-<size>.png for each when there are several. Returns the paths written.
function sampling.save(images, names, out, nrow)
  local written = {}
  for i, n in ipairs(names) do
    local t = images[n]
    if #names > 1 then
      local path = out:gsub("%.png$", "") .. "-" .. t:size(3) .. ".png"
      zoo.image.save_grid(t, path, { nrow = nrow, padding = 2 })
      written[#written + 1] = path
    end
    if i == #names then
      zoo.image.save_grid(t, out, { nrow = nrow, padding = 2 })
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
