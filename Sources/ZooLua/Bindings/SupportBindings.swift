// Lua bindings of the optimiser, files (safetensors, .npy, images), seeding, threads and the registry.
import Foundation
import ZooCore
import ZooImage
internal import CLua

enum SupportBindings {
    /// Reads a Lua list of tensors (e.g. module:parameters()).
    static func tensorList(_ c: LuaCall, _ i: Int32) throws -> [Variable] {
        try c.checkTable(i)
        let n = Int(lua_rawlen(c.L, i))
        return try (0..<n).map { k in
            lua_rawgeti(c.L, i, lua_Integer(k + 1))
            defer { zl_pop(c.L, 1) }
            guard let v = Userdata.object(c.L, -1, kind: .tensor) as? Variable else { throw c.argError(i, "entry \(k + 1) is not a tensor") }
            return v
        }
    }

    static func adam(_ c: LuaCall) throws -> Adam {
        try c.object(1, .optimizer, as: Adam.self)
    }

    static let library = LuaLibrary([
        // MARK: optimiser
        ("Adam", { c in
            let params = try tensorList(c, 1)
            let o = try c.options(2, allowed: ["lr", "betas", "eps", "weight_decay"])
            let betas = try o.numbers("betas") ?? [0.9, 0.999]
            guard betas.count == 2 else { throw c.argError(2, "option 'betas' must hold two numbers") }
            let opt = Adam(params, lr: try o.float("lr", default: 1e-3), betas: (Float(betas[0]), Float(betas[1])),
                           eps: try o.float("eps", default: 1e-8), weightDecay: try o.float("weight_decay", default: 0))
            Userdata.push(c.L, opt, kind: .optimizer)
            return 1
        }),
        ("step", { c in try adam(c).step(); return 0 }),
        ("zero_grad_optim", { c in try adam(c).zeroGrad(); return 0 }),
        ("get_lr", { c in c.push(Double("\(try adam(c).lr)") ?? 0); return 1 }),
        ("set_lr", { c in
            let lr = try c.number(2)
            guard lr >= 0 else { throw c.argError(2, "learning rate must be ≥ 0") }
            try adam(c).lr = Float(lr)
            return 0
        }),

        // MARK: safetensors and .npy
        ("save", { c in
            let path = try c.string(1)
            var file = SafeTensorsFile()
            if let m = Userdata.object(c.L, 2, kind: .module) as? Module {
                for (k, v) in m.stateDict() { file.set(k, v) }
            } else {
                try c.checkTable(2)
                var names: [(String, Variable)] = []
                lua_pushnil(c.L)
                while lua_next(c.L, 2) != 0 {
                    defer { zl_pop(c.L, 1) }
                    guard lua_type(c.L, -2) == LUA_TSTRING, let v = Userdata.object(c.L, -1, kind: .tensor) as? Variable else {
                        throw c.argError(2, "tensors must be a table of name = tensor")
                    }
                    names.append((String(cString: zl_tostring(c.L, -2)), v))
                }
                for (k, v) in names.sorted(by: { $0.0 < $1.0 }) { file.set(k, SafeTensor(v.value)) }
            }
            if !c.isNoneOrNil(3) {
                try c.checkTable(3)
                lua_pushnil(c.L)
                while lua_next(c.L, 3) != 0 {
                    defer { zl_pop(c.L, 1) }
                    let vt = lua_type(c.L, -1)
                    guard lua_type(c.L, -2) == LUA_TSTRING, vt == LUA_TSTRING || vt == LUA_TNUMBER || vt == LUA_TBOOLEAN else {
                        throw c.argError(3, "metadata must be a table of name = string/number/boolean")
                    }
                    let key = String(cString: zl_tostring(c.L, -2))
                    let value: String
                    if vt == LUA_TBOOLEAN { value = lua_toboolean(c.L, -1) != 0 ? "true" : "false" }
                    else if vt == LUA_TNUMBER, let n = c.state.toSwift(-1) { value = "\(n)" }
                    else { value = String(cString: zl_tostring(c.L, -1)) }
                    file.metadata[key] = value
                }
            }
            try file.write(path: path)
            return 0
        }),
        ("load", { c in
            let file = try SafeTensorsFile.read(path: try c.string(1))
            lua_createtable(c.L, 0, Int32(file.names.count))
            for name in file.names {
                c.push(Variable(try file.tensor(name)))
                lua_setfield(c.L, -2, name)
            }
            lua_createtable(c.L, 0, Int32(file.metadata.count))
            for (k, v) in file.metadata {
                c.push(v)
                lua_setfield(c.L, -2, k)
            }
            return 2
        }),
        ("load_npy", { c in c.push(Variable(try NPY.read(path: try c.string(1)).floats())); return 1 }),

        // MARK: images
        ("image_load", { c in
            let img = try Image.load(path: try c.string(1)).rgb()
            c.push(Variable(try img.normalizedTensor()))
            return 1
        }),
        ("image_save", { c in
            let t = try c.tensor(1).value
            try Image(normalizedTensor: t).save(path: try c.string(2))
            return 0
        }),
        ("image_save_grid", { c in
            let t = try c.tensor(1).value
            let path = try c.string(2)
            let o = try c.options(3, allowed: ["nrow", "padding", "row_labels"])
            let nrow = try o.int("nrow", default: 8), padding = try o.int("padding", default: 2)
            guard nrow >= 1, padding >= 0 else { throw c.argError(3, "nrow must be ≥ 1 and padding ≥ 0") }
            let batch = t.shape.count == 3 ? try t.reshaped([1] + t.shape) : t
            guard batch.shape.count == 4 else { throw c.argError(1, "expected [B, 3, H, W] images, got \(shapeString(t.shape))") }
            let labels = try o.strings("row_labels")
            if let labels, batch.shape[0] >= 1, case let rows = gridShape(count: batch.shape[0], nrow: nrow).rows, labels.count != rows {
                throw c.argError(3, "option 'row_labels': \(labels.count) labels for a grid of \(rows) rows (\(batch.shape[0]) images, nrow = \(nrow))")
            }
            try saveGrid(batch, path: path, nrow: nrow, padding: padding, rowLabels: labels)
            return 0
        }),

        // MARK: process settings
        ("seed", { c in
            let n = try c.number(1)
            guard n >= 0, n.rounded() == n, n < 9.2e18 else { throw c.argError(1, "seed must be a non-negative integer") }
            GlobalRandom.seed(UInt64(n))
            return 0
        }),
        ("rng_state", { c in
            let words = GlobalRandom.generator.stateWords
            lua_createtable(c.L, 4, 0)
            for (k, w) in words.enumerated() {
                lua_pushinteger(c.L, lua_Integer(Int64(bitPattern: w)))
                lua_rawseti(c.L, -2, lua_Integer(k + 1))
            }
            return 1
        }),
        ("set_rng_state", { c in
            // Four 64-bit words, read as Lua integers (a Double would lose their low bits).
            try c.checkTable(1)
            var words: [UInt64] = []
            for k in 1...4 {
                lua_rawgeti(c.L, 1, lua_Integer(k))
                defer { zl_pop(c.L, 1) }
                var ok: Int32 = 0
                let w = lua_tointegerx(c.L, -1, &ok)
                guard ok != 0 else { throw c.argError(1, "a generator state is 4 integers (entry \(k) is not)") }
                words.append(UInt64(bitPattern: Int64(w)))
            }
            do { GlobalRandom.generator = try RandomGenerator(stateWords: words) } catch { throw c.argError(1, "\(error)") }
            return 0
        }),
        ("threads", { c in
            if !c.isNoneOrNil(1) {
                let n = try c.int(1)
                guard n >= 1 else { throw c.argError(1, "thread count must be ≥ 1") }
                Threads.set(n)
            }
            c.push(Threads.count)
            return 1
        }),
        ("version", { c in c.push(StackZooVersion.string); return 1 }),
        ("set_tensor_budget", { c in
            // (bytes or nil) -> the previous budget's bytes (or nil): tensors made by Lua code
            // from now on are charged to a fresh budget of that size (the sandbox's configs).
            let previous = c.state.tensorBudget?.limit
            c.state.tensorBudget = c.isNoneOrNil(1) ? nil : MemoryBudget(limit: try c.int(1), name: "the config's tensor budget")
            if let previous { c.push(previous) } else { c.pushNil() }
            return 1
        }),
        ("set_structure_only", { c in
            // Networks built while on hold zeros and draw nothing (describe, parameter counts).
            let previous = Init.structureOnly
            Init.structureOnly = try c.bool(1)
            c.push(previous)
            return 1
        }),

        // MARK: registry (the Lua side keeps Lua models; this mirrors them for the CLI)
        ("registry_add", { c in
            let name = try c.string(1), summary = try c.string(2), origin = try c.string(3)
            ModelRegistry.shared.register(name: name, summary: summary, origin: origin, schema: []) { _ in
                throw ZooError.unsupported("model '\(name)' is defined in Lua (\(origin)); build it from Lua with zoo.model")
            }
            return 0
        }),
        ("registry_list", { c in
            let entries = ModelRegistry.shared.entries
            lua_createtable(c.L, Int32(entries.count), 0)
            for (k, e) in entries.enumerated() {
                lua_createtable(c.L, 0, 3)
                c.push(e.name); lua_setfield(c.L, -2, "name")
                c.push(e.summary); lua_setfield(c.L, -2, "summary")
                c.push(e.origin); lua_setfield(c.L, -2, "origin")
                lua_rawseti(c.L, -2, lua_Integer(k + 1))
            }
            return 1
        }),
    ])
}
