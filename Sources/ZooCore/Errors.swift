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
        case .unsupported(let m): return .unsupported("\(context): \(m)")
        }
    }
}

/// Formats a shape the way PyTorch prints it: `[2, 3, 8, 8]`.
@inlinable
public func shapeString(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
