// TorchFile: reads a PyTorch .pth state dict (the zip archive and the legacy format of torch.save) into named SafeTensors, safely.

/// Reads the tensors of a `torch.save`d state dict without Python and without running anything
/// the file names: the pickle may only use the globals of `TorchPickleHost.allowedGlobals`.
///
/// Both formats are read: the zip archive (`<name>/data.pkl`, `<name>/data/<key>` records,
/// `<name>/byteorder`; stored entries, zip64 too) and the legacy stream
/// (`_use_new_zipfile_serialization=False`: magic number, protocol, system info, the object,
/// the storage keys, then the raw storages). Tensors keep their values exactly (F32, F16, BF16,
/// I64, I32, U8; F64 rounds to F32, bool becomes U8), with strides and storage offsets honoured.
/// Nested dicts are flattened with dots, and a top-level dict holding "state_dict" is unwrapped;
/// values that are not tensors are skipped. Every failure is a `ZooError` naming the file.
public enum TorchFile {
    /// The magic number a legacy file starts with (pickled), little-endian.
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    public static func read(path: String) throws -> [(name: String, tensor: SafeTensor)] {
        try decode(try FileIO.readAll(path: path), path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> [(name: String, tensor: SafeTensor)] {
        let host = TorchPickleHost(path: path, fileLength: bytes.count)
        if ZipArchive.looksLikeZip(bytes) { return try readZip(bytes, host: host) }
        guard bytes.first == 0x80 else {
            throw host.fail("not a PyTorch file: neither a zip archive nor a legacy torch pickle (it starts with \(bytes.prefix(4).map { String($0, radix: 16) }))")
        }
        return try readLegacy(bytes, host: host)
    }

    // MARK: - Formats

    private static func readZip(_ bytes: [UInt8], host: TorchPickleHost) throws -> [(name: String, tensor: SafeTensor)] {
        let zip = try ZipArchive(bytes, path: host.path)
        let pickles = zip.entries.filter { $0.name.hasSuffix("/data.pkl") || $0.name == "data.pkl" }
        guard pickles.count == 1, let pickle = pickles.first else {
            throw host.fail("the zip archive has \(pickles.count) data.pkl entries, not one (is it a torch.save file?)")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        if let order = zip.entry(prefix + "byteorder") {
            let text = String(decoding: try zip.data(of: order), as: UTF8.self)
            guard text == "little" else { throw host.fail("the tensors are stored \(text)-endian; only little-endian files are read") }
        }
        let unpickler = Unpickler(Array(try zip.data(of: pickle)), path: host.path)
        defer { unpickler.tearDown() }
        let tensors = try stateDict(try load(unpickler, host), host: host)
        return try materialise(tensors, host: host) { storage in
            guard let e = zip.entry(prefix + "data/" + storage.key) else { throw host.fail("no record '\(prefix)data/\(storage.key)' for storage '\(storage.key)'") }
            let data = try zip.data(of: e)
            guard data.count == storage.count * storage.type.elementSize else {
                throw host.fail("record '\(e.name)' holds \(data.count) bytes, but its storage has \(storage.count) elements of \(storage.type.elementSize) bytes")
            }
            return data
        }
    }

    private static func readLegacy(_ bytes: [UInt8], host: TorchPickleHost) throws -> [(name: String, tensor: SafeTensor)] {
        var position = 0
        func next() throws -> (PickleValue, Unpickler) {
            let u = Unpickler(bytes, from: position, path: host.path)
            let v = try load(u, host)
            position = u.end
            return (v, u)
        }
        let (magic, _) = try next()
        guard case .bigInt(let m) = magic, m == legacyMagic else { throw host.fail("not a PyTorch file: a pickle, but without torch's magic number") }
        let (proto, _) = try next()
        guard case .int(1001) = proto else { throw host.fail("legacy torch format \(proto) (only 1001 is read)") }
        let (info, infoPickle) = try next()
        defer { infoPickle.tearDown() }
        if case .dict(let d) = info, case .bool(false)? = d["little_endian"] {
            throw host.fail("the tensors are stored big-endian; only little-endian files are read")
        }
        let (object, objectPickle) = try next()
        defer { objectPickle.tearDown() }
        let tensors = try stateDict(object, host: host)
        let (keys, keysPickle) = try next()
        defer { keysPickle.tearDown() }
        guard case .list(let list) = keys else { throw host.fail("the legacy storage key list is a \(keys.typeName)") }
        // The storages follow in the order of that list: an 8-byte element count, then the bytes.
        var records: [String: ArraySlice<UInt8>] = [:]
        for k in list.items {
            guard case .string(let key) = k, let storage = host.storages[key], records[key] == nil else {
                throw host.fail("the legacy storage key list names \(k), which no tensor uses (or twice)")
            }
            guard bytes.count - position >= 8 else { throw host.fail("truncated: storage '\(key)' has no element count at byte \(position)") }
            var count: UInt64 = 0
            for i in 0..<8 { count |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += 8
            guard count == UInt64(storage.count) else {
                throw host.fail("storage '\(key)' holds \(count) elements at byte \(position - 8), but the pickle says \(storage.count)")
            }
            let n = storage.count * storage.type.elementSize
            guard bytes.count - position >= n else { throw host.fail("truncated: storage '\(key)' needs \(n) bytes at byte \(position), \(bytes.count - position) are left") }
            records[key] = bytes[position..<position + n]
            position += n
        }
        return try materialise(tensors, host: host) { storage in
            guard let r = records[storage.key] else { throw host.fail("storage '\(storage.key)' is not in the file's storage list") }
            return r
        }
    }

    private static func load(_ u: Unpickler, _ host: TorchPickleHost) throws -> PickleValue {
        try u.load(findGlobal: host.findGlobal, persistentLoad: host.persistentLoad,
                   reduce: { [unowned u] in try host.reduce($0, $1, unpickler: u) })
    }

    // MARK: - State dicts

    /// The tensors of `root` by dotted name: a dict (or the dict under "state_dict"), its nested
    /// dicts flattened. A dict met twice (a cycle, or one shared) is refused, so the walk is linear.
    static func stateDict(_ root: PickleValue, host: TorchPickleHost) throws -> [(String, TorchTensor)] {
        guard case .dict(var top) = root else { throw host.fail("expected a state dict, got a \(root.typeName)") }
        if case .dict(let inner)? = top["state_dict"] { top = inner }
        var out: [(String, TorchTensor)] = []
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(top)]
        func walk(_ d: PickleDict, _ prefix: String, _ depth: Int) throws {
            for (k, v) in d.entries {
                let key: String
                switch k {
                case .string(let s): key = s
                case .int(let i): key = String(i)
                default: throw host.fail("a state dict key of type \(k.typeName)")
                }
                let name = prefix + key
                guard name.utf8.count <= 4096 else { throw host.fail("a tensor name of more than 4096 bytes") }
                switch v {
                case .object(let o as TorchTensor): out.append((name, o))
                case .dict(let sub):
                    guard depth < 64 else { throw host.fail("dicts nested more than 64 deep at '\(name)'") }
                    guard seen.insert(ObjectIdentifier(sub)).inserted else { throw host.fail("the dict at '\(name)' appears twice in the state dict") }
                    try walk(sub, name + ".", depth + 1)
                default: continue
                }
            }
        }
        try walk(top, "", 0)
        return out
    }

    /// Copies each tensor's elements out of its storage's bytes, in C order.
    static func materialise(_ tensors: [(String, TorchTensor)], host: TorchPickleHost,
                            record: (TorchStorage) throws -> ArraySlice<UInt8>) throws -> [(name: String, tensor: SafeTensor)] {
        var out: [(name: String, tensor: SafeTensor)] = []
        var records: [String: ArraySlice<UInt8>] = [:]
        var total = 0.0
        for (name, t) in tensors {
            let data: ArraySlice<UInt8>
            if let r = records[t.storage.key] { data = r } else { data = try record(t.storage); records[t.storage.key] = data }
            let n = t.size.reduce(1, *)
            total += Double(n * t.storage.type.output.byteSize)
            // Views repeating elements (stride 0, one tensor under many names) could make a small
            // file ask for any amount: the tensors may take at most 4× the file (+1 MB).
            guard total <= 4 * Double(host.fileLength) + 1e6 else {
                throw host.fail("the tensors would take more than \(formatBytes(total)), over 4 times the \(formatBytes(Double(host.fileLength))) file: views that repeat their storage's elements ('\(name)' is \(shapeString(t.size)) with stride \(shapeString(t.stride)))")
            }
            try MemoryGate.check(bytes: total, for: "the tensors of \(host.path)")
            out.append((name, SafeTensor(validated: t.storage.type.output, shape: t.size, data: gather(t, n, data))))
        }
        return out
    }

    /// The `n` elements of view `t` of storage bytes `data`, converted to the output dtype.
    private static func gather(_ t: TorchTensor, _ n: Int, _ data: ArraySlice<UInt8>) -> [UInt8] {
        let type = t.storage.type, inSize = type.elementSize, outSize = type.output.byteSize
        var contiguous = inSize == outSize && type != .bool, expected = 1
        for (size, stride) in zip(t.size, t.stride).reversed() where size != 1 {
            contiguous = contiguous && stride == expected
            expected *= size
        }
        if contiguous {   // the common case: one copy
            let start = data.startIndex + t.offset * inSize
            return Array(data[start..<start + n * inSize])
        }
        return [UInt8](unsafeUninitializedCapacity: n * outSize) { out, initialized in
            data.withUnsafeBytes { src in
                var index = [Int](repeating: 0, count: t.size.count)
                var at = t.offset
                for i in 0..<n {
                    let from = at * inSize
                    switch type {
                    case .double:
                        let v = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: from, as: UInt64.self))))
                        UnsafeMutableRawPointer(out.baseAddress! + i * 4).storeBytes(of: v.bitPattern.littleEndian, as: UInt32.self)
                    case .bool:
                        out[i] = src[from] != 0 ? 1 : 0
                    default:
                        for b in 0..<inSize { out[i * outSize + b] = src[from + b] }
                    }
                    // Odometer over the shape, C order: step the last axis, carry into the previous.
                    var axis = t.size.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        at += t.stride[axis]
                        if index[axis] < t.size[axis] { break }
                        at -= t.stride[axis] * index[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
            initialized = n * outSize
        }
    }
}
