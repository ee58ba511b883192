// Lua bindings of tensors and ops: construction, element access, arithmetic, the engine ops, autograd.
import Foundation
import ZooCore
internal import CLua

enum TensorBindings {
    /// Lua dims are 1-based (torch7): 1 is the batch axis; negatives count from the end.
    static func dim(_ call: LuaCall, _ i: Int32, rank: Int) throws -> Int {
        let d = try call.int(i)
        if d < 0 { return d }
        guard d >= 1, d <= rank else { throw call.argError(i, "dimension \(d) out of range for a tensor of rank \(rank)") }
        return d - 1
    }

    /// Reads nested Lua tables of numbers into (shape, values).
    static func nested(_ call: LuaCall, _ i: Int32) throws -> ([Int], [Float]) {
        let L = call.L
        var values: [Float] = []
        func walk(_ idx: Int32, depth: Int) throws -> [Int] {
            guard depth < 16 else { throw call.argError(i, "nesting too deep") }
            let n = Int(lua_rawlen(L, idx))
            if n == 0 { return [0] }
            var inner: [Int]? = nil
            for k in 1...n {
                lua_rawgeti(L, idx, lua_Integer(k))
                defer { zl_pop(L, 1) }
                let top = lua_gettop(L)
                switch lua_type(L, top) {
                case LUA_TNUMBER:
                    guard inner == nil || inner! == [] else { throw call.argError(i, "ragged nested table (entry \(k))") }
                    inner = []
                    values.append(Float(lua_tonumberx(L, top, nil)))
                case LUA_TTABLE:
                    let s = try walk(top, depth: depth + 1)
                    guard inner == nil || inner! == s else { throw call.argError(i, "ragged nested table (entry \(k))") }
                    inner = s
                default:
                    throw call.argError(i, "tensor data must be numbers (entry \(k) is \(String(cString: zl_typename(L, top))))")
                }
            }
            return [n] + (inner ?? [])
        }
        try call.checkTable(i)
        let shape = try walk(i, depth: 0)
        return (shape, values)
    }

    static func newLeaf(_ call: LuaCall, _ t: Tensor, options i: Int32) throws -> Int32 {
        let opts = try call.options(i, allowed: ["requires_grad"])
        call.push(Variable(t, requiresGrad: try opts.bool("requires_grad", default: false)))
        return 1
    }

    /// A shape from a table or from the leading numeric arguments, and the index after it.
    static func shapeAndNext(_ call: LuaCall, _ i: Int32) throws -> ([Int], Int32) {
        let s = try call.shape(from: i)
        return (s, call.type(i) == LUA_TTABLE ? i + 1 : i + Int32(s.count))
    }

    static func unary(_ name: String, _ f: @escaping (Variable) throws -> Variable) -> (String, LuaBody) {
        (name, { c in c.push(try f(try c.tensor(1))); return 1 })
    }

    static func binary(_ name: String, _ f: @escaping (Variable, Variable) throws -> Variable) -> (String, LuaBody) {
        (name, { c in c.push(try f(try c.tensorOrNumber(1), try c.tensorOrNumber(2))); return 1 })
    }

    static let library = LuaLibrary([
        // MARK: construction
        ("tensor", { c in
            let (shape, values) = try nested(c, 1)
            return try newLeaf(c, try Tensor(shape: shape, data: values), options: 2)
        }),
        ("zeros", { c in let (s, n) = try shapeAndNext(c, 1); return try newLeaf(c, Tensor(zeros: s), options: n) }),
        ("ones", { c in let (s, n) = try shapeAndNext(c, 1); return try newLeaf(c, Tensor(shape: s, repeating: 1), options: n) }),
        ("full", { c in
            try c.checkTable(1)
            let shape = try c.shape(from: 1)
            return try newLeaf(c, Tensor(shape: shape, repeating: try c.float(2)), options: 3)
        }),
        ("randn", { c in let (s, n) = try shapeAndNext(c, 1); return try newLeaf(c, Tensor.randn(s), options: n) }),
        ("rand", { c in let (s, n) = try shapeAndNext(c, 1); return try newLeaf(c, Tensor.uniform(s), options: n) }),

        // MARK: inspection
        ("shape", { c in c.push(shape: try c.tensor(1).shape); return 1 }),
        ("size", { c in
            let t = try c.tensor(1)
            if c.isNoneOrNil(2) { c.push(shape: t.shape); return 1 }
            let d = try dim(c, 2, rank: t.shape.count)
            c.push(t.shape[d < 0 ? d + t.shape.count : d])
            return 1
        }),
        ("dim", { c in c.push(try c.tensor(1).shape.count); return 1 }),
        ("numel", { c in c.push(try c.tensor(1).value.count); return 1 }),
        ("item", { c in
            let t = try c.tensor(1)
            guard t.value.count == 1 else { throw c.argError(1, "item() needs a one-element tensor, got shape \(shapeString(t.shape))") }
            c.push(Double(t.value.item))
            return 1
        }),
        ("values", { c in
            let t = try c.tensor(1).value
            try c.reserve(bytes: t.count * 16)  // a table slot per value
            lua_createtable(c.L, Int32(t.count), 0)
            for i in 0..<t.count {
                lua_pushnumber(c.L, Double(t[flat: i]))
                lua_rawseti(c.L, -2, lua_Integer(i + 1))
            }
            return 1
        }),
        ("get", { c in
            let t = try c.tensor(1)
            c.push(Double(t.value[flat: try flatIndex(c, t.shape, from: 2)]))
            return 1
        }),
        ("set", { c in
            let t = try c.tensor(1)
            let v = try c.float(2)
            let i = try flatIndex(c, t.shape, from: 3)
            try t.value.set(flat: i, to: v)
            return 0
        }),
        ("tostring", { c in c.push(describe(try c.tensor(1))); return 1 }),

        // MARK: arithmetic
        binary("add") { try $0 + $1 },
        binary("sub") { try $0 - $1 },
        binary("mul") { try $0 * $1 },
        binary("div") { try $0 / $1 },
        unary("neg") { try -$0 },
        ("pow", { c in c.push(try c.tensor(1).pow(try c.float(2))); return 1 }),
        unary("exp") { try $0.exp() },
        unary("log") { try $0.log() },
        unary("sqrt") { try $0.sqrt() },
        unary("relu") { try $0.relu() },
        ("leaky_relu", { c in c.push(try c.tensor(1).leakyRelu(Float(try c.optNumber(2, 0.01)))); return 1 }),
        unary("sigmoid") { try $0.sigmoid() },
        unary("tanh") { try $0.tanh() },
        unary("glu") { try $0.glu() },
        unary("gelu") { try $0.gelu() },
        ("softmax", { c in
            // t:softmax([mask]): over the last dimension; mask [B, L] of 1 (keep) and 0 (padding).
            let mask = c.isNoneOrNil(2) ? nil : try c.tensor(2).value
            c.push(try c.tensor(1).softmax(keyMask: mask))
            return 1
        }),
        ("layer_norm", { c in
            let eps = try c.options(4, allowed: ["eps"]).float("eps", default: 1e-5)
            c.push(try c.tensor(1).layerNorm(gamma: try c.tensor(2), beta: try c.tensor(3), eps: eps))
            return 1
        }),

        // MARK: linear algebra and convolution
        binary("matmul") { try $0.matmul($1) },
        binary("bmm") { try $0.bmm($1) },
        ("linear", { c in
            let b = c.isNoneOrNil(3) ? nil : try c.tensor(3)
            c.push(try c.tensor(1).linear(weight: try c.tensor(2), bias: b))
            return 1
        }),
        ("conv2d", { c in
            let b = c.isNoneOrNil(3) ? nil : try c.tensor(3)
            let o = try c.options(4, allowed: ["stride", "padding"])
            c.push(try c.tensor(1).conv2d(weight: try c.tensor(2), bias: b, stride: try o.int("stride", default: 1),
                                          padding: try o.int("padding", default: 0)))
            return 1
        }),

        // MARK: layout
        ("upsample", { c in
            let o = try c.options(2, allowed: ["scale"])
            let t = try c.tensor(1), scale = try o.int("scale", default: 2)
            c.push(try t.upsampleNearest(scale: scale))
            return 1
        }),
        ("replicate", { c in
            let t = try c.tensor(1), h = try c.int(2), w = try c.int(3)
            c.push(try t.replicate(height: h, width: w))
            return 1
        }),
        unary("transpose") { try $0.transposed() },
        ("reshape", { c in
            let t = try c.tensor(1)
            c.push(try t.reshaped(try intsFromTableOrArguments(c, from: 2)))
            return 1
        }),
        ("permute", { c in
            // t:permute(dims...) or t:permute({dims}): 1-based dims (negatives from the end), as torch's permute.
            let t = try c.tensor(1)
            let dims = try intsFromTableOrArguments(c, from: 2).map { d in
                guard d != 0, abs(d) <= t.shape.count else {
                    throw c.argError(2, "dimension \(d) out of range for a tensor of rank \(t.shape.count)")
                }
                return d < 0 ? d : d - 1
            }
            c.push(try t.permute(dims))
            return 1
        }),
        ("slice", { c in
            let t = try c.tensor(1)
            let d = try dim(c, 2, rank: t.shape.count)
            let start = try c.int(3)
            guard start >= 1 else { throw c.argError(3, "start index must be ≥ 1 (Lua indices are 1-based)") }
            c.push(try t.slice(axis: d, start: start - 1, length: try c.int(4)))
            return 1
        }),
        ("split", { c in
            let t = try c.tensor(1)
            let sizes = try rawInts(c, 2)
            let parts = try t.split(sizes: sizes, axis: try dim(c, 3, rank: t.shape.count))
            lua_createtable(c.L, Int32(parts.count), 0)
            for (k, p) in parts.enumerated() {
                c.push(p)
                lua_rawseti(c.L, -2, lua_Integer(k + 1))
            }
            return 1
        }),
        ("cat", { c in
            try c.checkTable(1)
            let n = Int(lua_rawlen(c.L, 1))
            var parts: [Variable] = []
            for k in 0..<n {
                lua_rawgeti(c.L, 1, lua_Integer(k + 1))
                defer { zl_pop(c.L, 1) }
                guard let v = Userdata.object(c.L, -1, kind: .tensor) as? Variable else {
                    throw c.argError(1, "entry \(k + 1) is not a tensor")
                }
                parts.append(v)
            }
            guard let first = parts.first else { throw c.argError(1, "empty list of tensors") }
            c.push(try Variable.concat(parts, axis: try dim(c, 2, rank: first.shape.count)))
            return 1
        }),

        // MARK: reductions
        ("sum", { c in try reduce(c) { try $0.sum(axes: $1, keepDims: $2) } }),
        ("mean", { c in try reduce(c) { try $0.mean(axes: $1, keepDims: $2) } }),

        // MARK: autograd
        ("detach", { c in c.push(try c.tensor(1).detach()); return 1 }),
        ("clone", { c in
            let t = try c.tensor(1)
            var copy = t.value
            try copy.makeUnique()
            c.push(Variable(copy))
            return 1
        }),
        ("backward", { c in
            // t:backward([gradient [, retain_graph]]): the graph is freed as it goes unless retained.
            let t = try c.tensor(1)
            try t.backward(c.isNoneOrNil(2) ? nil : try c.tensor(2).value, retainGraph: c.isNoneOrNil(3) ? false : try c.bool(3))
            return 0
        }),
        ("grad", { c in
            if let g = try c.tensor(1).grad { c.push(Variable(g)) } else { c.pushNil() }
            return 1
        }),
        ("requires_grad", { c in c.push(try c.tensor(1).requiresGrad); return 1 }),
        ("set_requires_grad", { c in
            let t = try c.tensor(1)
            let on = try c.bool(2)
            guard t.isLeaf || !on else { throw c.argError(1, "only leaf tensors can be made to require gradients") }
            t.requiresGrad = on
            return 0
        }),
        ("zero_grad", { c in try c.tensor(1).zeroGrad(); return 0 }),
        ("set_grad_enabled", { c in
            let previous = GradMode.isEnabled
            GradMode.setEnabled(try c.bool(1))
            c.push(previous)
            return 1
        }),
        ("is_tensor", { c in c.push(Userdata.object(c.L, 1, kind: .tensor) != nil); return 1 }),

        // MARK: losses
        ("bce", { c in c.push(try Loss.bce(try c.tensor(1), target: try c.tensorOrNumber(2).value.broadcastTarget(try c.tensor(1).shape))); return 1 }),
        ("bce_with_logits", { c in
            c.push(try Loss.bceWithLogits(try c.tensor(1), target: try c.tensorOrNumber(2).value.broadcastTarget(try c.tensor(1).shape)))
            return 1
        }),
        binary("mse") { try Loss.mse($0, $1) },
        ("kl", { c in c.push(try Loss.kl(mu: try c.tensor(1), logvar: try c.tensor(2))); return 1 }),
        ("colour_statistics", { c in
            let (m, cov) = try Loss.colourStatistics(try c.tensor(1))
            c.push(m)
            c.push(cov)
            return 2
        }),
    ])

    static func rawInts(_ c: LuaCall, _ i: Int32) throws -> [Int] {
        try c.checkTable(i)
        let n = Int(lua_rawlen(c.L, i))
        var out: [Int] = []
        for k in 0..<n {
            lua_rawgeti(c.L, i, lua_Integer(k + 1))
            defer { zl_pop(c.L, 1) }
            var ok: Int32 = 0
            let v = lua_tonumberx(c.L, -1, &ok)
            guard ok != 0, lua_type(c.L, -1) == LUA_TNUMBER, v.rounded() == v else {
                throw c.argError(i, "entry \(k + 1) must be an integer")
            }
            out.append(Int(v))
        }
        return out
    }

    /// Integers from a table at `i`, or from the arguments `i`... (reshape's sizes, permute's dims).
    static func intsFromTableOrArguments(_ c: LuaCall, from i: Int32) throws -> [Int] {
        if c.type(i) == LUA_TTABLE { return try rawInts(c, i) }
        return try (i..<max(c.count + 1, i)).map { try c.int($0) }
    }

    /// sum/mean(t, [dims], [keepdim]): dims a number or a table of 1-based dims.
    static func reduce(_ c: LuaCall, _ f: (Variable, [Int]?, Bool) throws -> Variable) throws -> Int32 {
        let t = try c.tensor(1)
        var axes: [Int]? = nil
        if c.type(2) == LUA_TNUMBER { axes = [try dim(c, 2, rank: t.shape.count)] }
        else if c.type(2) == LUA_TTABLE {
            axes = try rawInts(c, 2).map { d in
                guard d != 0, abs(d) <= t.shape.count else { throw c.argError(2, "dimension \(d) out of range for a tensor of rank \(t.shape.count)") }
                return d < 0 ? d : d - 1
            }
        } else if !c.isNoneOrNil(2) { throw c.typeError(2, "number or table") }
        let keep = c.isNoneOrNil(3) ? false : try c.bool(3)
        c.push(try f(t, axes, keep))
        return 1
    }

    static func flatIndex(_ c: LuaCall, _ shape: [Int], from i: Int32) throws -> Int {
        let given = Int(c.count - i + 1)
        guard given == shape.count || (given == 1 && shape.count == 0) else {
            throw c.argError(i, "\(shape.count) indices expected for shape \(shapeString(shape)), got \(given)")
        }
        var flat = 0
        for (k, n) in shape.enumerated() {
            let idx = try c.int(i + Int32(k))
            guard idx >= 1 && idx <= n else { throw c.argError(i + Int32(k), "index \(idx) out of range 1..\(n)") }
            flat = flat * n + idx - 1
        }
        return flat
    }

    /// "tensor[2, 3] {0.1, 0.2, ...}" with up to 8 values, and the requires-grad flag.
    static func describe(_ v: Variable) -> String {
        let t = v.value
        let shown = (0..<min(t.count, 8)).map { i -> String in
            let x = t[flat: i]
            return x == x.rounded() && abs(x) < 1e6 ? String(Int(x)) : String(format: "%.4g", Double(x))
        }
        let more = t.count > 8 ? ", …" : ""
        return "tensor\(shapeString(v.shape)) {\(shown.joined(separator: ", "))\(more)}" + (v.requiresGrad ? " (requires grad)" : "")
    }
}

extension Tensor {
    /// A one-element target broadcast to `shape` (for BCE against a label); other targets as they are.
    func broadcastTarget(_ shape: [Int]) throws -> Tensor {
        if count == 1 && Tensor.elementCount(shape) != 1 { return try Tensor(shape: shape, repeating: self[flat: 0]) }
        return self
    }
}
