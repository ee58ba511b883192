// Lua bindings of modules: the layers, Sequential, Lua-defined modules, traversal, state dicts.
import ZooCore
internal import CLua

enum NNBindings {
    static func layer(_ name: String, _ make: @escaping (LuaCall) throws -> Module) -> (String, LuaBody) {
        (name, { c in c.push(try make(c)); return 1 })
    }

    /// Pushes a sequence of (name, value) pairs as {{name, value}, ...}.
    static func pushPairs<T>(_ c: LuaCall, _ items: [(String, T)], _ pushValue: (T) -> Void) {
        lua_createtable(c.L, Int32(items.count), 0)
        for (k, (n, v)) in items.enumerated() {
            lua_createtable(c.L, 2, 0)
            c.push(n)
            lua_rawseti(c.L, -2, 1)
            pushValue(v)
            lua_rawseti(c.L, -2, 2)
            lua_rawseti(c.L, -2, lua_Integer(k + 1))
        }
    }

    static let library = LuaLibrary([
        // MARK: layers (positional sizes, then an option table that rejects unknown keys)
        layer("Linear") { c in
            let o = try c.options(3, allowed: ["bias"])
            return try Linear(try c.size(1), try c.size(2), bias: try o.bool("bias", default: true))
        },
        layer("Conv2d") { c in
            let o = try c.options(3, allowed: ["kernel", "stride", "padding", "bias"])
            let k = try o.int("kernel", default: 3), s = try o.int("stride", default: 1), p = try o.int("padding", default: 0)
            guard k >= 1, s >= 1, p >= 0 else { throw c.argError(3, "kernel and stride must be ≥ 1 and padding ≥ 0") }
            return try Conv2d(try c.size(1), try c.size(2), kernelSize: k, stride: s, padding: p, bias: try o.bool("bias", default: true))
        },
        layer("BatchNorm1d") { c in
            let o = try c.options(2, allowed: ["eps", "momentum", "affine"])
            return try BatchNorm1d(try c.size(1), eps: try o.float("eps", default: 1e-5), momentum: try o.float("momentum", default: 0.1),
                               affine: try o.bool("affine", default: true))
        },
        layer("BatchNorm2d") { c in
            let o = try c.options(2, allowed: ["eps", "momentum", "affine"])
            return try BatchNorm2d(try c.size(1), eps: try o.float("eps", default: 1e-5), momentum: try o.float("momentum", default: 0.1),
                               affine: try o.bool("affine", default: true))
        },
        layer("ReLU") { _ in ReLU() },
        layer("LeakyReLU") { c in
            if c.type(1) == LUA_TNUMBER { return LeakyReLU(try c.float(1)) }
            return LeakyReLU(try c.options(1, allowed: ["slope"]).float("slope", default: 0.01))
        },
        layer("Sigmoid") { _ in Sigmoid() },
        layer("Tanh") { _ in Tanh() },
        layer("GLU") { _ in GLU() },
        layer("GELU") { _ in GELU() },
        layer("LayerNorm") { c in
            let o = try c.options(2, allowed: ["eps"])
            return try LayerNorm(try c.size(1), eps: try o.float("eps", default: 1e-5))
        },
        layer("Embedding") { c in
            _ = try c.options(3, allowed: [])
            return try Embedding(try c.size(1), try c.size(2))
        },
        layer("Upsample") { c in
            let s = try c.options(1, allowed: ["scale"]).int("scale", default: 2)
            guard s >= 1, s <= 4096 else { throw c.argError(1, "scale must be between 1 and 4096") }
            return Upsample(scaleFactor: s)
        },
        layer("Sequential") { _ in Sequential() },
        ("lua_module", { c in
            let m = LuaModule(name: try c.string(1), state: c.state)
            c.push(m)
            return 1
        }),

        // MARK: module methods
        ("append", { c in
            guard let seq = try c.module(1) as? Sequential else { throw c.argError(1, "add() needs a Sequential") }
            seq.add(try c.module(2))
            c.push(seq)
            return 1
        }),
        ("forward_swift", { c in c.push(try c.module(1).forward(try c.tensor(2))); return 1 }),
        ("module_fields", { c in
            if let m = try c.module(1) as? LuaModule { lua_rawgeti(c.L, zl_registryindex(), lua_Integer(m.fieldsRef)) }
            else { c.pushNil() }
            return 1
        }),
        ("module_get", { c in
            let m = try c.module(1)
            if c.type(2) == LUA_TNUMBER, let seq = m as? Sequential {
                // seq[i]: the i-th child, 1-based as Lua sequences are.
                let i = try c.int(2)
                if i >= 1 && i <= seq.count { c.push(seq[i - 1]) } else { c.pushNil() }
                return 1
            }
            guard c.type(2) == LUA_TSTRING else { c.pushNil(); return 1 }
            let key = try c.string(2)
            if let p = m.parameter(key) { c.push(p) }
            else if let b = m.buffer(key) { c.push(Variable(b.value)) }
            else if let child = m.child(key) { c.push(child) }
            else { c.pushNil() }
            return 1
        }),
        ("module_set", { c in
            let m = try c.module(1)
            let key = try c.string(2)
            if let child = Userdata.object(c.L, 3, kind: .module) as? Module {
                m.register(module: child, named: key)
            } else if let t = Userdata.object(c.L, 3, kind: .tensor) as? Variable {
                if let p = m.parameter(key) {
                    guard p.shape == t.shape else {
                        throw c.argError(3, "parameter '\(key)' has shape \(shapeString(p.shape)), got \(shapeString(t.shape))")
                    }
                    p.value = t.value
                } else if let b = m.buffer(key) {
                    b.value = t.value
                } else {
                    m.register(parameter: t, named: key)
                }
            } else {
                throw c.typeError(3, "tensor or module")
            }
            return 0
        }),
        ("training", { c in try c.module(1).train(c.isNoneOrNil(2) ? true : try c.bool(2)); return 0 }),
        ("is_training", { c in c.push(try c.module(1).isTraining); return 1 }),
        ("parameters", { c in
            let ps = try c.module(1).parameters()
            lua_createtable(c.L, Int32(ps.count), 0)
            for (k, p) in ps.enumerated() {
                c.push(p)
                lua_rawseti(c.L, -2, lua_Integer(k + 1))
            }
            return 1
        }),
        ("named_parameters", { c in pushPairs(c, try c.module(1).namedParameters()) { c.push($0) }; return 1 }),
        ("named_buffers", { c in pushPairs(c, try c.module(1).namedBuffers()) { c.push(Variable($0.value)) }; return 1 }),
        ("children", { c in pushPairs(c, try c.module(1).childSlots.map { ($0.name, $0.module) }) { c.push($0) }; return 1 }),
        ("modules", { c in
            // Children first, then the module itself (the order of torch's apply).
            var list: [Module] = []
            try c.module(1).apply { list.append($0) }
            lua_createtable(c.L, Int32(list.count), 0)
            for (k, m) in list.enumerated() {
                c.push(m)
                lua_rawseti(c.L, -2, lua_Integer(k + 1))
            }
            return 1
        }),
        ("zero_grad_module", { c in try c.module(1).zeroGrad(); return 0 }),
        ("num_parameters", { c in c.push(try c.module(1).parameterCount); return 1 }),
        ("module_tostring", { c in c.push(try c.module(1).description); return 1 }),
        ("type_name", { c in c.push(try c.module(1).typeName); return 1 }),
        ("is_module", { c in c.push(Userdata.object(c.L, 1, kind: .module) != nil); return 1 }),
        ("state_dict", { c in
            let m = try c.module(1)
            lua_createtable(c.L, 0, 8)
            for (name, st) in m.stateDict() {
                c.push(Variable(try st.floats()))
                lua_setfield(c.L, -2, name)
            }
            return 1
        }),
        ("load_state_dict", { c in
            let m = try c.module(1)
            try c.checkTable(2)
            let strict = c.isNoneOrNil(3) ? true : try c.bool(3)
            var file = SafeTensorsFile()
            lua_pushnil(c.L)
            while lua_next(c.L, 2) != 0 {
                defer { zl_pop(c.L, 1) }
                guard lua_type(c.L, -2) == LUA_TSTRING, let v = Userdata.object(c.L, -1, kind: .tensor) as? Variable else {
                    throw c.argError(2, "state dict entries must be name = tensor")
                }
                file.set(String(cString: zl_tostring(c.L, -2)), SafeTensor(v.value))
            }
            try m.loadStateDict(file, strict: strict)
            return 0
        }),
    ])
}
