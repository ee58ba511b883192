// The model registry: compiled plugins and Lua-defined models register a name, a summary and a factory.

/// What a model plugin (a library target under Plugins/) provides to register itself.
public protocol ModelPlugin {
    /// Registry name, e.g. "stackgan-v2".
    static var name: String { get }
    /// One line for `stackzoo list`.
    static var summary: String { get }
    static func register(into registry: ModelRegistry)
}

/// A built model: its named networks (e.g. "netG", "netsD.0") as modules.
public protocol ZooModel: AnyObject {
    var networks: [(String, Module)] { get }
}

/// Name → factory map for models, filled at start-up from the built-in plugin list.
public final class ModelRegistry {
    public struct Entry {
        public var name: String
        public var summary: String
        /// "compiled" for Swift plugins, or the script path for Lua-registered models.
        public var origin: String
        public var make: ([String: Any]) throws -> ZooModel
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// The process-wide registry the CLI and the Lua bridge share.
    nonisolated(unsafe) public static let shared = ModelRegistry()

    public func register(name: String, summary: String, origin: String = "compiled",
                         make: @escaping ([String: Any]) throws -> ZooModel) {
        let entry = Entry(name: name, summary: summary, origin: origin, make: make)
        if let i = entries.firstIndex(where: { $0.name == name }) { entries[i] = entry } else { entries.append(entry) }
    }

    public func contains(_ name: String) -> Bool { entries.contains { $0.name == name } }
    public var names: [String] { entries.map(\.name) }

    /// Builds a registered model; an unknown name lists the known ones.
    public func make(_ name: String, config: [String: Any] = [:]) throws -> ZooModel {
        guard let e = entries.first(where: { $0.name == name }) else {
            let known = names.isEmpty ? "none registered" : names.joined(separator: ", ")
            throw ZooError.invalidArgument(op: "model", message: "unknown model '\(name)' (known: \(known))")
        }
        return try e.make(config)
    }
}

/// The engine's version, shown by `stackzoo --version` and written into checkpoints.
public enum StackZooVersion {
    public static let string = "0.1.0"
}
