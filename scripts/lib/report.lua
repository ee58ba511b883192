-- The run log (log.jsonl) and report.html: loss curves as inline SVG, the latest samples, config, timing.
local zoo = require "zoo"

local report = {}

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" elseif c == "\n" then return "\\n" end
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

local LOOP_KEYS = { "lr", "images_per_s", "elapsed" }

--- One log line: step, epoch (when the entry has one), the values in `names` order, then
--- `trailing` (default lr, images/s, elapsed: a training-log line).
function report.json(entry, names, trailing)
  local keys = { "step" }
  if entry.epoch then keys[2] = "epoch" end
  for _, n in ipairs(names) do keys[#keys + 1] = n end
  for _, k in ipairs(trailing or LOOP_KEYS) do keys[#keys + 1] = k end
  local parts = {}
  for _, k in ipairs(keys) do
    local v = entry[k]
    local text = math.type(v) == "integer" and tostring(v) or (type(v) == "number" and string.format("%.6g", v) or "null")
    if v ~= v or v == math.huge or v == -math.huge then text = "null" end
    parts[#parts + 1] = json_string(k) .. ":" .. text
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

--- Entries of a log.jsonl up to `last_step` (for resuming), in order.
function report.read_log(path, last_step)
  local out = {}
  local f = io.open(path, "r")
  if not f then return out end
  for line in f:lines() do
    local e, order = {}, {}
    for k, v in line:gmatch('"([^"]+)":([^,}]+)') do
      e[k] = tonumber(v)
      order[#order + 1] = k
    end
    e._order = order
    if e.step and e.step <= last_step then out[#out + 1] = e end
  end
  f:close()
  return out
end

function report.write_log(path, entries)
  local lines = {}
  for _, e in ipairs(entries) do
    local names = {}
    for _, k in ipairs(e._order or {}) do
      if not ({ step = 1, epoch = 1, lr = 1, images_per_s = 1, elapsed = 1 })[k] then names[#names + 1] = k end
    end
    lines[#lines + 1] = report.json(e, names, e.lr and LOOP_KEYS or {})
  end
  zoo.run.write_atomic(path, #lines > 0 and (table.concat(lines, "\n") .. "\n") or "")
end

local COLOURS = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf" }

local function escape(s) return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;")) end

-- An SVG chart of every loss over steps (smoothed by a running mean over ~1% of the run).
local function chart(history)
  local names, seen = {}, {}
  for _, e in ipairs(history) do
    for k, v in pairs(e) do
      if type(v) == "number" and not seen[k] and not ({ step = 1, epoch = 1, lr = 1, images_per_s = 1, elapsed = 1 })[k] then
        seen[k] = true
        names[#names + 1] = k
      end
    end
  end
  table.sort(names)
  if #history < 1 or #names == 0 then return "<p>Nothing logged yet.</p>" end
  local w, h, pad = 760, 300, 40
  local lo, hi = math.huge, -math.huge
  local window = math.max(1, #history // 100)
  local series = {}
  for _, n in ipairs(names) do
    local pts, sum, q = {}, 0, {}
    for _, e in ipairs(history) do
      local v = e[n]
      if v and v == v then
        q[#q + 1] = v
        sum = sum + v
        if #q > window then sum = sum - table.remove(q, 1) end
        local m = sum / #q
        pts[#pts + 1] = { e.step, m }
        lo, hi = math.min(lo, m), math.max(hi, m)
      end
    end
    series[n] = pts
  end
  if hi <= lo then hi = lo + 1 end
  local s0, s1 = history[1].step, history[#history].step
  if s1 <= s0 then s1 = s0 + 1 end
  local out = { string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">', w, h + 20) }
  out[#out + 1] = string.format('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>', pad, 10, w - 2 * pad, h - 30)
  out[#out + 1] = string.format('<text x="%d" y="%d">%.3g</text><text x="%d" y="%d">%.3g</text>', 2, 16, hi, 2, h - 20, lo)
  out[#out + 1] = string.format('<text x="%d" y="%d">step %d</text><text x="%d" y="%d" text-anchor="end">step %d</text>', pad, h, s0, w - pad, h, s1)
  for i, n in ipairs(names) do
    local c = COLOURS[(i - 1) % #COLOURS + 1]
    local pts = {}
    for _, p in ipairs(series[n]) do
      local x = pad + (p[1] - s0) / (s1 - s0) * (w - 2 * pad)
      local y = 10 + (hi - p[2]) / (hi - lo) * (h - 30)
      pts[#pts + 1] = string.format("%.1f,%.1f", x, y)
    end
    out[#out + 1] = string.format('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>', c, table.concat(pts, " "))
    out[#out + 1] = string.format('<text x="%d" y="%d" fill="%s">%s</text>', pad + 10 + (i - 1) * 90, h + 14, c, escape(n))
  end
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

--- Writes <run>/report.html (opens from disk: images are relative paths).
function report.write(t)
  local last = t.history[#t.history] or {}
  local samples = t.latest_samples and t.latest_samples:match("([^/]+)$")
  local html = {
    "<!doctype html><html><head><meta charset='utf-8'><title>StackZoo run " .. escape(t.dir) .. "</title>",
    "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}pre{background:#f6f6f6;padding:1em;overflow:auto}td{padding:2px 12px}</style></head><body>",
    "<h1>" .. escape(t.entry_path) .. "</h1>",
    "<table>",
    string.format("<tr><td>model</td><td>%s</td></tr>", escape(t.cfg.model)),
    string.format("<tr><td>step / epoch</td><td>%d / %d</td></tr>", t.step, t.epoch),
    string.format("<tr><td>throughput</td><td>%.2f images/s</td></tr>", last.images_per_s or 0),
    string.format("<tr><td>elapsed (this session)</td><td>%.0f s</td></tr>", last.elapsed or 0),
    string.format("<tr><td>peak memory</td><td>%.0f MB</td></tr>", zoo.run.peak_rss_mb()),
    string.format("<tr><td>threads</td><td>%d</td></tr>", zoo.threads()),
    "</table>",
    "<h2>Losses</h2>", chart(t.history),
  }
  if t.text_history and #t.text_history > 0 then
    local latest = t.text_history[#t.text_history]
    html[#html + 1] = "<h2>Does the text matter?</h2><p>At each snapshot, on the run's fixed conditions × 4 noises: "
      .. "<b>text sensitivity</b> (pixel variance across captions at fixed noise over variance across noises; 0 = text ignored)"
      .. (latest.caption_class_accuracy and ", and <b>caption-class accuracy</b> (the dataset's classifier on the 64-px images, balanced over classes)" or "")
      .. string.format(". Latest (step %d): sensitivity %.2f", latest.step, latest.text_sensitivity)
      .. (latest.caption_class_accuracy and string.format(", accuracy %.2f", latest.caption_class_accuracy) or "")
      .. ". <code>stackzoo eval CHECKPOINT --metric text</code> measures more captions.</p>"
    local text_only, fids = {}, {}
    for i, e in ipairs(t.text_history) do
      text_only[i] = { step = e.step, text_sensitivity = e.text_sensitivity, caption_class_accuracy = e.caption_class_accuracy }
      if e.fid then fids[#fids + 1] = { step = e.step, fid = e.fid } end
    end
    html[#html + 1] = chart(text_only)
    if #fids > 0 then
      html[#html + 1] = string.format("<h2>FID</h2><p>Of 128 generated 64-px images against the split's real ones, on the features of the dataset's classifier "
        .. "(not Inception's: comparable between runs on this dataset). Latest (step %d): %.3f. "
        .. "<code>stackzoo eval CHECKPOINT --metric fid,kid,is</code> uses as many images as the split has.</p>", fids[#fids].step, fids[#fids].fid)
      html[#html + 1] = chart(fids)
    end
  end
  if samples then
    html[#html + 1] = "<h2>Latest samples</h2><p>" .. escape(samples) .. " (rows: branches, smallest first; columns: fixed noise and conditions)</p>"
    html[#html + 1] = "<img src='samples/" .. samples .. "' style='max-width:100%;image-rendering:pixelated'>"
    if t.sample_captions and #t.sample_captions > 0 then
      local items = {}
      for i, c in ipairs(t.sample_captions) do items[i] = "<li>" .. escape(c) .. "</li>" end
      html[#html + 1] = "<p>Columns, left to right:</p><ol>" .. table.concat(items) .. "</ol>"
    end
  end
  html[#html + 1] = "<h2>Config</h2><pre>" .. escape(t.config_source) .. "</pre></body></html>"
  zoo.run.write_atomic(t.dir .. "/report.html", table.concat(html, "\n"))
end

return report
