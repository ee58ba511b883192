// The text-encoder registry: plugins that turn captions into sentence embeddings register here.
import Foundation

/// A sentence encoder: captions in, one embedding row per caption out. Sampling, data preparation
/// and Lua ask the registry for "a text encoder" by name; they never name an implementation.
public protocol TextEncoder: AnyObject {
    /// The name checkpoints record as their text's origin (e.g. "all-MiniLM-L6-v2").
    var name: String { get }
    /// The embedding width (384 for all-MiniLM-L6-v2).
    var width: Int { get }
    /// [N, width] for N captions, in the order given.
    func encode(_ texts: [String]) throws -> Tensor
}

/// What a text-encoder plugin (a library target under Plugins/) provides to register itself.
public protocol TextEncoderPlugin {
    static func register(into registry: TextEncoderRegistry)
}

/// Name → factory map for text encoders, filled at start-up from the built-in plugin list.
public final class TextEncoderRegistry {
    public struct Entry {
        public var name: String
        /// The short name embeddings files carry (`emb_<tag>.npy`), e.g. "minilm".
        public var tag: String
        /// One line for `stackzoo list`.
        public var summary: String
        public var width: Int
        /// Loads the encoder (its weights from the cache); throws, naming the command that
        /// fetches them, when they are missing.
        public var make: () throws -> TextEncoder
        /// Whether its files are there (without loading them).
        public var installed: () -> Bool
    }

    public private(set) var entries: [Entry] = []
    /// The encoder used where none is named (the first registered).
    public var defaultName: String? { entries.first?.name }

    public init() {}

    /// The process-wide registry the CLI and the Lua bridge share.
    nonisolated(unsafe) public static let shared = TextEncoderRegistry()

    public func register(name: String, tag: String, summary: String, width: Int, installed: @escaping () -> Bool = { true },
                         make: @escaping () throws -> TextEncoder) {
        let entry = Entry(name: name, tag: tag, summary: summary, width: width, make: make, installed: installed)
        if let i = entries.firstIndex(where: { $0.name == name }) { entries[i] = entry } else { entries.append(entry) }
    }

    public func contains(_ name: String) -> Bool { entries.contains { $0.name == name || $0.tag == name } }

    /// The entry of a name or tag (nil: the default encoder).
    public func entry(_ name: String?) throws -> Entry {
        guard let name = name ?? defaultName else {
            throw ZooError.invalidArgument(op: "text encoder", message: "no text encoder is registered")
        }
        guard let e = entries.first(where: { $0.name == name || $0.tag == name }) else {
            let known = entries.isEmpty ? "none registered" : entries.map(\.name).joined(separator: ", ")
            throw ZooError.invalidArgument(op: "text encoder", message: "unknown text encoder '\(name)' (known: \(known))")
        }
        return e
    }

    /// Loads one by name or tag (loaded encoders are kept: the weights are read once per process).
    public func make(_ name: String? = nil) throws -> TextEncoder {
        let e = try entry(name)
        lock.lock()
        defer { lock.unlock() }
        if let loaded = cache[e.name] { return loaded }
        let enc = try e.make()
        cache[e.name] = enc
        return enc
    }

    /// The entry of a name or tag and its loaded encoder (what the commands that embed need).
    public func load(_ name: String?) throws -> (entry: Entry, encoder: TextEncoder) {
        let e = try entry(name)
        return (e, try make(e.name))
    }

    private var cache: [String: TextEncoder] = [:]
    private let lock = NSLock()
}

/// Where downloaded model files live: `STACKZOO_CACHE`, else `~/.cache/stackzoo`.
public enum ZooCache {
    public static var root: URL {
        if let dir = ProcessInfo.processInfo.environment["STACKZOO_CACHE"], !dir.isEmpty {
            return URL(fileURLWithPath: dir, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/stackzoo", isDirectory: true)
    }
}
