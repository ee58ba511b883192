// Module state dicts: parameters and buffers by PyTorch key, to and from safetensors.

extension Module {
    /// Keys and order of PyTorch's `state_dict()`: per module its parameters, then its buffers,
    /// then its children depth first. `num_batches_tracked` is stored as I64.
    public func stateDict(prefix: String = "") -> [(String, SafeTensor)] {
        var out: [(String, SafeTensor)] = []
        for (name, m) in namedModules() {
            let base = prefix + (name.isEmpty ? "" : name + ".")
            for (n, p) in m.parameterSlots { if let p { out.append((base + n, SafeTensor(p.value))) } }
            for (n, b) in m.bufferSlots {
                if b.isInteger {
                    let values = b.value.scalars.map { Int64($0) }
                    // The count matches the shape by construction.
                    out.append((base + n, try! SafeTensor(int64: values, shape: b.value.shape)))
                } else {
                    out.append((base + n, SafeTensor(b.value)))
                }
            }
        }
        return out
    }

    /// Loads parameters and buffers stored under `prefix` in `file`.
    /// - strict: every parameter and float buffer must be present, and no extra key under `prefix`.
    ///   Missing `num_batches_tracked` is always allowed (old PyTorch checkpoints lack it).
    /// Shapes must match exactly; a rank-0 and a one-element `[1]` tensor are interchangeable.
    /// Non-finite values (NaN, ±inf) are refused, naming the file and the tensor.
    /// Errors name the key, both shapes, and (for unexpected keys) what the model does have.
    public func loadStateDict(_ file: SafeTensorsFile, prefix: String = "", strict: Bool = true) throws {
        var expected = Set<String>()
        func fetch(_ key: String, shape: [Int], optional: Bool) throws -> Tensor? {
            expected.insert(key)
            guard let st = file[key] else {
                if optional || !strict { return nil }
                throw ZooError.stateDict(message: "missing key '\(key)'\(file.path.map { " in \($0)" } ?? "")")
            }
            let t = try st.floats()
            if t.shape == shape { return t }
            if t.count == 1 && Tensor.elementCount(shape) == 1 { return try t.reshaped(shape) }
            throw ZooError.stateDict(message: "'\(key)' has shape \(shapeString(t.shape)) but the model expects \(shapeString(shape))")
        }
        // Validate everything before changing anything, so a bad file leaves the module untouched.
        var updates: [() -> Void] = []
        for (name, m) in namedModules() {
            let base = prefix + (name.isEmpty ? "" : name + ".")
            for (n, p) in m.parameterSlots {
                guard let p, let t = try fetch(base + n, shape: p.shape, optional: false) else { continue }
                updates.append { p.value = t }
            }
            for (n, b) in m.bufferSlots {
                guard let t = try fetch(base + n, shape: b.value.shape, optional: b.isInteger) else { continue }
                updates.append { b.value = t }
            }
        }
        try file.requireFinite("load", names: expected.filter { file[$0] != nil }.sorted())
        if strict {
            let extra = file.names.filter { $0.hasPrefix(prefix) && !expected.contains($0) }
            if !extra.isEmpty {
                let shown = extra.prefix(5).joined(separator: ", ") + (extra.count > 5 ? ", … (\(extra.count) in all)" : "")
                throw ZooError.stateDict(message: "unexpected key(s) \(shown)\(file.path.map { " in \($0)" } ?? "") for \(typeName)")
            }
        }
        for u in updates { u() }
    }

    /// Writes this module's state dict (under `prefix`) to a safetensors file, atomically.
    public func save(to path: String, prefix: String = "", metadata: [String: String] = [:]) throws {
        try SafeTensorsFile(tensors: stateDict(prefix: prefix), metadata: metadata).write(path: path)
    }

    /// Loads this module's state dict from a safetensors file.
    public func load(from path: String, prefix: String = "", strict: Bool = true) throws {
        try loadStateDict(SafeTensorsFile.read(path: path), prefix: prefix, strict: strict)
    }
}
