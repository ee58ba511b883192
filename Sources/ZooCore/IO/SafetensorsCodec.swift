// SafetensorsCodec: the safetensors byte format — strict validating decode and deterministic, Python-identical encode.

extension SafeTensorsFile {
    /// The largest header the reference implementation accepts (100 MB).
    static let maxHeaderLength = 100_000_000

    /// Parses safetensors bytes, checking everything the format requires: the length prefix, a UTF-8
    /// JSON object header, known dtypes, non-negative shapes, `data_offsets` inside the buffer whose
    /// span equals dtype × shape, tensors covering the buffer contiguously without overlap, and string
    /// metadata, and the tensor-data checksum when the metadata has one (`verifyChecksum`). Every
    /// failure is `ZooError.format(path:)` saying what is wrong. `path` labels errors and becomes the
    /// result's `path` (unless it is the default `"<memory>"`).
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> SafeTensorsFile {
        func fail(_ message: String) -> ZooError { ZooError.format(path: path, message: "invalid safetensors file: " + message) }

        guard bytes.count >= 8 else {
            throw fail("the file is \(bytes.count) bytes long, shorter than the 8-byte header length")
        }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let available = bytes.count - 8
        guard headerLength <= UInt64(available) else {
            throw fail("header length \(headerLength) is larger than the file: only \(available) bytes follow the 8-byte length")
        }
        let n = Int(headerLength)
        guard n <= maxHeaderLength else {
            throw fail("header length \(n) exceeds the \(maxHeaderLength)-byte limit")
        }
        let headerBytes = Array(bytes[8..<8 + n])
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw fail("the \(n)-byte header is not valid UTF-8")
        }
        let header: JSONValue
        do {
            header = try JSONParser.parse(headerBytes)
        } catch let e as JSONSyntaxError {
            throw fail("the header is not valid JSON: \(e.message) at byte \(e.offset) of the \(n)-byte header")
        }
        guard case .object(let members) = header else {
            throw fail("the header is \(header.kindName), not a JSON object")
        }

        let bufferStart = 8 + n
        let bufferLength = bytes.count - bufferStart
        struct Entry { var name: String; var dtype: DType; var shape: [Int]; var begin: Int; var end: Int }
        var entries: [Entry] = []
        var seen = Set<String>()
        var metadata: [String: String] = [:]
        var sawMetadata = false

        for (name, value) in members {
            if name == "__metadata__" {
                guard !sawMetadata else { throw fail("the header has two \"__metadata__\" entries") }
                sawMetadata = true
                switch value {
                case .null: break
                case .object(let pairs):
                    for (key, v) in pairs {
                        guard case .string(let s) = v else {
                            throw fail("__metadata__ value for \"\(key)\" is \(v.kindName) (\(v.compactText)); metadata values must be strings")
                        }
                        guard metadata.updateValue(s, forKey: key) == nil else {
                            throw fail("__metadata__ has the key \"\(key)\" twice")
                        }
                    }
                default:
                    throw fail("__metadata__ is \(value.kindName), not an object of strings")
                }
                continue
            }
            func bad(_ message: String) -> ZooError { fail("tensor '\(name)': " + message) }
            guard seen.insert(name).inserted else { throw fail("tensor '\(name)' appears twice in the header") }
            guard case .object(let fields) = value else { throw bad("entry is \(value.kindName), not an object") }
            func field(_ key: String) throws -> JSONValue {
                guard let v = fields.first(where: { $0.key == key })?.value else { throw bad("missing \"\(key)\"") }
                return v
            }

            let dtypeValue = try field("dtype")
            guard case .string(let dtypeName) = dtypeValue else {
                throw bad("dtype is \(dtypeValue.kindName) (\(dtypeValue.compactText)), not a string")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw bad("unknown or unsupported dtype '\(dtypeName)' (supported: \(DType.supportedList))")
            }

            let shapeValue = try field("shape")
            guard case .array(let dims) = shapeValue else {
                throw bad("shape is \(shapeValue.kindName) (\(shapeValue.compactText)), not an array of integers")
            }
            var shape: [Int] = []
            for (k, d) in dims.enumerated() {
                guard let v = d.intValue else {
                    throw bad("shape \(shapeValue.compactText) entry \(k) is not an integer")
                }
                guard v >= 0 else { throw bad("shape \(shapeValue.compactText) has a negative entry (\(v)) at index \(k)") }
                shape.append(v)
            }

            let offsetsValue = try field("data_offsets")
            guard case .array(let offsets) = offsetsValue, offsets.count == 2,
                  let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, end >= 0 else {
                throw bad("data_offsets must be two non-negative integers [begin, end], found \(offsetsValue.compactText)")
            }
            guard begin <= end else { throw bad("data_offsets [\(begin), \(end)] begin after end") }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }

        // Check ranges and sizes in data order, then that the tensors tile the buffer exactly.
        let sorted = entries.enumerated().sorted {
            ($0.element.begin, $0.element.end, $0.offset) < ($1.element.begin, $1.element.end, $1.offset)
        }.map(\.element)
        for e in sorted {
            guard e.end <= bufferLength else {
                throw fail("tensor '\(e.name)': data_offsets [\(e.begin), \(e.end)] end \(e.end - bufferLength) bytes past the end of the \(bufferLength)-byte data buffer (truncated file or bad offsets)")
            }
            let span = e.end - e.begin
            let size: Int
            do {
                size = try SafeTensor.byteCount(dtype: e.dtype, shape: e.shape, op: "safetensors")
            } catch {
                throw fail("tensor '\(e.name)': shape \(shapeString(e.shape)) is too large")
            }
            guard size == span else {
                let count = e.shape.reduce(1, *)
                throw fail("tensor '\(e.name)': dtype \(e.dtype.rawValue) × shape \(shapeString(e.shape)) = \(count) elements = \(size) bytes, but data_offsets [\(e.begin), \(e.end)] span \(span) bytes")
            }
        }
        var covered = 0
        var previous: Entry?
        for e in sorted {
            if e.begin < covered, let p = previous {
                throw fail("tensor '\(e.name)' data_offsets [\(e.begin), \(e.end)] overlap tensor '\(p.name)' [\(p.begin), \(p.end)]")
            }
            if e.begin > covered {
                let after = previous.map { "after tensor '\($0.name)' [\($0.begin), \($0.end)]" } ?? "at the start of the data buffer"
                throw fail("gap of \(e.begin - covered) bytes \(after) before tensor '\(e.name)' [\(e.begin), \(e.end)]; tensors must cover the data buffer contiguously")
            }
            covered = e.end
            previous = e
        }
        guard covered == bufferLength else {
            throw fail("the last \(bufferLength - covered) bytes of the \(bufferLength)-byte data buffer belong to no tensor (tensors end at byte \(covered))")
        }

        // Each tensor's bytes are copied out of the file's.
        try MemoryGate.check(bytes: Double(bufferLength), for: "decoding \(path)")
        var file = SafeTensorsFile(metadata: metadata)
        for e in sorted {
            let data = Array(bytes[bufferStart + e.begin..<bufferStart + e.end])
            file.set(e.name, SafeTensor(validated: e.dtype, shape: e.shape, data: data))
        }
        if path != "<memory>" { file.path = path }
        try file.verifyChecksum()
        return file
    }

    /// The file's bytes: 8-byte little-endian header length, the JSON header padded with spaces to a
    /// multiple of 8, then the data. Tensors are laid out as the Python package does (dtype I64, F32,
    /// I32, BF16, F16, U8, then name); `__metadata__` comes first with sorted keys and is omitted when
    /// empty. Throws when a tensor's bytes do not match its dtype and shape (its fields were edited) or
    /// a tensor is named `__metadata__`.
    public func encode() throws -> [UInt8] {
        let label = path ?? "<memory>"
        var order: [(name: String, tensor: SafeTensor)] = []
        for name in names {
            guard let t = tensors[name] else { continue }
            guard name != "__metadata__" else {
                throw ZooError.format(path: label, message: "a tensor cannot be named \"__metadata__\"")
            }
            let expected = try SafeTensor.byteCount(dtype: t.dtype, shape: t.shape, op: "safetensors")
            guard t.data.count == expected else {
                throw ZooError.format(path: label, message: "tensor '\(name)': \(t.dtype.rawValue) \(shapeString(t.shape)) needs \(expected) bytes but holds \(t.data.count)")
            }
            order.append((name, t))
        }
        guard order.count == tensors.count else {
            let missing = tensors.keys.filter { !names.contains($0) }.sorted()
            throw ZooError.format(path: label, message: "tensors \(missing) are not listed in names")
        }
        order.sort { a, b in
            if a.tensor.dtype.layoutRank != b.tensor.dtype.layoutRank { return a.tensor.dtype.layoutRank > b.tensor.dtype.layoutRank }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }

        var members: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            members.append(("__metadata__", .object(pairs.map { ($0.key, JSONValue.string($0.value)) })))
        }
        var offset = 0
        for (name, t) in order {
            let info: [(key: String, value: JSONValue)] = [
                ("dtype", .string(t.dtype.rawValue)),
                ("shape", .array(t.shape.map { .number(String($0)) })),
                ("data_offsets", .array([.number(String(offset)), .number(String(offset + t.data.count))])),
            ]
            members.append((name, .object(info)))
            offset += t.data.count
        }
        var header: [UInt8] = []
        JSONWriter.write(.object(members), to: &header)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for (_, t) in order { out.append(contentsOf: t.data) }
        return out
    }
}
