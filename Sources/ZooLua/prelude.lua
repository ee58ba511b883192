-- The `zoo` module's Lua half: method tables, Lua-defined modules, the config sandbox and loader,
-- and the model registry, built on the Swift functions in `core`.
local core, meta, root = ...

local zoo = {}
local TensorMT, ModuleMT, OptimMT = meta["zoo.Tensor"], meta["zoo.Module"], meta["zoo.Optimizer"]

-- An error positioned at the user's code (the innermost frame outside this file).
local function fail(message)
  error(core.where() .. message, 0)
end

-- MARK: - Tensors ----------------------------------------------------------------------------

local Tensor = {}
for _, name in ipairs {
  "shape", "size", "dim", "numel", "item", "values", "get", "set",
  "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt",
  "relu", "leaky_relu", "sigmoid", "tanh", "glu",
  "matmul", "bmm", "linear", "conv2d", "upsample", "replicate", "transpose", "reshape", "slice", "split",
  "sum", "mean", "detach", "clone", "backward", "zero_grad",
} do
  Tensor[name] = core[name]
end
Tensor.view = core.reshape

local tensor_properties = {
  grad = core.grad,
  requires_grad = core.requires_grad,
}

TensorMT.__index = function(t, k)
  local prop = tensor_properties[k]
  if prop then return prop(t) end
  local m = Tensor[k]
  if m == nil and type(k) == "string" then fail("tensor has no field or method '" .. k .. "'") end
  return m
end
TensorMT.__newindex = function(t, k, v)
  if k == "requires_grad" then return core.set_requires_grad(t, v) end
  fail("cannot set field '" .. tostring(k) .. "' of a tensor")
end
TensorMT.__add = core.add
TensorMT.__sub = core.sub
TensorMT.__mul = core.mul
TensorMT.__div = core.div
TensorMT.__unm = core.neg
TensorMT.__pow = function(a, p)
  if type(p) ~= "number" then fail("tensor ^ exponent: the exponent must be a number") end
  return core.pow(a, p)
end
TensorMT.__tostring = core.tostring
TensorMT.__len = function(t) return core.size(t, 1) end
TensorMT.__name = "tensor"

zoo.tensor = core.tensor
zoo.zeros, zoo.ones, zoo.full = core.zeros, core.ones, core.full
zoo.randn, zoo.rand = core.randn, core.rand
zoo.cat = core.cat
zoo.is_tensor = core.is_tensor

--- Runs `fn(...)` with gradient recording off; returns its results.
function zoo.no_grad(fn, ...)
  local callable = type(fn) == "function" or core.is_module(fn)
    or (type(fn) == "table" and getmetatable(fn) and getmetatable(fn).__call)
  if not callable then fail("bad argument #1 to 'no_grad' (function expected, got " .. type(fn) .. ")") end
  local previous = core.set_grad_enabled(false)
  local results = table.pack(pcall(fn, ...))
  core.set_grad_enabled(previous)
  if not results[1] then error(results[2], 0) end
  return table.unpack(results, 2, results.n)
end

-- MARK: - Modules ----------------------------------------------------------------------------

local nn = {}
zoo.nn = nn

local Module = {}
nn.ModuleMethods = Module

function Module.forward(m, ...)
  return core.forward_swift(m, ...)
end
function Module.training(m) core.training(m, true); return m end
function Module.evaluate(m) core.training(m, false); return m end
Module.is_training = core.is_training
Module.parameters = core.parameters
Module.named_parameters = core.named_parameters
Module.named_buffers = core.named_buffers
Module.children = core.children
Module.zero_grad = core.zero_grad_module
Module.num_parameters = core.num_parameters
Module.state_dict = core.state_dict
Module.load_state_dict = core.load_state_dict
Module.type = core.type_name
Module.add = core.append
--- Calls fn(module) on every submodule, children first, then the module itself; returns the module.
function Module.apply(m, fn)
  for _, sub in ipairs(core.modules(m)) do fn(sub) end
  return m
end

ModuleMT.__index = function(m, k)
  local v = core.module_get(m, k)
  if v ~= nil then return v end
  local fields = core.module_fields(m)
  if fields then
    v = rawget(fields, k)
    if v ~= nil then return v end
    local class = rawget(fields, "__class")
    v = class and rawget(class, k)
    if v ~= nil then return v end
  end
  return Module[k]
end
ModuleMT.__newindex = function(m, k, v)
  if type(k) ~= "string" then fail("module fields are named by strings") end
  if core.is_tensor(v) or core.is_module(v) then return core.module_set(m, k, v) end
  local fields = core.module_fields(m)
  if not fields then fail("cannot set field '" .. k .. "' on " .. core.type_name(m) .. " (only tensors and modules)") end
  rawset(fields, k, v)
end
ModuleMT.__call = function(m, ...) return m:forward(...) end
ModuleMT.__tostring = core.module_tostring
ModuleMT.__name = "module"

for _, name in ipairs { "Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GLU", "Upsample" } do
  nn[name] = core[name]
end

--- nn.Sequential(m1, m2, ...): modules applied in order; `:add(m)` appends and returns the container.
function nn.Sequential(...)
  local s = core.Sequential()
  for i = 1, select("#", ...) do core.append(s, (select(i, ...))) end
  return s
end

--- nn.Parameter(t): a tensor marked as trainable (assign it to a field of a Lua module).
function nn.Parameter(t)
  if not core.is_tensor(t) then fail("bad argument #1 to 'Parameter' (tensor expected, got " .. type(t) .. ")") end
  local p = core.detach(t)
  p.requires_grad = true
  return p
end

--- nn.define(name, class): a module type written in Lua. `class.init(self, ...)` builds it
--- (fields holding modules or trainable tensors become children and parameters, with their
--- names in the state dict); `class.forward(self, x, ...)` computes it with zoo ops, so gradients
--- flow through it. Returns a constructor: `local Block = nn.define("Block", {...}); Block(64)`.
function nn.define(name, class)
  if type(name) ~= "string" then fail("bad argument #1 to 'define' (string expected, got " .. type(name) .. ")") end
  if type(class) ~= "table" then fail("bad argument #2 to 'define' (table expected, got " .. type(class) .. ")") end
  if type(class.forward) ~= "function" then fail("nn.define('" .. name .. "'): the class needs a forward(self, x) function") end
  return setmetatable({ class = class, name = name }, {
    __call = function(_, ...)
      local m = core.lua_module(name)
      rawset(core.module_fields(m), "__class", class)
      if class.init then class.init(m, ...) end
      return m
    end,
  })
end

-- Losses (functional).
nn.bce = core.bce
nn.bce_with_logits = core.bce_with_logits
nn.mse = core.mse
nn.kl = core.kl
nn.colour_statistics = core.colour_statistics

-- MARK: - Optimiser --------------------------------------------------------------------------

local Optim = { step = core.step, zero_grad = core.zero_grad_optim }
OptimMT.__index = function(o, k)
  if k == "lr" then return core.get_lr(o) end
  return Optim[k]
end
OptimMT.__newindex = function(o, k, v)
  if k == "lr" then
    if type(v) ~= "number" then fail("optimizer.lr must be a number, got " .. type(v)) end
    return core.set_lr(o, v)
  end
  fail("cannot set field '" .. tostring(k) .. "' of an optimizer")
end
OptimMT.__name = "optimizer"

zoo.optim = {}
--- zoo.optim.Adam(params, {lr=, betas=, eps=, weight_decay=}) or zoo.optim.Adam{params=, lr=, ...}.
function zoo.optim.Adam(params, options)
  if type(params) == "table" and params.params ~= nil then
    options = {}
    for k, v in pairs(params) do if k ~= "params" then options[k] = v end end
    params = params.params
  end
  return core.Adam(params, options)
end

-- MARK: - Files, images, process ---------------------------------------------------------------

zoo.save = core.save
zoo.load = core.load
zoo.load_npy = core.load_npy
zoo.image = { load = core.image_load, save = core.image_save, save_grid = core.image_save_grid }
zoo.seed = core.seed
zoo.rng_state, zoo.set_rng_state = core.rng_state, core.set_rng_state
zoo.threads = core.threads
zoo.version = core.version()

-- MARK: - Sandbox ----------------------------------------------------------------------------

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- The parts of zoo a config may use: pure computation, no files, no process settings.
local function pure_zoo()
  local z = {}
  for _, k in ipairs { "tensor", "zeros", "ones", "full", "randn", "rand", "cat", "is_tensor", "no_grad", "version" } do z[k] = zoo[k] end
  z.nn = copy(nn)
  return z
end

local SAFE_GLOBALS = {
  "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber", "tostring", "type",
  "xpcall", "rawequal", "rawget", "rawlen", "rawset", "setmetatable", "print",
}

local function file_exists(path)
  local f = io.open(path, "r")
  if f then f:close() return true end
  return false
end

local function read_file(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

local INSTRUCTION_LIMIT = 50000000

--- A fresh sandbox environment: safe base functions, copies of string/table/math/utf8, the pure
--- zoo, and a `require` that loads only project modules (zoo/NAME.lua, scripts/lib/NAME.lua),
--- themselves sandboxed.
local function sandbox()
  local env = {}
  for _, k in ipairs(SAFE_GLOBALS) do env[k] = _G[k] end
  env.getmetatable = function(x) if type(x) == "table" then return getmetatable(x) end return nil end
  env.string = copy(string)
  env.string.dump = nil
  env.table, env.math, env.utf8 = copy(table), copy(math), copy(utf8)
  env.zoo = pure_zoo()
  env._G = env
  env._VERSION = _VERSION
  local loaded = {}
  env.require = function(name)
    if type(name) ~= "string" or not name:match("^[%w_%-%./]+$") or name:find("%.%.") then
      fail("require: '" .. tostring(name) .. "' is not a project module name")
    end
    if name == "zoo" then return env.zoo end
    if loaded[name] ~= nil then return loaded[name] end
    for _, pattern in ipairs { root .. "/zoo/%s.lua", root .. "/scripts/lib/%s.lua" } do
      local path = pattern:format(name:gsub("%.", "/"))
      local source = read_file(path)
      if source then
        local chunk, err = load(source, "@" .. path, "t", env)
        if not chunk then error(err, 0) end
        local result = chunk()
        loaded[name] = result == nil and true or result
        return loaded[name]
      end
    end
    fail("require: no project module '" .. name .. "' (configs may only require files under zoo/ and scripts/lib/)")
  end
  return env
end
zoo.sandbox = sandbox

--- Runs `source` as a sandboxed chunk named `path`; returns its results.
local function run_sandboxed(source, path, env)
  local chunk, err = load(source, "@" .. path, "t", env or sandbox())
  if not chunk then error(err, 0) end
  core.set_instruction_limit(INSTRUCTION_LIMIT)
  local results = table.pack(pcall(chunk))
  core.set_instruction_limit(0)
  if not results[1] then error(results[2], 0) end
  return table.unpack(results, 2, results.n)
end

-- MARK: - Model registry -------------------------------------------------------------------------

local registry = {}   -- name -> { name, summary, schema, build, origin }

local function caller_file()
  local file = (core.where():match("^(.-):%d+: $")) or "?"
  return file:sub(1, #root + 1) == root .. "/" and file:sub(#root + 2) or file
end

-- Normalises a schema entry: {default, "doc"} or {type=, default=, doc=}.
local function type_of_default(v)
  if math.type(v) == "integer" then return "integer" end
  return type(v)
end

local function field_spec(spec, path)
  if type(spec) ~= "table" then
    return { type = type_of_default(spec), default = spec, doc = "" }
  end
  local f = { type = spec.type, default = spec.default, doc = spec.doc or spec[2] or "" }
  if spec.default == nil and spec[1] ~= nil then f.default = spec[1] end
  if f.type == nil then
    if f.default == nil then error("schema field '" .. path .. "' needs a type or a default", 0) end
    f.type = type_of_default(f.default)
  end
  return f
end

local function is_field_spec(spec)
  return type(spec) ~= "table" or spec.type ~= nil or spec.doc ~= nil or spec[1] ~= nil or spec[2] ~= nil or spec.default ~= nil
end

-- schema: { section = { key = spec, ... }, ... } (one level of sections; a section may itself be
-- a field spec). Returns a flat map "section.key" -> spec.
local function flatten_schema(schema, origin)
  local flat = {}
  for section, fields in pairs(schema or {}) do
    if type(fields) ~= "table" then error(origin .. ": schema section '" .. tostring(section) .. "' must be a table", 0) end
    if is_field_spec(fields) then
      flat[section] = field_spec(fields, section)
    else
      for key, spec in pairs(fields) do
        flat[section .. "." .. key] = field_spec(spec, section .. "." .. key)
      end
    end
  end
  return flat
end

--- zoo.register_model{name=, summary=, schema=, build=}: a model written in Lua. `build(cfg)`
--- returns a model table: `networks` (name -> module), `train_step(self, batch)` returning a table
--- of named losses (numbers), `sample(self, opts)` returning images [N, 3, H, W] in [-1, 1]
--- (or a table of such tensors, one per branch), and optionally `optimizers` (name -> Adam).
function zoo.register_model(spec)
  if type(spec) ~= "table" then fail("bad argument #1 to 'register_model' (table expected, got " .. type(spec) .. ")") end
  for _, k in ipairs { "name", "summary" } do
    if type(spec[k]) ~= "string" then fail("register_model: '" .. k .. "' must be a string") end
  end
  if type(spec.build) ~= "function" then fail("register_model: 'build' must be a function(cfg) returning the model") end
  for k in pairs(spec) do
    if not ({ name = 1, summary = 1, schema = 1, build = 1, description = 1 })[k] then
      fail("register_model: unknown key '" .. tostring(k) .. "' (valid: name, summary, schema, build, description)")
    end
  end
  local origin = caller_file()
  local ok, flat = pcall(flatten_schema, spec.schema, origin)
  if not ok then fail(flat) end
  registry[spec.name] = { name = spec.name, summary = spec.summary, schema = spec.schema or {}, flat = flat, build = spec.build, origin = origin }
  core.registry_add(spec.name, spec.summary, origin)
end

-- Compiled plugins: their schema comes from Swift (flat dotted keys); build goes through core.
local function register_compiled(name, summary)
  local flat = {}
  for key, f in pairs(core.registry_schema(name)) do flat[key] = { type = f.type, default = f.default, doc = f.doc } end
  registry[name] = {
    name = name, summary = summary, flat = flat, origin = "compiled",
    build = function(cfg)
      local values = {}
      for key in pairs(flat) do
        local v = cfg
        -- (not `type(v) == "table" and v[part] or nil`, which turns a false flag into nil)
        for part in key:gmatch("[^%.]+") do if type(v) == "table" then v = v[part] else v = nil end end
        if v ~= nil then values[key] = v end
      end
      return zoo._wrap_compiled(core.build_model(name, values))
    end,
  }
end

--- The Lua face of a compiled model handle (same shape as a Lua model's table).
function zoo._wrap_compiled(handle)
  local model = { handle = handle }
  model.image_sizes, model.text_dim, model.z_dim, model.condition_dim = core.model_info(handle)
  model.networks, model.network_names = core.model_networks(handle)
  model.optimizers, model.optimizer_names = core.model_optimizers(handle)
  --- One training iteration; returns {name = loss} and the names in order.
  function model:train_step(batch) return core.model_train_step(self.handle, batch) end
  --- A network's forward pass on named inputs (e.g. "G" {z=, text=, eps=}; "D0" {image=, condition=});
  --- returns {name = tensor} and the names in order.
  function model:forward(network, inputs) return core.model_forward(self.handle, network, inputs) end
  --- opts: n, seed, condition ([n, T] embeddings), noise, ema (default true), eval (default true).
  --- Returns {img64 = ..., ...} and the names in order.
  function model:sample(opts) return core.model_sample(self.handle, opts or {}) end
  --- Writes networks, EMA, optimiser moments, the config and `metadata` to one safetensors file.
  function model:save_checkpoint(path, metadata) return core.save_checkpoint(self.handle, path, metadata) end
  --- For sampling only: frees the networks sampling does not use (discriminators) and the
  --- optimiser moments; training or saving the model afterwards is an error.
  function model:release_training_state() core.model_release_training_state(self.handle) end
  return model
end

--- zoo.load_checkpoint(path): rebuilds the model a checkpoint was written from — from the resolved
--- config it carries (Lua source: any model, block slots included), or from a compiled model's flat
--- config (converted official checkpoints) — and loads its state. Returns the model and metadata.
function zoo.load_checkpoint(path)
  local meta = core.checkpoint_metadata(path)
  local source = meta["stackzoo.config_lua"]
  if source then
    local model = zoo.model((zoo.config(path .. " (config)", {}, source)))
    zoo.read_checkpoint(path, model)
    return model, meta
  end
  local handle, metadata = core.load_checkpoint(path)
  return zoo._wrap_compiled(handle), metadata
end

for _, e in ipairs(core.registry_list()) do
  if e.origin == "compiled" then register_compiled(e.name, e.summary) end
end

--- zoo.closest(word, candidates): the candidate nearest to `word` by edit distance, or nil.
zoo.closest = core.closest

--- zoo.models(): every registered model (compiled and Lua) as {name=, summary=, origin=}.
function zoo.models()
  return core.registry_list()
end

-- MARK: - Configs ------------------------------------------------------------------------------

local RESERVED = { model = "string", extends = "string", description = "string", data = "table" }

local function split_path(path)
  local parts = {}
  for p in path:gmatch("[^%.]+") do parts[#parts + 1] = p end
  return parts
end

local function is_sequence(t)
  if type(t) ~= "table" then return false end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t and n > 0
end

-- Finds the line of `key =` in `source` (the first one, preferring one after `section =`).
local function line_of(source, key, section)
  if not source then return nil end
  local n, after = 0, section == nil
  for line in (source .. "\n"):gmatch("(.-)\n") do
    n = n + 1
    if not after and line:find("%f[%w_]" .. section .. "%s*=") then after = true end
    if after and line:find("%f[%w_]" .. key:gsub("%p", "%%%0") .. "%s*=") then return n end
  end
  return nil
end

--- Resolves an entry name to a file: an existing path, or zoo/NAME.lua under the project.
function zoo.resolve_entry(name)
  if type(name) ~= "string" then fail("entry name must be a string") end
  if file_exists(name) then return name end
  local candidate = root .. "/zoo/" .. name .. ".lua"
  if file_exists(candidate) then return candidate end
  if file_exists(name .. ".lua") then return name .. ".lua" end
  local known = core.list_entries(root .. "/zoo")
  local hint = core.closest(name, known)
  error("unknown zoo entry '" .. name .. "'" .. (hint and (" (did you mean '" .. hint .. "'?)") or "")
    .. " — looked for a file of that name and for zoo/" .. name .. ".lua", 0)
end

-- Deep merge: tables merge key by key (sequences and functions are replaced), the child wins.
-- Every table is copied, so a merged config never aliases its parent's tables.
local function merge(into, from, origins, origin_of, prefix)
  for k, v in pairs(from) do
    local path = prefix and (prefix .. "." .. tostring(k)) or tostring(k)
    if type(v) == "table" and not is_sequence(v) then
      if type(into[k]) ~= "table" or is_sequence(into[k]) then into[k] = {} end
      merge(into[k], v, origins, origin_of, path)
    else
      into[k] = v
      origins[path] = origin_of(path, k)
    end
  end
end

-- Loads one entry file (sandboxed) and its `extends` chain; returns the merged table and origins.
-- `inline` (optional) is the entry's source text, `name` then only labels it (a checkpoint's config).
local function load_entry(name, seen, inline)
  local file = inline and name or zoo.resolve_entry(name)
  -- Messages name files relative to the project when they are inside it.
  local path = file:sub(1, #root + 1) == root .. "/" and file:sub(#root + 2) or file
  seen = seen or {}
  if seen[file] then error(path .. ": 'extends' makes a cycle", 0) end
  seen[file] = true
  local source, err = inline, nil
  if not source then source, err = read_file(file) end
  if not source then error(path .. ": " .. tostring(err), 0) end
  local cfg = run_sandboxed(source, path)
  if type(cfg) ~= "table" then error(path .. ": a zoo entry must return a table, got " .. type(cfg), 0) end
  local merged, origins = {}, {}
  if cfg.extends ~= nil then
    if type(cfg.extends) ~= "string" then
      error(path .. ":" .. (line_of(source, "extends") or 1) .. ": 'extends' must be an entry name (string)", 0)
    end
    merged, origins = load_entry(cfg.extends, seen)
  end
  local function origin_of(p, key)
    local parts = split_path(p)
    local line = line_of(source, tostring(key), #parts > 1 and parts[1] or nil)
    return path .. (line and (":" .. line) or "")
  end
  merge(merged, cfg, origins, origin_of, nil)
  merged.extends, origins.extends = nil, nil
  return merged, origins, path, source
end

local function type_ok(value, ftype)
  if ftype == "any" then return true end
  if ftype == "integer" then return math.type(value) == "integer" or (type(value) == "number" and value == math.floor(value)) end
  if ftype == "number" then return type(value) == "number" end
  if ftype == "function" then return type(value) == "function" end
  return type(value) == ftype
end

local function describe_value(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

-- Parses an override value for a field of type `ftype`.
local function parse_override(text, ftype, path)
  if ftype == "string" then
    local quoted = text:match('^"(.*)"$') or text:match("^'(.*)'$")
    return quoted or text
  end
  if ftype == "boolean" then
    if text == "true" then return true elseif text == "false" then return false end
    error("--set " .. path .. "=" .. text .. ": expected true or false", 0)
  end
  if ftype == "integer" or ftype == "number" then
    local n = tonumber(text)
    if n == nil then error("--set " .. path .. "=" .. text .. ": expected a " .. ftype, 0) end
    if ftype == "integer" then
      if n ~= math.floor(n) then error("--set " .. path .. "=" .. text .. ": expected an integer", 0) end
      n = math.tointeger(n)
    end
    return n
  end
  local ok, value = pcall(run_sandboxed, "return " .. text, "--set " .. path)
  if not ok then error("--set " .. path .. "=" .. text .. ": " .. tostring(value), 0) end
  return value
end

local function get_path(t, parts)
  for i = 1, #parts - 1 do
    t = t[parts[i]]
    if type(t) ~= "table" then return nil end
  end
  return t[parts[#parts]]
end

local function set_path(t, parts, value)
  for i = 1, #parts - 1 do
    if type(t[parts[i]]) ~= "table" then t[parts[i]] = {} end
    t = t[parts[i]]
  end
  t[parts[#parts]] = value
end

--- zoo.config(entry, overrides[, source]): loads a zoo entry in the sandbox, follows `extends`,
--- applies `overrides` ({"train.batch=8", ...}), checks every key and type against the model's
--- schema, and fills defaults. With `source`, that text is the entry and `entry` only names it.
--- Returns the resolved config, origins (dotted key -> "file:line", "default" or "--set"), and the
--- entry's path.
function zoo.config(entry, overrides, source)
  local cfg, origins, path = load_entry(entry, nil, source)
  if type(cfg.model) ~= "string" then error(path .. ": the entry names no model (model = \"...\")", 0) end
  local model = registry[cfg.model]
  if not model then
    local names = {}
    for _, e in ipairs(core.registry_list()) do names[#names + 1] = e.name end
    local hint = core.closest(cfg.model, names)
    error(origins.model .. ": unknown model '" .. cfg.model .. "'" .. (hint and (" (did you mean '" .. hint .. "'?)") or "")
      .. " (registered: " .. (#names > 0 and table.concat(names, ", ") or "none") .. ")", 0)
  end
  local flat = model.flat
  local valid = {}
  for k in pairs(flat) do valid[#valid + 1] = k end
  for k in pairs(RESERVED) do valid[#valid + 1] = k end
  table.sort(valid)

  local function unknown(key, where)
    local hint = core.closest(key, valid)
    error(where .. ": unknown key '" .. key .. "' for model '" .. cfg.model .. "'"
      .. (hint and (" (did you mean '" .. hint .. "'?)") or ""), 0)
  end

  -- Overrides.
  for _, o in ipairs(overrides or {}) do
    local key, text = o:match("^([%w_%.]+)=(.*)$")
    if not key then error("--set " .. o .. ": expected key=value (e.g. train.batch=8)", 0) end
    local spec = flat[key]
    if key:match("^data%.[%w_]+$") and not spec then
      -- The data table is checked by the dataset kind when it is opened: values keep their
      -- natural type (true/false, numbers, else strings).
      local v = (text == "true" and true) or (text == "false" and false) or math.tointeger(tonumber(text)) or tonumber(text) or text
      cfg.data = cfg.data or {}
      cfg.data[key:sub(6)] = v
    else
      if not spec then unknown(key, "--set " .. key) end
      set_path(cfg, split_path(key), parse_override(text, spec.type, key))
    end
    origins[key] = "--set"
  end

  -- Validation: every key known, every value of its type.
  local function check(t, prefix)
    for k, v in pairs(t) do
      local key = prefix and (prefix .. "." .. tostring(k)) or tostring(k)
      local where = origins[key] or path
      if prefix == nil and RESERVED[k] then
        if type(v) ~= RESERVED[k] then error(where .. ": '" .. key .. "' must be a " .. RESERVED[k] .. ", got " .. type(v), 0) end
      elseif flat[key] then
        if not type_ok(v, flat[key].type) then
          error(where .. ": '" .. key .. "' must be " .. flat[key].type .. ", got " .. type(v) .. " (" .. describe_value(v) .. ")", 0)
        end
      elseif type(v) == "table" and not is_sequence(v) then
        local has_children = false
        for name in pairs(flat) do if name:sub(1, #key + 1) == key .. "." then has_children = true break end end
        if not has_children then unknown(key, where) end
        check(v, key)
      else
        unknown(key, where)
      end
    end
  end
  check(cfg, nil)

  -- Defaults.
  for key, spec in pairs(flat) do
    local parts = split_path(key)
    if get_path(cfg, parts) == nil and spec.default ~= nil then
      set_path(cfg, parts, spec.default)
      origins[key] = "default"
    end
  end
  cfg.data = cfg.data or {}
  return cfg, origins, path
end

--- Field docs of a model's schema: a sorted list of {key=, type=, default=, doc=}.
function zoo.schema(name)
  local model = registry[name]
  if not model then fail("unknown model '" .. tostring(name) .. "'") end
  local out = {}
  for key, spec in pairs(model.flat) do out[#out + 1] = { key = key, type = spec.type, default = spec.default, doc = spec.doc } end
  table.sort(out, function(a, b) return a.key < b.key end)
  return out
end

--- zoo.model(cfg): builds the model a resolved config names (or an entry name / config table,
--- which is resolved first). Checks that the model provides its contract.
function zoo.model(cfg, overrides)
  if type(cfg) == "string" then cfg = zoo.config(cfg, overrides) end
  if type(cfg) ~= "table" or type(cfg.model) ~= "string" then
    fail("bad argument #1 to 'model' (config table with a 'model' name, or an entry name, expected)")
  end
  local spec = registry[cfg.model]
  if not spec then fail("unknown model '" .. cfg.model .. "'") end
  for key, f in pairs(spec.flat) do
    local parts = split_path(key)
    if get_path(cfg, parts) == nil and f.default ~= nil then set_path(cfg, parts, f.default) end
  end
  local model = spec.build(cfg)
  if type(model) ~= "table" then fail(spec.origin .. ": build() of '" .. cfg.model .. "' must return a table") end
  if type(model.networks) ~= "table" then fail(spec.origin .. ": model '" .. cfg.model .. "' has no 'networks' table") end
  for name, net in pairs(model.networks) do
    if not core.is_module(net) then fail(spec.origin .. ": networks." .. tostring(name) .. " of '" .. cfg.model .. "' is not a module") end
  end
  for _, k in ipairs { "train_step", "sample" } do
    if type(model[k]) ~= "function" then fail(spec.origin .. ": model '" .. cfg.model .. "' has no " .. k .. " function") end
  end
  model.config = model.config or cfg
  model.name = model.name or cfg.model
  return model
end

--- Loads the runtime plugins: every zoo/plugins/*.lua (trusted code that calls register_model).
function zoo.load_plugins(folder)
  folder = folder or (root .. "/zoo/plugins")
  for _, path in ipairs(core.list_files(folder, ".lua")) do
    local chunk, err = loadfile(path, "t")
    if not chunk then error(err, 0) end
    chunk()
  end
end

-- MARK: - Describing ---------------------------------------------------------------------------

local function format_value(v, depth)
  depth = depth or 0
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "function" then return "<function>" end
  if type(v) ~= "table" then return tostring(v) end
  if depth > 2 then return "{…}" end
  local parts = {}
  if is_sequence(v) then
    for _, x in ipairs(v) do parts[#parts + 1] = format_value(x, depth + 1) end
  else
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do parts[#parts + 1] = k .. " = " .. format_value(v[k], depth + 1) end
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function leaves(t, prefix, out)
  for k, v in pairs(t) do
    local key = prefix and (prefix .. "." .. tostring(k)) or tostring(k)
    if type(v) == "table" and not is_sequence(v) and next(v) ~= nil then leaves(v, key, out)
    else out[#out + 1] = { key = key, value = v } end
  end
  return out
end

local function group_digits(n)
  local s = tostring(math.floor(n))
  return (s:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", ""))
end

--- The text of `stackzoo describe ENTRY`: resolved config with the origin of every value,
--- network trees, parameter counts, and FLOPs per sampled image.
function zoo.describe(entry, overrides)
  local cfg, origins, path = zoo.config(entry, overrides)
  local spec = registry[cfg.model]
  local out = {}
  local function add(line) out[#out + 1] = line end
  add("entry: " .. path)
  if cfg.description then add("description: " .. cfg.description) end
  add("model: " .. cfg.model .. " — " .. spec.summary .. " [" .. spec.origin .. "]")
  add("config (value, then where it came from):")
  local items = leaves(cfg, nil, {})
  table.sort(items, function(a, b) return a.key < b.key end)
  local shown = {}
  for _, it in ipairs(items) do
    local empty_data = it.key == "data" and type(it.value) == "table" and next(it.value) == nil
    if it.key ~= "model" and it.key ~= "description" and not empty_data then shown[#shown + 1] = it end
  end
  local width = 0
  for _, it in ipairs(shown) do width = math.max(width, utf8.len(it.key .. " = " .. format_value(it.value)) or 0) end
  for _, it in ipairs(shown) do
    do
      local text = it.key .. " = " .. format_value(it.value)
      local doc = spec.flat[it.key] and spec.flat[it.key].doc or ""
      add("  " .. text .. string.rep(" ", width - (utf8.len(text) or #text)) .. "  -- " .. (origins[it.key] or "?") .. (doc ~= "" and ("; " .. doc) or ""))
    end
  end
  local model = zoo.model(cfg)
  local names = {}
  for name in pairs(model.networks) do names[#names + 1] = name end
  table.sort(names)
  add("networks:")
  for _, name in ipairs(names) do
    local net = model.networks[name]
    add("  " .. name .. ": " .. group_digits(net:num_parameters()) .. " parameters")
    for line in (tostring(net) .. "\n"):gmatch("(.-)\n") do add("    " .. line) end
  end
  -- Text-conditioned models (an integer arch.text, unless arch.conditional = false) sample from a
  -- zero embedding here (only the FLOPs matter).
  local arch = type(cfg.arch) == "table" and cfg.arch or {}
  local condition = (arch.conditional ~= false and math.type(arch.text) == "integer") and zoo.zeros(1, arch.text) or nil
  local ok, flops = pcall(core.count_flops, function() return model:sample { n = 1, seed = 0, condition = condition } end)
  if ok then
    add(string.format("sampling: %.3f GFLOPs per image (conv, linear and matmul forward FLOPs)", flops / 1e9))
  else
    add("sampling: FLOPs not measured (" .. tostring(flops) .. ")")
  end
  return table.concat(out, "\n")
end

--- The one-line description of an entry (its `description`, following `extends`).
function zoo.entry_description(name)
  local ok, cfg = pcall(load_entry, name)
  if not ok then return nil, tostring(cfg) end
  return cfg.description or ""
end

-- MARK: - Runs and checkpoints ---------------------------------------------------------------

--- Process and file helpers for training recipes (trusted code only; not in the sandbox).
zoo.run = {
  install_interrupt_handler = core.install_interrupt_handler,
  interrupted = core.interrupted,
  is_tty = core.is_tty,
  clock = core.monotonic,
  peak_rss_mb = core.peak_rss_mb,
  --- check_memory(bytes, what): errors (out of memory: ... for what) unless `bytes` more could be
  --- allocated now under the engine's limits; allocates nothing.
  check_memory = core.check_memory,
  mkdir = core.mkdir,
  exists = core.file_exists,
  remove = core.remove_file,
  write_atomic = core.write_atomic,
  list_files = core.list_files,
}

--- Writes a checkpoint of any model (Lua or compiled): its networks, optimisers, extra state
--- (a compiled model's EMA) and `metadata` (strings); atomic.
function zoo.write_checkpoint(path, model, metadata)
  metadata = metadata or {}
  metadata["stackzoo.model"] = metadata["stackzoo.model"] or model.name
  core.write_checkpoint(path, model.networks, model.optimizers or {}, metadata, model.handle)
end

--- Loads a checkpoint into an already built model; returns the checkpoint's metadata.
function zoo.read_checkpoint(path, model)
  return core.read_checkpoint(path, model.networks, model.optimizers or {}, model.handle)
end

zoo.checkpoint_metadata = core.checkpoint_metadata

-- The source text of a function defined in a file (for writing resolved configs back as Lua).
local function function_source(f)
  local info = debug.getinfo(f, "S")
  if not info or info.what ~= "Lua" or info.source:sub(1, 1) ~= "@" then return nil end
  local text = read_file(info.source:sub(2))
  if not text then return nil end
  local lines, n = {}, 0
  for line in (text .. "\n"):gmatch("(.-)\n") do
    n = n + 1
    if n >= info.linedefined and n <= info.lastlinedefined then lines[#lines + 1] = line end
  end
  if #lines == 0 then return nil end
  local first = lines[1]:find("function")
  if not first then return nil end
  lines[1] = lines[1]:sub(first)
  local last = lines[#lines]
  local stop
  for i = #last - 2, 1, -1 do if last:sub(i, i + 2) == "end" then stop = i + 2 break end end
  if not stop then return nil end
  lines[#lines] = last:sub(1, stop)
  return table.concat(lines, "\n")
end

local function serialize(v, indent)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "number" or type(v) == "boolean" then
    if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%.1f", v) end
    return tostring(v)
  end
  if type(v) == "function" then
    local src = function_source(v)
    if not src then error("cannot write a function back as Lua source (define block slots in a config file)", 0) end
    return src
  end
  if type(v) ~= "table" then error("cannot write a " .. type(v) .. " into a config", 0) end
  local pad = string.rep("  ", indent + 1)
  local parts = {}
  if is_sequence(v) then
    for _, x in ipairs(v) do parts[#parts + 1] = pad .. serialize(x, indent + 1) end
  else
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      local key = (type(k) == "string" and k:match("^[%a_][%w_]*$")) and k or ("[" .. serialize(k, indent + 1) .. "]")
      parts[#parts + 1] = pad .. key .. " = " .. serialize(v[k], indent + 1)
    end
  end
  if #parts == 0 then return "{}" end
  return "{\n" .. table.concat(parts, ",\n") .. ",\n" .. string.rep("  ", indent) .. "}"
end

--- Plain values (tables of numbers, strings, booleans) as Lua source, and back (sandboxed).
function zoo.serialize(v) return serialize(v, 0) end
function zoo.deserialize(text)
  if type(text) ~= "string" then fail("bad argument #1 to 'deserialize' (string expected)") end
  return run_sandboxed("return " .. text, "=(deserialize)")
end

--- A resolved config written back as a zoo entry (Lua source returning the table); block-slot
--- functions are copied from the files that defined them.
function zoo.config_source(cfg, header)
  return (header and ("-- " .. header .. "\n") or "") .. "return " .. serialize(cfg, 0) .. "\n"
end

-- MARK: - Data --------------------------------------------------------------------------------
-- zoo.data.open(cfg.data, opts) -> dataset; batches are tables whose own fields are the tensors a
-- train step takes ("real.64", "wrong.64", "text"), so `model:train_step(batch)` accepts them;
-- everything else (batch.real[64], batch.wrong[64], batch.images, batch.ids, batch.captions,
-- batch.class_ids, batch.epoch, ...) is read through the batch's metatable. batch.epoch and
-- batch.index count from 0; indices into Lua lists (batch.indices, ...) from 1.

local DatasetMT = meta["zoo.Dataset"]
local Dataset = {}
zoo.data = {}

local function wrap_batch(tensors, info)
  local real, wrong, largest = {}, {}, nil
  for name, t in pairs(tensors) do
    local kind, size = name:match("^(%a+)%.(%d+)$")
    size = tonumber(size)
    if kind == "real" then
      real[size] = t
      if largest == nil or size > largest then largest = size end
    elseif kind == "wrong" then
      wrong[size] = t
    end
  end
  info.real, info.wrong, info.tensors = real, wrong, tensors
  info.images = largest and real[largest] or nil
  return setmetatable(tensors, { __index = info })
end

--- zoo.data.open(data, opts): opens a zoo entry's `data` table (kind = "captioned" | "stackgan" |
--- "images", root = ..., see the README's Data section) for training. opts: image_sizes ({64, 128}),
--- batch (16), seed (0), threads (2 loader threads; 0 = load on the caller), prefetch (4),
--- shuffle (true), augment (true: random crop + flip), wrong / text (default: with embeddings),
--- average_captions. Every image is checked first; bad data stops here (or is skipped and
--- listed in ds:info().skipped with data.on_error = "skip").
function zoo.data.open(data, opts)
  if type(data) ~= "table" then fail("bad argument #1 to 'data.open' (the config's data table expected, got " .. type(data) .. ")") end
  return core["data.open"](data, opts)
end

--- zoo.data.check(data, {image_size=, batch=, decode=}): the `stackzoo data check` report (text)
--- and the list of problems ("file: reason").
function zoo.data.check(data, opts)
  if type(data) ~= "table" then fail("bad argument #1 to 'data.check' (the config's data table expected, got " .. type(data) .. ")") end
  return core["data.check"](data, opts)
end

--- ds:next(): the next batch (continuing into the next epoch).
function Dataset.next(ds) return wrap_batch(core.data_next(ds)) end
--- ds:batch(epoch, index): batch `index` of `epoch` (both from 0), built now; what next() gives there.
function Dataset.batch(ds, epoch, index) return wrap_batch(core.data_batch(ds, epoch, index)) end
--- for batch in ds:batches() do ... end: the remaining batches of the current epoch.
function Dataset.batches(ds)
  local epoch = core.data_state(ds).epoch
  return function()
    if core.data_state(ds).epoch ~= epoch then return nil end
    return Dataset.next(ds)
  end
end
--- ds:state() -> {seed=, epoch=, batch=, count=, batch_size=}: the next batch to deliver (epoch
--- and batch count from 0, as batch.epoch and batch.index do).
Dataset.state = core.data_state
--- ds:set_state(s): continue from a saved state (same dataset, seed and batch size).
Dataset.set_state = core.data_set_state
--- ds:info(): kind, root, count, batches, batch, image_sizes, load_size, text, wrong, text_dim,
--- captions_per_image, classes, splits, skipped (problems), notes, ids.
Dataset.info = core.data_info
--- ds:close(): stops the loader threads (also done when the dataset is collected).
Dataset.close = core.data_close

DatasetMT.__index = function(ds, k)
  local m = Dataset[k]
  if m == nil and type(k) == "string" then fail("dataset has no field or method '" .. k .. "'") end
  return m
end
DatasetMT.__len = core.data_len
DatasetMT.__tostring = function(ds)
  local i = core.data_info(ds)
  return string.format("dataset(%s, %d images, %d batches of %d)", i.kind, i.count, i.batches, i.batch)
end
DatasetMT.__name = "dataset"
-- (end of MARK: - Data)

zoo._registry = registry
package.preload["zoo"] = function() return zoo end
return zoo
