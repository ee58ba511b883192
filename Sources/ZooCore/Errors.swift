// The errors the engine throws: each names the culprit (op, shapes, file, key) in one readable line.

/// Every recoverable failure in ZooCore. `description` is the one line a user sees.
public enum ZooError: Error, CustomStringConvertible, Equatable {
    /// An op received tensors whose shapes do not fit together.
    case shape(op: String, message: String)
    /// A bad argument value (negative size, unknown option, ...).
    case invalidArgument(op: String, message: String)
    /// A file could not be read, written or parsed; `path` names it.
    case io(path: String, message: String)
    /// A file's contents are malformed; `path` names it.
    case format(path: String, message: String)
    /// A state dict or checkpoint does not match a model.
    case stateDict(message: String)
    /// A numeric failure (NaN/Inf where not allowed, a failed factorisation).
    case numeric(message: String)
    /// An allocation the memory gate refused before making it (`MemoryGate`): `requested` bytes
    /// (a Double: an overflowing size is still a number) for `op`; `limit` is the limit it broke,
    /// in words ("available 20.3 GB").
    case outOfMemory(op: String, requested: Double, limit: String)
    /// Anything else the engine cannot do.
    case unsupported(String)

    public var description: String {
        switch self {
        case .shape(let op, let message): return "\(op): \(message)"
        case .invalidArgument(let op, let message): return "\(op): \(message)"
        case .io(let path, let message): return "\(path): \(message)"
        case .format(let path, let message): return "\(path): \(message)"
        case .stateDict(let message): return "state dict: \(message)"
        case .numeric(let message): return message
        case .outOfMemory(let op, let requested, let limit):
            return "out of memory: requested \(formatBytes(requested)) for \(op) (\(limit))"
        case .unsupported(let message): return message
        }
    }
}

extension ZooError {
    /// The same error with `context` (a module path, a file) put in front of its message.
    public func prefixed(_ context: String) -> ZooError {
        switch self {
        case .shape(let op, let m): return .shape(op: "\(context): \(op)", message: m)
        case .invalidArgument(let op, let m): return .invalidArgument(op: "\(context): \(op)", message: m)
        case .io(let p, let m): return .io(path: p, message: "\(context): \(m)")
        case .format(let p, let m): return .format(path: p, message: "\(context): \(m)")
        case .stateDict(let m): return .stateDict(message: "\(context): \(m)")
        case .numeric(let m): return .numeric(message: "\(context): \(m)")
        case .outOfMemory(let op, let r, let l): return .outOfMemory(op: "\(context): \(op)", requested: r, limit: l)
        case .unsupported(let m): return .unsupported("\(context): \(m)")
        }
    }
}

/// Formats a shape the way PyTorch prints it: `[2, 3, 8, 8]`.
@inlinable
public func shapeString(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

/// A byte count the way messages print it: "512 B", "3.2 MB", "9.1 GB", "412 GB", "4.0 TB"
/// (decimal units).
public func formatBytes(_ bytes: Double) -> String {
    guard bytes < 1e21 else { return "over 1000 EB" }
    return bytes < 1000 ? "\(Int(max(bytes, 0))) B" : scaled(bytes, units: [" B", " KB", " MB", " GB", " TB", " PB", " EB"])
}

/// A count the way messages print it: "950", "12.4K", "3.3M", "412G".
public func formatCount(_ n: Double) -> String {
    n < 1000 ? "\(Int(max(n, 0)))" : scaled(n, units: ["", "K", "M", "G", "T", "P", "E"])
}

/// `v` in the largest of the 1000-fold `units` that keeps it ≥ 1, with at most three significant digits.
private func scaled(_ v: Double, units: [String]) -> String {
    var v = v, u = 0
    while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
    return v < 100 ? "\((v * 10).rounded() / 10)\(units[u])" : "\(Int(v.rounded()))\(units[u])"
}
