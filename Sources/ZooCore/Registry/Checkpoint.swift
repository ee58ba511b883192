// Checkpoints: one safetensors file with a model's networks, extra state (EMA), optimiser moments
// and metadata (format, model name, resolved config), enough to sample, describe and resume.
import Foundation

public enum Checkpoint {
    public static let format = "stackzoo-checkpoint-1"

    /// Tensors and metadata of `model`: `<network>.<key>` state dicts, the model's extra state
    /// (e.g. `netG_ema.*`), and `opt.<optimizer>.<parameter>.{exp_avg,exp_avg_sq,step}`.
    /// `config` holds the flat config values (Int, Double, String, Bool) to rebuild the model.
    /// Refuses non-finite weights (NaN or ±inf anywhere), and seals the tensors with a checksum
    /// (`stackzoo.checksum`) that every read verifies; `path` (where it will be written) labels errors.
    public static func make(_ model: ZooModel, modelName: String, config: [String: Any],
                            metadata: [String: String] = [:], path: String? = nil) throws -> SafeTensorsFile {
        try model.checkCanTrain("save")
        // The file holds a copy of every weight and of Adam's two moments: 3 floats per parameter.
        let parameters = model.networks.reduce(0.0) { $0 + Double($1.1.parameterCount) }
        try MemoryGate.check(bytes: 12 * parameters, for: "a checkpoint of \(modelName)\(path.map { " (\($0))" } ?? "")")
        var file = SafeTensorsFile()
        file.path = path
        var names: [ObjectIdentifier: String] = [:]
        for (net, module) in model.networks {
            for (k, v) in module.stateDict(prefix: net + ".") { file.set(k, v) }
            for (k, p) in module.namedParameters() { names[ObjectIdentifier(p)] = net + "." + k }
        }
        for (k, t) in model.stateTensors() { file.set(k, SafeTensor(t)) }
        for (optName, opt) in model.optimizers {
            for (p, state) in zip(opt.parameters, opt.states) {
                guard let state, let pname = names[ObjectIdentifier(p)] else { continue }
                let base = "opt.\(optName).\(pname)."
                file.set(base + "exp_avg", SafeTensor(state.expAvg))
                file.set(base + "exp_avg_sq", SafeTensor(state.expAvgSq))
                file.set(base + "step", try SafeTensor(int64: [Int64(state.step)], shape: [1]))
            }
        }
        file.metadata = metadata
        file.metadata["stackzoo.format"] = format
        file.metadata["stackzoo.model"] = modelName
        file.metadata["stackzoo.version"] = StackZooVersion.string
        file.metadata["stackzoo.config"] = try configJSON(config)
        try file.requireFinite("write")
        file.sealChecksum()
        return file
    }

    /// Loads networks (strictly), extra state and (when present) optimiser moments into `model`.
    /// Refuses a file with a NaN or ±inf in any tensor (its checksum was verified when it was read).
    public static func restore(_ file: SafeTensorsFile, into model: ZooModel) throws {
        try file.requireFinite("load")
        var names: [ObjectIdentifier: String] = [:]
        for (net, module) in model.networks {
            try module.loadStateDict(file, prefix: net + ".", strict: false)
            try checkComplete(file, module: module, prefix: net + ".")
            for (k, p) in module.namedParameters() { names[ObjectIdentifier(p)] = net + "." + k }
        }
        let extra = Dictionary(uniqueKeysWithValues: try file.names.filter { n in
            !n.hasPrefix("opt.") && !model.networks.contains { n.hasPrefix($0.0 + ".") }
        }.map { ($0, try file.tensor($0)) })
        if !extra.isEmpty || !model.stateTensors().isEmpty { try model.loadStateTensors(extra) }
        for (optName, opt) in model.optimizers {
            for (i, p) in opt.parameters.enumerated() {
                guard let pname = names[ObjectIdentifier(p)] else { continue }
                let base = "opt.\(optName).\(pname)."
                guard file[base + "exp_avg"] != nil else { continue }
                let m = try file.tensor(base + "exp_avg"), v = try file.tensor(base + "exp_avg_sq")
                guard m.shape == p.shape, v.shape == p.shape else {
                    throw ZooError.stateDict(message: "'\(base)exp_avg' has shape \(shapeString(m.shape)) but the parameter has \(shapeString(p.shape))")
                }
                let step = Int(try file[base + "step"]?.int64s().first ?? 0)
                opt.states[i] = AdamState(step: step, expAvg: m, expAvgSq: v)
            }
        }
        model.restoredFromCheckpoint()
    }

    /// Every parameter and float buffer of `module` must be in the file (old checkpoints may lack
    /// `num_batches_tracked`).
    static func checkComplete(_ file: SafeTensorsFile, module: Module, prefix: String) throws {
        for (k, _) in module.stateDict(prefix: prefix) where file[k] == nil && !k.hasSuffix("num_batches_tracked") {
            throw ZooError.stateDict(message: "missing key '\(k)'\(file.path.map { " in \($0)" } ?? "")")
        }
    }

    /// The flat config values stored in a checkpoint.
    public static func config(of file: SafeTensorsFile) throws -> (model: String, values: [String: Any]) {
        let where_ = file.path ?? "checkpoint"
        guard file.metadata["stackzoo.format"] == format else {
            throw ZooError.format(path: where_, message: "not a StackZoo checkpoint (metadata 'stackzoo.format' is \(file.metadata["stackzoo.format"].map { "'\($0)'" } ?? "missing"))")
        }
        guard let model = file.metadata["stackzoo.model"], let text = file.metadata["stackzoo.config"],
              case .object(let fields)? = try? JSONParser.parse(Array(text.utf8)) else {
            throw ZooError.format(path: where_, message: "checkpoint metadata lacks 'stackzoo.model' or a JSON object 'stackzoo.config'")
        }
        // Integers stay integers (no '.' or exponent), so typed config reads work after a round trip.
        var values: [String: Any] = [:]
        for (k, v) in fields {
            switch v {
            case .bool(let b): values[k] = b
            case .string(let s): values[k] = s
            case .number(let t): values[k] = t.contains(where: { ".eE".contains($0) }) ? Double(t) ?? 0 : Int(t) ?? Int(Double(t) ?? 0)
            default: continue
            }
        }
        return (model, values)
    }

    static func configJSON(_ values: [String: Any]) throws -> String {
        var plain: [String: Any] = [:]
        for (k, v) in values {
            switch v {
            case is Int, is Double, is String, is Bool: plain[k] = v
            case is Float: plain[k] = Double(v as! Float)
            default: continue   // functions (block slots) cannot be stored
            }
        }
        let data = try JSONSerialization.data(withJSONObject: plain, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
