// SafeTensorsFile: a named collection of SafeTensors plus string metadata, read from and written to .safetensors files.

/// The contents of a `.safetensors` file: named arrays and string metadata.
///
/// `names` lists the tensors in order: data-offset order after `read`/`decode`, insertion order when
/// built in memory. The bytes written by `encode`/`write` do not depend on that order: like the Python
/// package they lay tensors out by dtype (I64, F32, I32, BF16, F16, U8) then by name, with `__metadata__`
/// first and its keys sorted, so identical contents give identical files (and the same bytes as
/// `safetensors.torch.save_file`).
public struct SafeTensorsFile: Sendable {
    public var names: [String]
    public var tensors: [String: SafeTensor]
    public var metadata: [String: String]
    /// The file this was read from (or the label given to `decode`); used in error messages.
    public var path: String?

    /// Tensors in the given order (a repeated name keeps its first position and its last value).
    public init(tensors: [(String, SafeTensor)] = [], metadata: [String: String] = [:]) {
        names = []
        self.tensors = [:]
        self.metadata = metadata
        path = nil
        for (name, tensor) in tensors { set(name, tensor) }
    }

    /// Adds or replaces a tensor; a new name goes to the end of `names`, a replaced one keeps its place.
    public mutating func set(_ name: String, _ tensor: SafeTensor) {
        if tensors.updateValue(tensor, forKey: name) == nil { names.append(name) }
    }

    public subscript(name: String) -> SafeTensor? { tensors[name] }

    /// The named tensor converted to Float32. Throws `ZooError.format` naming the tensor and the file
    /// when it is missing.
    public func tensor(_ name: String) throws -> Tensor {
        guard let t = tensors[name] else {
            let listed = names.prefix(12).map { "'\($0)'" }.joined(separator: ", ") + (names.count > 12 ? ", ..." : "")
            let has = names.isEmpty ? "the file has no tensors" : "the file has \(names.count): \(listed)"
            throw ZooError.format(path: path ?? "<memory>", message: "no tensor named '\(name)' (\(has))")
        }
        return try t.floats()
    }

    /// Reads and validates a file (see `decode`). I/O failures throw `ZooError.io`, malformed contents
    /// `ZooError.format`; both name the path.
    public static func read(path: String) throws -> SafeTensorsFile {
        var file = try decode(try FileIO.readAll(path: path), path: path)
        file.path = path
        return file
    }

    /// Writes `encode()` to `path` atomically (temp file in the same directory, fsync, rename,
    /// directory fsync). On failure an existing file is left untouched and no temp file remains.
    public func write(path: String) throws {
        let bytes: [UInt8]
        try MemoryGate.check(bytes: Double(tensors.values.reduce(0) { $0 + $1.data.count }), for: "encoding \(path)")
        do {
            bytes = try encode()
        } catch let ZooError.format(_, message) {
            throw ZooError.format(path: path, message: message)
        }
        try FileIO.writeAtomically(bytes, to: path)
    }
}
