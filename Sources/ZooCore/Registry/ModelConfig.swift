// Model configs as plugins see them: a schema of typed, documented fields, and the resolved values.

/// Builds a replacement block for a named slot from integer sizes (e.g. in and out channels).
/// Configs fill slots with Lua functions; plugins receive them as this closure type.
public typealias BlockBuilder = ([Int]) throws -> Module

/// The type of a config field.
public enum ConfigType: String, Sendable {
    case integer, number, string, boolean, function, table
}

/// One documented config field, keyed by a dotted path ("arch.gf", "train.lr").
public struct ConfigField {
    public var key: String
    public var type: ConfigType
    /// Int, Double, String or Bool (nil: no default, the field is optional).
    public var defaultValue: Any?
    public var doc: String

    public init(_ key: String, _ type: ConfigType, _ defaultValue: Any?, _ doc: String) {
        self.key = key
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// Resolved config values by dotted key, with typed reads that fall back to the schema defaults.
public struct ModelConfig {
    public var values: [String: Any]
    public let schema: [ConfigField]

    public init(values: [String: Any] = [:], schema: [ConfigField]) {
        self.values = values
        self.schema = schema
    }

    func raw(_ key: String) throws -> Any? {
        if let v = values[key] { return v }
        guard let f = schema.first(where: { $0.key == key }) else {
            throw ZooError.invalidArgument(op: "config", message: "no field '\(key)' in the schema")
        }
        return f.defaultValue
    }

    public func int(_ key: String) throws -> Int {
        switch try raw(key) {
        case let i as Int: return i
        case let d as Double where d.rounded() == d: return Int(d)
        case let other: throw ZooError.invalidArgument(op: "config", message: "'\(key)' must be an integer, got \(other.map { "\($0)" } ?? "nothing")")
        }
    }

    public func double(_ key: String) throws -> Double {
        switch try raw(key) {
        case let d as Double: return d
        case let i as Int: return Double(i)
        case let other: throw ZooError.invalidArgument(op: "config", message: "'\(key)' must be a number, got \(other.map { "\($0)" } ?? "nothing")")
        }
    }

    public func float(_ key: String) throws -> Float { Float(try double(key)) }

    public func bool(_ key: String) throws -> Bool {
        guard let b = try raw(key) as? Bool else { throw ZooError.invalidArgument(op: "config", message: "'\(key)' must be a boolean") }
        return b
    }

    public func string(_ key: String) throws -> String {
        guard let s = try raw(key) as? String else { throw ZooError.invalidArgument(op: "config", message: "'\(key)' must be a string") }
        return s
    }

    /// A block slot filled by the config, or nil for the model's own block.
    public func block(_ key: String) throws -> BlockBuilder? {
        guard let v = try raw(key) else { return nil }
        guard let b = v as? BlockBuilder else { throw ZooError.invalidArgument(op: "config", message: "'\(key)' must be a function building a block") }
        return b
    }

    /// The training-loop knobs every trainable model shares, when its schema has them:
    /// `train.batch` ≥ `minimumBatch` (batch-norm models need 2: one image has no batch
    /// statistics), `train.epochs` and `train.snapshot_every` ≥ 1.
    public func checkTrainingKnobs(minimumBatch: Int = 1, why: String = "") throws {
        func has(_ key: String) -> Bool { schema.contains { $0.key == key } }
        if has("train.batch") {
            let b = try int("train.batch")
            guard b >= minimumBatch else {
                throw ZooError.invalidArgument(op: "config", message: "train.batch = \(b): at least \(minimumBatch) images per step\(why)")
            }
        }
        for key in ["train.epochs", "train.snapshot_every"] where has(key) {
            let v = try int(key)
            guard v >= 1 else { throw ZooError.invalidArgument(op: "config", message: "\(key) = \(v): must be at least 1") }
        }
    }
}
