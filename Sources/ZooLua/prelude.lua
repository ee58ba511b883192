-- The `zoo` module's Lua half: method tables, Lua-defined modules, the config sandbox and loader,
-- and the model registry, built on the Swift functions in `core`.
local core, meta, root = ...

local zoo = {}
local TensorMT, ModuleMT, OptimMT = meta["zoo.Tensor"], meta["zoo.Module"], meta["zoo.Optimizer"]

-- An error positioned at the user's code (the innermost frame outside this file).
local function fail(message)
  error(core.where() .. message, 0)
end

-- Budgets of sandboxed code per call from trusted code (an entry's chunk, a block slot, a forward,
-- a metamethod): Lua instructions (and pattern-matching steps), and bytes above those in use when
-- the call starts. README ("Zoo entries (configs) and the sandbox") states them.
local SANDBOX = { instructions = 50000000, bytes = 256 * 1024 * 1024, tensor_bytes = 1024 * 1024 * 1024 }
-- `stackzoo list` reads every entry's description on a smaller one.
local LIST_SANDBOX = { instructions = 5000000, bytes = 32 * 1024 * 1024, tensor_bytes = 64 * 1024 * 1024 }
local guard  -- guard(f, limits): see the sandbox section

-- MARK: - Tensors ----------------------------------------------------------------------------

local Tensor = {}
for _, name in ipairs {
  "shape", "size", "dim", "numel", "item", "values", "get", "set",
  "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt",
  "relu", "leaky_relu", "sigmoid", "tanh", "glu", "gelu", "softmax", "layer_norm",
  "matmul", "bmm", "linear", "conv2d", "upsample", "replicate", "transpose", "permute", "reshape", "slice", "split",
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
    -- The class is not a field: code holding a module (sandboxed code too) cannot swap its methods.
    v = k ~= "__class" and rawget(fields, k) or nil
    if v ~= nil then return v end
    local class = rawget(fields, "__class")
    v = class and rawget(class, k)
    if v ~= nil then return v end
  end
  return Module[k]
end
ModuleMT.__newindex = function(m, k, v)
  if type(k) ~= "string" then fail("module fields are named by strings") end
  if k == "__class" then fail("cannot set '__class' of a module (its class is fixed by nn.define)") end
  if core.is_tensor(v) or core.is_module(v) then return core.module_set(m, k, v) end
  local fields = core.module_fields(m)
  if not fields then fail("cannot set field '" .. k .. "' on " .. core.type_name(m) .. " (only tensors and modules)") end
  -- A function stored by sandboxed code keeps the sandbox's limits when trusted code calls it.
  if type(v) == "function" and core.in_sandbox() then v = guard(v, SANDBOX) end
  rawset(fields, k, v)
end
ModuleMT.__call = function(m, ...) return m:forward(...) end
ModuleMT.__tostring = core.module_tostring
ModuleMT.__name = "module"

for _, name in ipairs { "Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GLU", "Upsample",
                         "GELU", "LayerNorm", "Embedding" } do
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
zoo.project_root = root   -- the folder holding zoo/ and scripts/

-- MARK: - Sandbox ----------------------------------------------------------------------------
-- Sandboxed code (zoo entries, the modules they require, checkpoint metadata) sees only pure
-- functions, and runs on a budget (SANDBOX) whenever it runs: the chunk, and every function that
-- leaves the sandbox (block slots, nn.define methods, metamethods), is called from trusted code
-- through core.sandbox_call, which sets the budget and restores the enclosing one afterwards.

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local raw_getmetatable, raw_setmetatable = debug.getmetatable, debug.setmetatable

-- What guard() made (weak keys) -> the function it guards: nothing is wrapped twice, and a
-- resolved config can still be written back with the guarded function's source.
local guarded = setmetatable({}, { __mode = "k" })
local export

--- guard(f, limits): f, except that when trusted code calls it, it runs on a fresh sandbox budget
--- and what it returns is exported (inside a sandbox, f just runs on the budget there).
guard = function(f, limits)
  if guarded[f] then return f end
  local instructions, bytes = limits.instructions, limits.bytes
  local g = function(...)
    if core.in_sandbox() then return f(...) end
    return export(limits, core.sandbox_call(instructions, bytes, f, ...))
  end
  guarded[g] = f
  return g
end

-- A value leaving the sandbox: tables are copied (so sandboxed code holds no handle on what trusted
-- code reads; sharing and cycles are kept), functions are guarded; metatables stay (the sandbox's
-- setmetatable installs guarded ones). Raw accesses only: no sandboxed code runs here.
local function export_value(v, limits)
  if type(v) == "function" then return guard(v, limits) end
  if type(v) ~= "table" then return v end
  local copies, pending = { [v] = {} }, { v }
  while #pending > 0 do
    local t = pending[#pending]
    pending[#pending] = nil
    local c = copies[t]
    for k, x in next, t do
      if type(x) == "table" then
        if copies[x] == nil then copies[x] = {}; pending[#pending + 1] = x end
        x = copies[x]
      elseif type(x) == "function" then
        x = guard(x, limits)
      end
      rawset(c, k, x)
    end
    local mt = raw_getmetatable(t)
    if mt ~= nil then raw_setmetatable(c, mt) end
  end
  return copies[v]
end

export = function(limits, ...)
  local n = select("#", ...)
  if n == 1 then return export_value((...), limits) end
  local values = table.pack(...)
  for i = 1, n do values[i] = export_value(values[i], limits) end
  return table.unpack(values, 1, n)
end

-- The sandbox's string methods (also what ("").method finds while sandboxed code runs): no dump,
-- and pattern matching and rep that charge the instruction budget.
local SANDBOX_STRING = copy(string)
SANDBOX_STRING.dump = nil
for _, k in ipairs { "find", "match", "gmatch", "gsub", "rep" } do SANDBOX_STRING[k] = core.bounded[k] end
core.set_sandbox_string_methods(SANDBOX_STRING)

-- Metatables the sandbox installed -> "protected" (its own metatable had a __metatable) or "open".
local proxies = setmetatable({}, { __mode = "k" })

-- The sandbox's setmetatable: installs a copy of `mt` whose functions are guarded (so trusted code
-- that triggers a metamethod runs it on a budget), and refuses __gc (finalizers run at any time).
-- getmetatable still gives `mt` (or its __metatable); changing `mt` afterwards changes nothing.
local function sandbox_setmetatable(limits)
  return function(t, mt)
    if type(t) ~= "table" then fail("bad argument #1 to 'setmetatable' (table expected, got " .. type(t) .. ")") end
    if mt ~= nil and type(mt) ~= "table" then fail("bad argument #2 to 'setmetatable' (nil or table expected)") end
    local current = raw_getmetatable(t)
    if current ~= nil and (proxies[current] == "protected" or (proxies[current] == nil and rawget(current, "__metatable") ~= nil)) then
      fail("cannot change a protected metatable")
    end
    if mt == nil then return raw_setmetatable(t, nil) end
    if rawget(mt, "__gc") ~= nil then
      fail("setmetatable: '__gc' is not allowed in a config (finalizers run at any time, outside the sandbox's limits)")
    end
    local installed = {}
    for k, v in next, mt do rawset(installed, k, type(v) == "function" and guard(v, limits) or v) end
    local protection = rawget(mt, "__metatable")
    rawset(installed, "__metatable", protection ~= nil and protection or mt)
    proxies[installed] = protection ~= nil and "protected" or "open"
    return raw_setmetatable(t, installed)
  end
end

-- The parts of zoo a config may use: pure computation, no files, no process settings. nn.define
-- takes a copy of the class whose functions are guarded (Swift calls forward later).
local function pure_zoo(limits)
  local z = {}
  for _, k in ipairs { "tensor", "zeros", "ones", "full", "randn", "rand", "cat", "is_tensor", "no_grad", "version" } do z[k] = zoo[k] end
  z.nn = copy(nn)
  z.nn.ModuleMethods = copy(Module)  -- the real table is every module's
  -- The constructor keeps its own copy of the class: the sandbox gets back a table of its own
  -- (holding its `class`), whose __call is guarded like any metamethod it sets.
  z.nn.define = function(name, class)
    local construct = nn.define(name, type(class) == "table" and export_value(class, limits) or class)
    return sandbox_setmetatable(limits)({ class = class, name = name }, { __call = function(_, ...) return construct(...) end })
  end
  return z
end

local SAFE_GLOBALS = {
  "assert", "error", "ipairs", "next", "pairs", "select", "tonumber", "tostring", "type",
  "rawequal", "rawget", "rawlen", "rawset", "print",
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

--- A fresh sandbox environment: safe base functions (pcall and xpcall cannot catch a spent
--- budget), copies of string/table/math/utf8 (bounded pattern matching, rep and move), the pure
--- zoo, and a `require` that loads only project modules (zoo/NAME.lua, scripts/lib/NAME.lua),
--- themselves sandboxed.
local function sandbox(limits)
  local env = {}
  for _, k in ipairs(SAFE_GLOBALS) do env[k] = _G[k] end
  env.pcall, env.xpcall = core.sandbox_pcall, core.sandbox_xpcall
  env.setmetatable = sandbox_setmetatable(limits)
  env.getmetatable = function(x) if type(x) == "table" then return getmetatable(x) end return nil end
  env.string = copy(SANDBOX_STRING)
  env.table, env.math, env.utf8 = copy(table), copy(math), copy(utf8)
  env.table.move = core.bounded.move
  env.zoo = pure_zoo(limits)
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
zoo.sandbox = function() return sandbox(SANDBOX) end

--- Runs `source` as a sandboxed chunk named `path` on the budget `limits` (default SANDBOX);
--- returns its results, exported.
local function run_sandboxed(source, path, env, limits)
  limits = limits or SANDBOX
  local chunk, err = load(source, "@" .. path, "t", env or sandbox(limits))
  if not chunk then error(err, 0) end
  -- The tensors the chunk makes count against its tensor budget (refused past it, named).
  local previous = core.set_tensor_budget(limits.tensor_bytes)
  local results = table.pack(pcall(core.sandbox_call, limits.instructions, limits.bytes, chunk))
  core.set_tensor_budget(previous)
  if not results[1] then error(results[2], 0) end
  return export(limits, table.unpack(results, 2, results.n))
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

-- The values of a resolved config at a schema's flat dotted keys.
local function flat_values(flat, cfg)
  local values = {}
  for key in pairs(flat) do
    local v = cfg
    -- (not `x and v[part] or nil`: that idiom turns a configured `false` into nil)
    for part in key:gmatch("[^%.]+") do
      if type(v) == "table" then v = v[part] else v = nil end
    end
    if v ~= nil then values[key] = v end
  end
  return values
end

-- Compiled plugins: their schema comes from Swift (flat dotted keys); build goes through core.
local function register_compiled(name, summary)
  local flat = {}
  for key, f in pairs(core.registry_schema(name)) do flat[key] = { type = f.type, default = f.default, doc = f.doc } end
  registry[name] = {
    name = name, summary = summary, flat = flat, origin = "compiled",
    build = function(cfg) return zoo._wrap_compiled(core.build_model(name, flat_values(flat, cfg))) end,
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
  --- With arch.text_standardize: whether the statistics are set, and the mean and std [T];
  --- nothing (false) for a model that does not standardise its text.
  function model:text_statistics() return core.model_text_statistics(self.handle) end
  function model:set_text_statistics(mean, std) core.model_set_text_statistics(self.handle, mean, std) end
  return model
end

--- zoo.load_checkpoint(path): rebuilds the model a checkpoint was written from — from the resolved
--- config it carries (Lua source: any model, block slots included), or from a compiled model's flat
--- config (converted official checkpoints) — and loads its state. Returns the model and metadata.
function zoo.load_checkpoint(path)
  local meta = core.checkpoint_metadata(path)
  local source = meta["stackzoo.config_lua"]
  if source then
    local model = zoo.model((zoo.config(path .. " (config)", {}, source)), nil, { text_statistics = false })
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

-- Raw (no metamethod runs): configs come from sandboxed code.
local function is_sequence(t)
  if type(t) ~= "table" then return false end
  local n = 0
  for _ in next, t do n = n + 1 end
  return n == rawlen(t) and n > 0
end

-- Where `t` contains itself: the dotted key of a table that is one of its own ancestors, and
-- that ancestor's key ("" for `t`); nil when there is no cycle. Each table is walked once.
local function find_cycle(t)
  local path, done = { [t] = "" }, {}
  local function walk(u, prefix)
    for k, v in next, u do
      if type(v) == "table" and not done[v] then
        local key = prefix == "" and tostring(k) or (prefix .. "." .. tostring(k))
        if path[v] then return key, path[v] end
        path[v] = key
        local a, b = walk(v, key)
        if a then return a, b end
        path[v], done[v] = nil, true
      end
    end
  end
  return walk(t, "")
end

-- "'arch.me' is 'arch' again" / "'me' is the whole config again" (`whole` names the top table).
local function describe_cycle(key, ancestor, whole)
  return "'" .. key .. "' is " .. (ancestor == "" and ("the whole " .. (whole or "config")) or ("'" .. ancestor .. "'")) .. " again"
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

-- The most values a merge copies: shared sub-tables are copied once per path to them, so a small
-- config that shares tables level after level would otherwise grow exponentially.
local MERGE_VALUES = 1000000

-- Deep merge: tables merge key by key (sequences and functions are replaced), the child wins.
-- Every table is copied, so a merged config never aliases its parent's tables. Raw accesses (the
-- tables come from sandboxed code); `from` holds no cycle (load_entry checks); `count` ({n = 0})
-- counts the values copied.
local function merge(into, from, origins, origin_of, prefix, count)
  for k, v in next, from do
    local path = prefix and (prefix .. "." .. tostring(k)) or tostring(k)
    count.n = count.n + 1
    if count.n > MERGE_VALUES then error(origin_of(path, k) .. ": the config is too large (more than a million values)", 0) end
    if type(v) == "table" and not is_sequence(v) then
      if type(into[k]) ~= "table" or is_sequence(into[k]) then into[k] = {} end
      merge(into[k], v, origins, origin_of, path, count)
    else
      into[k] = v
      origins[path] = origin_of(path, k)
    end
  end
end

-- `extends` is written in a shared file, so it may name only a zoo entry (zoo/NAME.lua) or a file
-- inside the project, never a path outside it (an absolute one elsewhere, or one going up with ..).
local function resolve_extends(name, where)
  local function refuse(why)
    local shown = name:gsub("%c", function(c) return "\\" .. c:byte() end)
    error(where .. ": 'extends' must name a zoo entry or a file inside the project; '" .. shown .. "' " .. why, 0)
  end
  if name:find("\0", 1, true) then refuse("holds a zero byte") end
  for part in name:gmatch("[^/]+") do
    if part == ".." then refuse("goes up with '..'") end
  end
  if name:sub(1, 1) == "/" then
    if name:sub(1, #root + 1) ~= root .. "/" then refuse("is outside the project (" .. root .. ")") end
    if file_exists(name) then return name end
  end
  for _, candidate in ipairs { root .. "/zoo/" .. name .. ".lua", root .. "/" .. name, root .. "/" .. name .. ".lua" } do
    if name:sub(1, 1) ~= "/" and file_exists(candidate) then return candidate end
  end
  local hint = core.closest(name, core.list_entries(root .. "/zoo"))
  error(where .. ": 'extends': unknown zoo entry '" .. name .. "'" .. (hint and (" (did you mean '" .. hint .. "'?)") or ""), 0)
end

-- Loads one entry file (sandboxed) and its `extends` chain; returns the merged table and origins.
-- `inline` (optional) is the entry's source text, `name` then only labels it (a checkpoint's config).
local inline_sources = {}   -- chunk name -> source of entries given as text (checkpoint configs)

-- `file` is a resolved entry file (or, with `inline`, only a label); `limits` the sandbox budget
-- of each file in the chain (default SANDBOX).
local function load_entry(file, seen, inline, limits)
  -- Messages name files relative to the project when they are inside it.
  local path = file:sub(1, #root + 1) == root .. "/" and file:sub(#root + 2) or file
  if inline then inline_sources[path] = inline end
  seen = seen or {}
  if seen[file] then error(path .. ": 'extends' makes a cycle", 0) end
  seen[file] = true
  local source, err = inline, nil
  if not source then source, err = read_file(file) end
  if not source then error(path .. ": " .. tostring(err), 0) end
  local cfg = run_sandboxed(source, path, nil, limits)
  if type(cfg) ~= "table" then error(path .. ": a zoo entry must return a table, got " .. type(cfg), 0) end
  local cycle, ancestor = find_cycle(cfg)
  if cycle then error(path .. ": the config contains itself: " .. describe_cycle(cycle, ancestor), 0) end
  local merged, origins = {}, {}
  local extends = rawget(cfg, "extends")
  if extends ~= nil then
    local where = path .. ":" .. (line_of(source, "extends") or 1)
    if type(extends) ~= "string" then error(where .. ": 'extends' must be an entry name (string)", 0) end
    merged, origins = load_entry(resolve_extends(extends, where), seen, nil, limits)
  end
  local function origin_of(p, key)
    local parts = split_path(p)
    local line = line_of(source, tostring(key), #parts > 1 and parts[1] or nil)
    return path .. (line and (":" .. line) or "")
  end
  merge(merged, cfg, origins, origin_of, nil, { n = 0 })
  merged.extends, origins.extends = nil, nil
  return merged, origins, path, source
end

local function_source   -- (defined with the serialiser below)

-- A block-slot function is saved into the run's config.lua as its own source text, so it must be
-- self-contained (no upvalue but _ENV) and its text must read back as a function.
local function check_slot(f, key, where)
  for i = 1, math.huge do
    local name = debug.getupvalue(guarded[f] or f, i)
    if name == nil then break end
    if name ~= "_ENV" then
      error(string.format("%s: '%s' uses '%s', a local variable outside the function; block slots are saved into the run's config.lua as their own text, so write the function inline (%s = function(...) ... end) and make what it needs inside it (e.g. local nn = zoo.nn)",
        where, key, name, key:match("[^.]+$")), 0)
    end
  end
  if not function_source(f) then
    error(string.format("%s: '%s': cannot read the function back from its file (write it as %s = function(...) ... end, on lines of its own)",
      where, key, key:match("[^.]+$")), 0)
  end
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
  local cycle, ancestor = nil, nil
  if type(value) == "table" then cycle, ancestor = find_cycle(value) end
  if cycle then error("--set " .. path .. "=" .. text .. ": the value contains itself: " .. describe_cycle(cycle, ancestor, "value"), 0) end
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

local config_origins = setmetatable({}, { __mode = "k" })   -- resolved config -> its origins

-- A model's build error that names a config key ("train.batch = 1: ...") is positioned at
-- where that key was set (the entry's file:line, or --set) instead of at the caller.
local function position_at_origin(message, cfg, flat)
  local origins = config_origins[cfg]
  if not origins or type(message) ~= "string" then return message end
  local best
  for key in pairs(flat) do
    if (not best or #key > #best) and message:find(key, 1, true) and origins[key] then best = key end
  end
  if not best then return message end
  local where = origins[best] == "--set" and ("--set " .. best) or origins[best] == "default" and ("default of " .. best) or origins[best]
  return where .. ": " .. message:gsub("^[^\n]-:%d+: ", "", 1)
end

--- zoo.config(entry, overrides[, source]): loads a zoo entry in the sandbox, follows `extends`,
--- applies `overrides` ({"train.batch=8", ...}), checks every key and type against the model's
--- schema, and fills defaults. With `source`, that text is the entry and `entry` only names it.
--- Returns the resolved config, origins (dotted key -> "file:line", "default" or "--set"), and the
--- entry's path.
function zoo.config(entry, overrides, source)
  local cfg, origins, path = load_entry(source and entry or zoo.resolve_entry(entry), nil, source)
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
        if type(v) == "function" then check_slot(v, key, where) end
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
  config_origins[cfg] = origins
  return cfg, origins, path
end

--- zoo.flat_config(entry, overrides): the model an entry names and its resolved values at the
--- schema's flat keys ({["arch.gf"] = 64, ...}), for building a compiled model from Swift.
function zoo.flat_config(entry, overrides)
  local cfg = zoo.config(entry, overrides)
  return cfg.model, flat_values(registry[cfg.model].flat, cfg)
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

--- zoo.model(cfg [, overrides [, opts]]): builds the model a resolved config names (or an entry
--- name / config table, which is resolved first). Checks that the model provides its contract.
--- opts.initialize = false builds the structure only: every weight zero, nothing drawn (for
--- parameter counts and FLOPs; such a model is not for training). A model with
--- arch.text_standardize takes the text statistics of its config's data unless
--- opts.text_statistics = false.
function zoo.model(cfg, overrides, opts)
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
  local structure_only = type(opts) == "table" and opts.initialize == false
  local previous = core.set_structure_only(structure_only)
  local ok, model = pcall(spec.build, cfg)
  core.set_structure_only(previous)
  if not ok then error(position_at_origin(model, cfg, spec.flat), 0) end
  -- A model that standardises its text takes the statistics of its config's data (the training
  -- split), when that dataset is there; a checkpoint or the trainer may set them again.
  local wants_stats = not structure_only and not (type(opts) == "table" and opts.text_statistics == false)
  if wants_stats and type(model) == "table" and model.text_statistics and model:text_statistics() then
    local got, mean, std = pcall(zoo.data.text_statistics, cfg.data or {})
    if got and mean:size(1) == model.text_dim then model:set_text_statistics(mean, std) end
  end
  -- A text model's config records which text encoder made its embeddings (so its checkpoints
  -- can embed free text with the same one later), when the data table or its file name says.
  if type(model) == "table" and model.text_dim and type(cfg.data) == "table" and cfg.data.text_encoder == nil then
    local got, name = pcall(zoo.data.text_encoder, cfg.data)
    if got and name then cfg.data.text_encoder = name end
  end
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

-- The config's leaves as {key = "a.b", value = v}; a table that contains itself is a leaf where it
-- comes back (`ancestors` holds the tables on the way down).
local function leaves(t, prefix, out, ancestors)
  ancestors = ancestors or { [t] = true }
  for k, v in next, t do
    local key = prefix and (prefix .. "." .. tostring(k)) or tostring(k)
    if type(v) == "table" and not is_sequence(v) and next(v) ~= nil and not ancestors[v] then
      ancestors[v] = true
      leaves(v, key, out, ancestors)
      ancestors[v] = nil
    else
      out[#out + 1] = { key = key, value = v }
    end
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
  local model = zoo.model(cfg, nil, { initialize = false })
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
  if model.text_statistics and model:text_statistics() then   -- identity statistics: only FLOPs count here
    model:set_text_statistics(zoo.zeros(model.text_dim), zoo.ones(model.text_dim))
  end
  local ok, flops = pcall(core.count_flops, function() return model:sample { n = 1, seed = 0, condition = condition } end)
  if ok then
    add(string.format("sampling: %.3f GFLOPs per image (conv, linear and matmul forward FLOPs)", flops / 1e9))
  else
    add("sampling: FLOPs not measured (" .. tostring(flops) .. ")")
  end
  return table.concat(out, "\n")
end

--- The text-embedding size the model of an entry (or resolved config) takes (nil: not
--- text-conditioned), from its structure alone.
function zoo.text_dim(entry, overrides)
  return zoo.model(entry, overrides, { initialize = false }).text_dim
end

--- The one-line description of an entry (its `description`, following `extends`).
function zoo.entry_description(name)
  local ok, cfg = pcall(function() return load_entry(zoo.resolve_entry(name), nil, nil, LIST_SANDBOX) end)
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
  rename = core.rename,
  remove_stale_temporaries = core.remove_stale_temporaries,
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

--- zoo.eval.text(model, opts): how well a text model follows its captions (scripts/lib/evaluation.lua;
--- trusted scripts only). zoo.eval.sensitivity(images, k, m) is its text-sensitivity formula.
--- On features [N, D]: zoo.eval.fid(a, b); zoo.eval.kid(a, b, {subsets=100, subset_size=1000,
--- seed=0}) -> mean, std; zoo.eval.inception_score(probs [N, C], {splits=10}) -> mean, std.
local eval_core = { fid = core["eval.fid"], kid = core["eval.kid"], inception_score = core["eval.inception_score"] }
zoo.eval = setmetatable({}, { __index = function(_, k) return eval_core[k] or require("evaluation")[k] end })

-- The source text of a function defined in a file (for writing resolved configs back as Lua).
function_source = function(f)
  local info = debug.getinfo(guarded[f] or f, "S")
  if not info or info.what ~= "Lua" or info.source:sub(1, 1) ~= "@" then return nil end
  local file = info.source:sub(2)   -- entries inside the project are named relative to it
  local text = inline_sources[file] or read_file(file:sub(1, 1) == "/" and file or (root .. "/" .. file))
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
  -- `local function name(...)` / `function name(...)`: the anonymous function of the same body.
  local text = table.concat(lines, "\n"):gsub("^function%s+[%a_][%w_]*%s*%(", "function(", 1)
  if not load("return " .. text, "=(slot)", "t", {}) then return nil end
  return text
end

-- `ancestors` holds the tables being written (a table inside itself cannot be written as Lua).
local function serialize(v, indent, ancestors, key)
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
  ancestors = ancestors or {}
  if ancestors[v] then error("cannot write a table that contains itself ('" .. (key or "?") .. "') into a config", 0) end
  ancestors[v] = true
  local pad = string.rep("  ", indent + 1)
  local parts = {}
  local function path(k) return key and (key .. "." .. tostring(k)) or tostring(k) end
  if is_sequence(v) then
    for i = 1, rawlen(v) do parts[#parts + 1] = pad .. serialize(rawget(v, i), indent + 1, ancestors, path(i)) end
  else
    local keys = {}
    for k in next, v do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      local name = (type(k) == "string" and k:match("^[%a_][%w_]*$")) and k or ("[" .. serialize(k, indent + 1, ancestors, path(k)) .. "]")
      parts[#parts + 1] = pad .. name .. " = " .. serialize(rawget(v, k), indent + 1, ancestors, path(k))
    end
  end
  ancestors[v] = nil
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
--- zoo.data.caption_embeddings(data, captions): the embeddings [N, D] of N captions that images
--- of the dataset have (any split), from the embeddings file its config names; and that file.
zoo.data.caption_embeddings = core["data.caption_embeddings"]
--- zoo.data.text_statistics(data): per-dimension mean [D] and std [D] of the caption embeddings
--- of a data table's split, from its index alone (no image is opened).
zoo.data.text_statistics = core["data.text_statistics"]
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
--- ds:text_statistics(): per-dimension mean [D] and std [D] of the split's caption embeddings.
Dataset.text_statistics = core.data_text_statistics

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
--- zoo.data.text_encoder(data): the name of the text encoder that made a data table's caption
--- embeddings (its `text_encoder`, else the <tag> of its emb_<tag>.npy), or nil when neither says.
zoo.data.text_encoder = core["data.text_encoder"]
-- (end of MARK: - Data)

-- MARK: - Text encoders

local TextEncoderMT = meta["zoo.TextEncoder"]
zoo.text = {}
local encoder_fields = setmetatable({}, { __mode = "k" })  -- encoder userdata -> {name=, width=}

--- zoo.text.encoder([name]): a sentence encoder by name or tag (default: the first registered,
--- all-MiniLM-L6-v2). enc:encode{"a red apple", ...} -> [N, enc.width]; enc.name, enc.width.
--- Its weights load once per process; without them the error names the command that fetches them.
function zoo.text.encoder(name)
  if name ~= nil and type(name) ~= "string" then fail("bad argument #1 to 'text.encoder' (a name expected, got " .. type(name) .. ")") end
  local enc, n, width = core["text.encoder"](name)
  encoder_fields[enc] = { name = n, width = width }
  return enc
end

--- zoo.text.encoders(): {{name=, tag=, width=, summary=, installed=}, ...}, the registered encoders.
zoo.text.encoders = core["text.encoders"]

--- zoo.text.available([name]): whether an encoder (default: the first) is registered and installed.
function zoo.text.available(name)
  for i, e in ipairs(zoo.text.encoders()) do
    if (name == nil and i == 1) or e.name == name or e.tag == name then return e.installed end
  end
  return false
end

local TextEncoder = { encode = core["text.encode"] }
TextEncoderMT.__index = function(enc, k)
  local m = TextEncoder[k]
  if m ~= nil then return m end
  local f = encoder_fields[enc]
  if f and f[k] ~= nil then return f[k] end
  fail("text encoder has no field or method '" .. tostring(k) .. "'")
end
TextEncoderMT.__tostring = function(enc)
  local f = encoder_fields[enc] or {}
  return string.format("text encoder(%s, %d wide)", tostring(f.name), f.width or 0)
end
TextEncoderMT.__name = "text encoder"

zoo._registry = registry
package.preload["zoo"] = function() return zoo end
return zoo
