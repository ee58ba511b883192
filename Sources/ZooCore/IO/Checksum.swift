// The tensor-data checksum of a safetensors file (xxHash64), kept in its metadata and verified on every read,
// and the scan for non-finite values that checkpoints refuse.
internal import CZooKernels

extension SafeTensorsFile {
    /// The metadata key of the checksum ("xxh64:" and 16 hex digits).
    public static let checksumKey = "stackzoo.checksum"

    /// The checksum of the tensors (names, dtypes, shapes and bytes; not the metadata):
    /// XXH64 (seed 0) of the manifest that lists, for each tensor in UTF-8 name order,
    /// `name NUL dtype NUL dims-joined-by-commas NUL xxh64-of-its-bytes-in-hex LF`.
    /// Independent of the file's layout, so an in-memory file and the file read back agree.
    public var tensorChecksum: String {
        var manifest: [UInt8] = []
        for name in tensors.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let t = tensors[name]!
            let digest = xxh64(t.data)
            manifest += Array(name.utf8) + [0] + Array(t.dtype.rawValue.utf8) + [0]
            manifest += Array(t.shape.map(String.init).joined(separator: ",").utf8) + [0]
            manifest += Array(hex(digest).utf8) + [10]
        }
        return "xxh64:" + hex(xxh64(manifest))
    }

    /// Stores `tensorChecksum` in the metadata (do it last: any later change to a tensor breaks it).
    public mutating func sealChecksum() {
        metadata[SafeTensorsFile.checksumKey] = tensorChecksum
    }

    /// Throws when the file carries a checksum its tensors no longer match (a damaged or edited
    /// payload); files without one (older checkpoints, converted weights) pass.
    public func verifyChecksum() throws {
        guard let stored = metadata[SafeTensorsFile.checksumKey] else { return }
        guard stored == tensorChecksum else {
            throw ZooError.format(path: path ?? "<memory>", message: "checksum mismatch (tensor data damaged): the file records \(stored), its tensors give \(tensorChecksum)")
        }
    }

    /// Throws, naming the file and the tensor, when a float tensor holds NaN or ±inf; `what` says
    /// what is refused ("load", "write"); `names` limits the scan (default: every tensor).
    public func requireFinite(_ what: String, names: [String]? = nil) throws {
        for name in names ?? self.names {
            guard let t = tensors[name], let (count, first) = t.nonFinite else { continue }
            let value = (try? t.floats()[flat: first]).map { "\($0)" } ?? "non-finite"
            throw ZooError.numeric(message: "\(path ?? "checkpoint"): tensor '\(name)' holds \(count) non-finite value\(count == 1 ? "" : "s") (the first, element \(first), is \(value)); refusing to \(what) non-finite weights")
        }
    }
}

extension SafeTensor {
    /// (how many, index of the first) NaN or ±inf values of a float tensor, or nil when there are
    /// none (or the dtype is an integer one).
    public var nonFinite: (count: Int, first: Int)? {
        let width: Int32
        switch dtype {
        case .f32: width = 4
        case .f16: width = 2
        case .bf16: width = -2
        case .i64, .i32, .u8: return nil
        }
        var first = 0
        let n = data.withUnsafeBytes { zoo_count_nonfinite($0.baseAddress, $0.count / Int(abs(width)), width, &first) }
        return n == 0 ? nil : (n, first)
    }
}

/// XXH64 of `bytes` (tests check it against the reference implementation's vectors).
func xxh64(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
    bytes.withUnsafeBytes { zoo_xxh64($0.baseAddress, $0.count, seed) }
}

/// 16 lowercase hex digits.
private func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}
