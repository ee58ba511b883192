-- A tiny captioned set whose classes differ in colour only (Tests/ZooLuaTests/TextConditioningTests):
-- red, green and blue squares, 8 train and 2 test each, with unit-norm 16-d caption embeddings
-- (MiniLM-like: per-dimension std 0.25) near one random direction per class. arg[1]: the folder.
local zoo = require "zoo"
local dir = arg[1]
zoo.seed(3)
zoo.run.mkdir(dir .. "/png/64")
local colours = { red = {0.9, -0.8, -0.8}, green = {-0.8, 0.9, -0.8}, blue = {-0.8, -0.8, 0.9} }
local names = { "red", "green", "blue" }
local D, K = 16, 2
local base = {}
for c = 1, 3 do base[c] = zoo.randn(1, D) end
local meta, ids, rows = {}, { train = {}, test = {} }, {}
for c, name in ipairs(names) do
  for i = 1, 10 do
    local id = string.format("%s_%02d", name, i)
    local img = zoo.randn(3, 64, 64) * 0.1
    for ch = 1, 3 do img = img + zoo.full({1, 64, 64}, colours[name][ch]) * zoo.tensor({ ch == 1 and 1 or 0, ch == 2 and 1 or 0, ch == 3 and 1 or 0 }):reshape(3, 1, 1) end
    zoo.image.save(img, dir .. "/png/64/" .. id .. ".png")
    meta[#meta + 1] = string.format('{"id": "%s", "class": "%s", "captions": ["a %s square", "something %s"]}', id, name, name, name)
    table.insert(i <= 8 and ids.train or ids.test, id)
    for k = 1, K do
      local e = base[c] + zoo.randn(1, D) * 0.3
      e = e / (e * e):sum():sqrt()
      rows[#rows + 1] = e:values()
    end
  end
end
local f = assert(io.open(dir .. "/meta.jsonl", "w")); f:write(table.concat(meta, "\n"), "\n"); f:close()
local function list(t) local q = {} for i, v in ipairs(t) do q[i] = '"' .. v .. '"' end return "[" .. table.concat(q, ", ") .. "]" end
f = assert(io.open(dir .. "/splits.json", "w")); f:write('{"train": ' .. list(ids.train) .. ', "test": ' .. list(ids.test) .. '}'); f:close()
local header = string.format("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d, %d), }", #rows // K, K, D)
header = header .. string.rep(" ", 63 - (10 + #header) % 64) .. "\n"
local parts = { "\147NUMPY\1\0", string.pack("<I2", #header), header }
for _, r in ipairs(rows) do for _, v in ipairs(r) do parts[#parts + 1] = string.pack("<f", v) end end
f = assert(io.open(dir .. "/emb_test.npy", "wb")); f:write(table.concat(parts)); f:close()
