// TorchObjects: what a torch pickle may build — the allow-listed globals, storages, tensor views — and nothing else.

/// A storage type a pickle names (`torch.FloatStorage`, ...): its bytes per element and the
/// dtype its tensors come out as (F64 rounds to F32, bool becomes U8 0/1).
enum TorchStorageType: String, CaseIterable {
    case float = "FloatStorage", half = "HalfStorage", bfloat16 = "BFloat16Storage", long = "LongStorage"
    case int = "IntStorage", double = "DoubleStorage", byte = "ByteStorage", bool = "BoolStorage"

    var elementSize: Int {
        switch self {
        case .float, .int: return 4
        case .half, .bfloat16: return 2
        case .long, .double: return 8
        case .byte, .bool: return 1
        }
    }

    var output: DType {
        switch self {
        case .float, .double: return .f32
        case .half: return .f16
        case .bfloat16: return .bf16
        case .long: return .i64
        case .int: return .i32
        case .byte, .bool: return .u8
        }
    }
}

/// A storage a persistent id names: its key (the record `data/<key>`), type and element count.
final class TorchStorage {
    let key: String
    let type: TorchStorageType
    let count: Int
    init(key: String, type: TorchStorageType, count: Int) { self.key = key; self.type = type; self.count = count }
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage, checked to lie inside it.
final class TorchTensor {
    let storage: TorchStorage
    let offset: Int
    let size: [Int]
    let stride: [Int]
    init(storage: TorchStorage, offset: Int, size: [Int], stride: [Int]) {
        self.storage = storage; self.offset = offset; self.size = size; self.stride = stride
    }
}

/// The host side of unpickling a torch file: resolves globals against the allow-list, persistent
/// ids into storages, and the allowed calls (tensor rebuilds, OrderedDict) into values.
final class TorchPickleHost {
    /// Every global a torch state dict needs; any other is refused, so no file can name a callable
    /// that would run code (os.system, builtins.eval, ...).
    static let allowedGlobals: Set<String> = Set(
        ["torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter",
         "collections.OrderedDict"] + TorchStorageType.allCases.map { "torch." + $0.rawValue })

    let path: String
    /// The file's length: no storage may claim more bytes than that.
    let fileLength: Int
    private(set) var storages: [String: TorchStorage] = [:]

    init(path: String, fileLength: Int) {
        self.path = path
        self.fileLength = fileLength
    }

    func fail(_ message: String) -> ZooError { ZooError.format(path: path, message: message) }

    func findGlobal(_ module: String, _ name: String) throws -> PickleValue {
        let full = module + "." + name
        guard Self.allowedGlobals.contains(full) else {
            throw fail("refusing the pickle global '\(full)': a .pth may only name tensor rebuilds, storages and OrderedDict (\(Self.allowedGlobals.sorted().joined(separator: ", "))); StackZoo never runs code from a file")
        }
        return .global(module: module, name: name)
    }

    /// ('storage', torch.<Type>Storage, key, location, count[, view metadata]) → the storage.
    func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard case .tuple(let t) = id, let tag = t.items.first, case .string(let kind) = tag else {
            throw fail("a persistent id that is not a ('storage', ...) tuple (\(id.typeName))")
        }
        if kind == "module" { throw fail("the file holds a pickled nn.Module (torch.save(model)); save model.state_dict() instead") }
        guard kind == "storage", t.items.count == 5 || t.items.count == 6,
              case .global("torch", let typeName) = t.items[1], let type = TorchStorageType(rawValue: typeName),
              case .string(let key) = t.items[2], case .int(let count) = t.items[4] else {
            throw fail("a persistent id that is not ('storage', torch.<Type>Storage, key, location, count)")
        }
        if t.items.count == 6, case .tuple = t.items[5] { throw fail("storage '\(key)' is a view of another storage (torch < 0.4 files); load and save it again with a newer torch") }
        let (bytes, overflow) = Int(truncatingIfNeeded: count).multipliedReportingOverflow(by: type.elementSize)
        guard count >= 0, !overflow, bytes <= fileLength else {
            throw fail("storage '\(key)' claims \(count) elements of \(type.elementSize) bytes, more than the \(fileLength)-byte file holds")
        }
        if let known = storages[key] {
            guard known.type == type, known.count == Int(count) else { throw fail("storage '\(key)' is named twice with different types or sizes") }
            return .object(known)
        }
        let s = TorchStorage(key: key, type: type, count: Int(count))
        storages[key] = s
        return .object(s)
    }

    func reduce(_ callable: PickleValue, _ arguments: PickleValue, unpickler: Unpickler) throws -> PickleValue {
        guard case .global(let module, let name) = callable else { throw fail("REDUCE of a \(callable.typeName), which is not callable") }
        guard case .tuple(let argTuple) = arguments else { throw fail("REDUCE of \(module).\(name) with \(arguments.typeName) arguments") }
        let args = argTuple.items
        switch (module, name) {
        case ("collections", "OrderedDict"):
            let d = unpickler.makeDict()
            if let items = args.first {   // Python 2 pickles pass the items: [[key, value], ...]
                guard case .list(let pairs) = items else { throw fail("OrderedDict(\(items.typeName)) is not supported") }
                for p in pairs.items {
                    guard case .list(let kv) = p, kv.items.count == 2 else { throw fail("OrderedDict items must be [key, value] pairs") }
                    d.set(kv.items[0], kv.items[1])
                }
            }
            return .dict(d)
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            guard args.count >= 4 else { throw fail("\(name) with \(args.count) arguments (needs storage, offset, size, stride)") }
            return .object(try tensor(args[0], args[1], args[2], args[3]))
        case ("torch._utils", "_rebuild_parameter"):
            guard let data = args.first, case .object(let o) = data, o is TorchTensor else { throw fail("_rebuild_parameter of something other than a tensor") }
            return data
        default:
            throw fail("calling \(module).\(name) is not supported (only tensor rebuilds and OrderedDict)")
        }
    }

    /// A tensor view, after checking that every element it covers lies inside its storage.
    private func tensor(_ storage: PickleValue, _ offset: PickleValue, _ size: PickleValue, _ stride: PickleValue) throws -> TorchTensor {
        guard case .object(let o) = storage, let s = o as? TorchStorage else { throw fail("a tensor rebuilt from a \(storage.typeName), not a storage") }
        guard case .int(let off64) = offset, off64 >= 0, off64 <= Int64(s.count) else {
            throw fail("a tensor of storage '\(s.key)' has offset \(offset) outside its \(s.count) elements")
        }
        func ints(_ v: PickleValue, _ what: String) throws -> [Int] {
            guard case .tuple(let t) = v, t.items.count <= 64 else { throw fail("a tensor's \(what) is not a tuple of at most 64 integers") }
            return try t.items.map {
                guard case .int(let i) = $0, i >= 0, i <= Int64(Int32.max) else { throw fail("a tensor's \(what) holds \($0.typeName == "int" ? "\($0)" : $0.typeName), not a size in 0...2^31") }
                return Int(i)
            }
        }
        let shape = try ints(size, "size"), strides = try ints(stride, "stride")
        guard shape.count == strides.count else { throw fail("a tensor with size \(shapeString(shape)) but stride \(shapeString(strides))") }
        let off = Int(off64)
        if !shape.contains(0) {
            var last = off
            for (n, st) in zip(shape, strides) {
                let (span, o1) = (n - 1).multipliedReportingOverflow(by: st)
                let (sum, o2) = last.addingReportingOverflow(span)
                guard !o1, !o2 else { last = .max; break }
                last = sum
            }
            guard last < s.count else {
                throw fail("a tensor of size \(shapeString(shape)), stride \(shapeString(strides)) at offset \(off) runs past its storage '\(s.key)' of \(s.count) elements")
            }
        }
        _ = try SafeTensor.byteCount(dtype: s.type.output, shape: shape, op: path)
        return TorchTensor(storage: s, offset: off, size: shape, stride: strides)
    }
}

extension PickleValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return "'\(s.prefix(80))'"
        default: return typeName
        }
    }
}
