// Lua bindings of compiled models: build from a resolved config (Lua block slots become Swift
// builders), train steps, sampling, and the networks and optimisers they hold.
import ZooCore
internal import CLua

/// A Lua function kept alive in the registry, callable from Swift (for block slots).
final class LuaFunctionRef {
    private weak var state: LuaState?
    private let ref: Int32
    let name: String

    init(state: LuaState, index: Int32, name: String) {
        self.state = state
        self.name = name
        lua_pushvalue(state.L, index)
        ref = luaL_ref(state.L, zl_registryindex())
    }

    deinit {
        if let state, !state.isClosing { luaL_unref(state.L, zl_registryindex(), ref) }
    }

    /// Calls the function with integer arguments; it must return a module.
    func buildModule(_ sizes: [Int]) throws -> Module {
        guard let state, !state.isClosing else { throw ZooError.unsupported("\(name): its Lua state is gone") }
        let L = state.L
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, zl_registryindex(), lua_Integer(ref))
        for s in sizes { lua_pushinteger(L, lua_Integer(s)) }
        try state.pcall(nargs: Int32(sizes.count), nresults: 1)
        guard let m = Userdata.object(L, -1, kind: .module) as? Module else {
            throw ZooError.invalidArgument(op: name, message: "must return a module, got \(String(cString: zl_typename(L, -1)))")
        }
        return m
    }
}

/// A compiled model held by Lua.
final class ModelHandle {
    let name: String
    let model: ZooModel
    /// The flat config values it was built from (stored in its checkpoints).
    let values: [String: Any]
    init(name: String, model: ZooModel, values: [String: Any]) {
        self.name = name
        self.model = model
        self.values = values
    }
}

enum ModelBindings {
    static func handle(_ c: LuaCall) throws -> ModelHandle { try c.object(1, .model, as: ModelHandle.self) }

    /// Named tensors from a Lua table {name = tensor}.
    static func tensorTable(_ c: LuaCall, _ i: Int32) throws -> [String: Tensor] {
        try c.checkTable(i)
        var out: [String: Tensor] = [:]
        lua_pushnil(c.L)
        while lua_next(c.L, i) != 0 {
            defer { zl_pop(c.L, 1) }
            guard lua_type(c.L, -2) == LUA_TSTRING, let v = Userdata.object(c.L, -1, kind: .tensor) as? Variable else {
                throw c.argError(i, "expected a table of name = tensor")
            }
            out[String(cString: zl_tostring(c.L, -2))] = v.value
        }
        return out
    }

    /// Pushes {name = value} and the ordered list of names.
    static func pushNamed<T>(_ c: LuaCall, _ items: [(String, T)], _ push: (T) -> Void) {
        lua_createtable(c.L, 0, Int32(items.count))
        for (n, v) in items {
            push(v)
            lua_setfield(c.L, -2, n)
        }
        lua_createtable(c.L, Int32(items.count), 0)
        for (k, (n, _)) in items.enumerated() {
            c.push(n)
            lua_rawseti(c.L, -2, lua_Integer(k + 1))
        }
    }

    static let library = LuaLibrary([
        ("build_model", { c in
            let name = try c.string(1)
            try c.checkTable(2)
            var values: [String: Any] = [:]
            lua_pushnil(c.L)
            while lua_next(c.L, 2) != 0 {
                defer { zl_pop(c.L, 1) }
                guard lua_type(c.L, -2) == LUA_TSTRING else { continue }
                let key = String(cString: zl_tostring(c.L, -2))
                if lua_type(c.L, -1) == LUA_TFUNCTION {
                    let f = LuaFunctionRef(state: c.state, index: lua_gettop(c.L), name: key)
                    values[key] = { (sizes: [Int]) throws -> Module in try f.buildModule(sizes) } as BlockBuilder
                } else if let v = c.state.toSwift(-1) {
                    values[key] = v
                }
            }
            let model = try ModelRegistry.shared.make(name, values: values)
            Userdata.push(c.L, ModelHandle(name: name, model: model, values: values), kind: .model)
            return 1
        }),
        ("save_checkpoint", { c in
            let h = try handle(c)
            let path = try c.string(2)
            var metadata: [String: String] = [:]
            if !c.isNoneOrNil(3) {
                try c.checkTable(3)
                lua_pushnil(c.L)
                while lua_next(c.L, 3) != 0 {
                    defer { zl_pop(c.L, 1) }
                    guard lua_type(c.L, -2) == LUA_TSTRING, let v = c.state.toSwift(-1) else { continue }
                    metadata[String(cString: zl_tostring(c.L, -2))] = "\(v)"
                }
            }
            try Checkpoint.make(h.model, modelName: h.name, config: h.values, metadata: metadata, path: path).write(path: path)
            return 0
        }),
        ("load_checkpoint", { c in
            let file = try SafeTensorsFile.read(path: try c.string(1))
            let (name, values) = try Checkpoint.config(of: file)
            let model = try ModelRegistry.shared.make(name, values: values)
            try Checkpoint.restore(file, into: model)
            Userdata.push(c.L, ModelHandle(name: name, model: model, values: values), kind: .model)
            lua_createtable(c.L, 0, Int32(file.metadata.count))
            for (k, v) in file.metadata {
                c.push(v)
                lua_setfield(c.L, -2, k)
            }
            return 2
        }),
        ("model_info", { c in
            // image sizes (list), then text, noise and condition-noise sizes (or nil)
            let m = try handle(c).model
            c.push(shape: m.imageSizes)
            for d in [m.textDimension, m.noiseDimension, m.conditionNoiseDimension] {
                if let d { c.push(d) } else { c.pushNil() }
            }
            return 4
        }),
        ("model_networks", { c in pushNamed(c, try handle(c).model.networks) { c.push($0) }; return 2 }),
        ("model_optimizers", { c in
            pushNamed(c, try handle(c).model.optimizers) { Userdata.push(c.L, $0, kind: .optimizer) }
            return 2
        }),
        ("model_forward", { c in
            let h = try handle(c)
            let out = try h.model.forward(try c.string(2), inputs: try tensorTable(c, 3))
            pushNamed(c, out) { c.push(Variable($0)) }
            return 2
        }),
        ("model_text_statistics", { c in
            // (handle) -> needs (boolean: the model standardises its text), is_set, mean, std
            guard let s = try handle(c).model.textStandardizer else { c.push(false); return 1 }
            c.push(true)
            c.push(s.isSet)
            c.push(Variable(s.mean))
            c.push(Variable(s.std))
            return 4
        }),
        ("model_set_text_statistics", { c in
            guard let s = try handle(c).model.textStandardizer else {
                throw ZooError.invalidArgument(op: "set_text_statistics", message: "this model does not standardise its text (arch.text_standardize is off)")
            }
            try s.set(mean: try c.tensor(2).value, std: try c.tensor(3).value)
            return 0
        }),
        ("model_release_training_state", { c in
            try handle(c).model.releaseTrainingState()
            return 0
        }),
        ("model_train_step", { c in
            let losses = try handle(c).model.trainStep(try tensorTable(c, 2))
            pushNamed(c, losses) { c.push(Double($0)) }
            return 2
        }),
        ("model_sample", { c in
            let h = try handle(c)
            let o = try c.options(2, allowed: ["n", "seed", "condition", "noise", "condition_noise", "ema", "eval"])
            var request = SampleRequest(n: try o.int("n", default: 16), seed: UInt64(max(0, try o.int("seed", default: 0))),
                                        useAverage: try o.bool("ema", default: true), evalMode: try o.bool("eval", default: true))
            guard request.n >= 1 else { throw c.argError(2, "option 'n' must be ≥ 1") }
            for key in ["condition", "noise", "condition_noise"] {
                let type = o.pushField(key)
                defer { zl_pop(c.L, 1) }
                if type == LUA_TNIL { continue }
                guard let v = Userdata.object(c.L, -1, kind: .tensor) as? Variable else { throw c.argError(2, "option '\(key)' must be a tensor") }
                switch key {
                case "condition": request.condition = v.value
                case "noise": request.noise = v.value
                default: request.conditionNoise = v.value
                }
            }
            pushNamed(c, try h.model.sample(request)) { c.push(Variable($0)) }
            return 2
        }),
        ("registry_schema", { c in
            // {key = {type=, default=, doc=}} of a compiled model's schema.
            let e = try ModelRegistry.shared.entry(try c.string(1))
            lua_createtable(c.L, 0, Int32(e.schema.count))
            for f in e.schema {
                lua_createtable(c.L, 0, 3)
                c.push(f.type.rawValue); lua_setfield(c.L, -2, "type")
                c.push(f.doc); lua_setfield(c.L, -2, "doc")
                switch f.defaultValue {
                case let i as Int: c.push(i)
                case let d as Double: c.push(d)
                case let s as String: c.push(s)
                case let b as Bool: c.push(b)
                default: c.pushNil()
                }
                lua_setfield(c.L, -2, "default")
                lua_setfield(c.L, -2, f.key)
            }
            return 1
        }),
    ])
}
