// Pickle: a bounded unpickler VM for the protocol 2–5 opcodes torch.save emits; it calls no Python and runs no code.

/// A value on the unpickler's stack. Containers are class-backed (and owned by the `Unpickler`
/// that made them), so no enum nests inside another: freeing a hostile deep structure never
/// recurses (the unpickler empties every container itself when it is done).
public enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer beyond 64 bits (LONG1/LONG4): its little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleSequence)
    case list(PickleSequence)
    case dict(PickleDict)
    /// A global the host allowed (GLOBAL / STACK_GLOBAL), by module and name.
    case global(module: String, name: String)
    /// What the host made of a persistent id or a REDUCE (a storage, a tensor).
    case object(AnyObject)

    /// The kind, for error messages ("tuple", "str", ...), as Python names it.
    public var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let m, let n): return "\(m).\(n)"
        case .object(let o): return String(describing: type(of: o))
        }
    }
}

/// A tuple's or list's items.
public final class PickleSequence {
    public var items: [PickleValue]
    init(_ items: [PickleValue]) { self.items = items }
}

/// A dict's entries in insertion order (a repeated str key replaces the value in place).
public final class PickleDict {
    public private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var index: [String: Int] = [:]

    func set(_ key: PickleValue, _ value: PickleValue) {
        if case .string(let s) = key {
            if let i = index[s] { entries[i].value = value; return }
            index[s] = entries.count
        }
        entries.append((key, value))
    }

    public subscript(key: String) -> PickleValue? { index[key].map { entries[$0].value } }

    func removeAll() { entries = []; index = [:] }
}

/// Runs one pickle (up to its STOP) from `bytes[start...]`. Everything the file can make grow is
/// capped: the stack, the MARK depth, the memo, string lengths (never more than the bytes left),
/// and the values made in all (each opcode makes at most one, and each is one byte or more).
/// Globals, persistent ids and REDUCE go to the host's closures, which decide what is allowed.
public final class Unpickler {
    /// Limits on what one pickle may build.
    public struct Limits: Sendable {
        public var stack = 1 << 20
        public var markDepth = 1000
        public var memo = 1 << 20
        public var string = 64 << 20
        public init() {}
    }

    public typealias FindGlobal = (_ module: String, _ name: String) throws -> PickleValue
    public typealias PersistentLoad = (_ id: PickleValue) throws -> PickleValue
    public typealias Reduce = (_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue

    let bytes: [UInt8]
    let path: String
    let limits: Limits
    private(set) var position: Int
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [UInt32: PickleValue] = [:]
    private var sequences: [PickleSequence] = []
    private var dicts: [PickleDict] = []

    public init(_ bytes: [UInt8], from start: Int = 0, path: String, limits: Limits = Limits()) {
        self.bytes = bytes
        self.path = path
        self.limits = limits
        position = start
    }

    deinit { tearDown() }

    /// Where the last pickle ended (just after its STOP).
    public var end: Int { position }

    /// Runs the pickle at the current position and returns the value its STOP leaves.
    public func load(findGlobal: FindGlobal, persistentLoad: PersistentLoad, reduce: Reduce) throws -> PickleValue {
        while true {
            let at = position
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                         // PROTO n
            case 0x95: let n = try uint(8); try require(n, "frame")           // FRAME
            case 0x2E:                                                       // STOP
                guard marks.isEmpty, stack.count == 1 else { throw fail("STOP at byte \(at) with \(stack.count) values on the stack and \(marks.count) open MARKs") }
                return stack.removeLast()
            case 0x28:                                                       // MARK
                guard marks.count < limits.markDepth else { throw fail("more than \(limits.markDepth) nested MARKs at byte \(at)") }
                marks.append(stack.count)
            case 0x30: _ = try pop(at)                                       // POP
            case 0x31: _ = try popMark(at)                                   // POP_MARK
            case 0x4E: try push(.none)                                       // NONE
            case 0x88: try push(.bool(true))                                 // NEWTRUE
            case 0x89: try push(.bool(false))                                // NEWFALSE
            case 0x4A: try push(.int(Int64(Int32(bitPattern: UInt32(try uint(4))))))  // BININT
            case 0x4B: try push(.int(Int64(try uint(1))))                    // BININT1
            case 0x4D: try push(.int(Int64(try uint(2))))                    // BININT2
            case 0x8A: try push(try long(try uint(1)))                       // LONG1
            case 0x8B: try push(try long(try uint(4)))                       // LONG4
            case 0x47: try push(.float(Double(bitPattern: UInt64(try uintBigEndian(8)))))  // BINFLOAT
            case 0x8C: try push(.string(try text(try uint(1), utf8: true)))  // SHORT_BINUNICODE
            case 0x58: try push(.string(try text(try uint(4), utf8: true)))  // BINUNICODE
            case 0x8D: try push(.string(try text(try uint(8), utf8: true)))  // BINUNICODE8
            case 0x55: try push(.string(try text(try uint(1), utf8: false))) // SHORT_BINSTRING (Python 2 str)
            case 0x54: try push(.string(try text(try uint(4), utf8: false))) // BINSTRING
            case 0x43: try push(.bytes(try take(try uint(1))))               // SHORT_BINBYTES
            case 0x42: try push(.bytes(try take(try uint(4))))               // BINBYTES
            case 0x8E: try push(.bytes(try take(try uint(8))))               // BINBYTES8
            case 0x29: try push(.tuple(sequence([])))                        // EMPTY_TUPLE
            case 0x5D: try push(.list(sequence([])))                         // EMPTY_LIST
            case 0x7D: try push(.dict(makeDict()))                               // EMPTY_DICT
            case 0x74: try push(.tuple(sequence(try popMark(at))))           // TUPLE
            case 0x85, 0x86, 0x87:                                           // TUPLE1, TUPLE2, TUPLE3
                let n = Int(op - 0x84)
                guard stack.count - (marks.last ?? 0) >= n else { throw fail("TUPLE\(n) at byte \(at) needs \(n) values on the stack") }
                let items = Array(stack.suffix(n))
                stack.removeLast(n)
                try push(.tuple(sequence(items)))
            case 0x61:                                                       // APPEND
                let v = try pop(at)
                try list(at).items.append(v)
            case 0x65:                                                       // APPENDS
                let items = try popMark(at)
                try list(at).items.append(contentsOf: items)
            case 0x73:                                                       // SETITEM
                let v = try pop(at), k = try pop(at)
                try dictOnTop(at).set(k, v)
            case 0x75:                                                       // SETITEMS
                let items = try popMark(at)
                guard items.count % 2 == 0 else { throw fail("SETITEMS at byte \(at) with an odd number (\(items.count)) of values") }
                let d = try dictOnTop(at)
                for i in stride(from: 0, to: items.count, by: 2) { d.set(items[i], items[i + 1]) }
            case 0x71: try put(UInt32(try uint(1)), at)                      // BINPUT
            case 0x72: try put(UInt32(try uint(4)), at)                      // LONG_BINPUT
            case 0x94: try put(UInt32(truncatingIfNeeded: memo.count), at)   // MEMOIZE
            case 0x68: try get(UInt32(try uint(1)), at)                      // BINGET
            case 0x6A: try get(UInt32(try uint(4)), at)                      // LONG_BINGET
            case 0x63:                                                       // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                try push(try findGlobal(module, name))
            case 0x93:                                                       // STACK_GLOBAL
                let name = try pop(at), module = try pop(at)
                guard case .string(let m) = module, case .string(let n) = name else {
                    throw fail("STACK_GLOBAL at byte \(at) needs two strings, got \(module.typeName) and \(name.typeName)")
                }
                try push(try findGlobal(m, n))
            case 0x51: try push(try persistentLoad(try pop(at)))             // BINPERSID
            case 0x52:                                                       // REDUCE
                let args = try pop(at), callable = try pop(at)
                try push(try reduce(callable, args))
            case 0x62:                                                       // BUILD: a dict's state (OrderedDict._metadata) is dropped
                let state = try pop(at), target = try pop(at)
                guard case .dict = target, case .dict = state else {
                    throw fail("BUILD at byte \(at) of a \(target.typeName) with a \(state.typeName) state is not supported")
                }
                try push(target)
            default:
                throw fail("unsupported pickle opcode 0x\(String(op, radix: 16)) at byte \(at) (StackZoo reads the opcodes torch.save writes)")
            }
        }
    }

    /// Empties every container this unpickler made, one by one, so that values free without recursion.
    public func tearDown() {
        for s in sequences { s.items = [] }
        for d in dicts { d.removeAll() }
        stack = []
        memo = [:]
        sequences = []
        dicts = []
    }

    // MARK: - Stack and memo

    private func fail(_ message: String) -> ZooError { ZooError.format(path: path, message: "invalid pickle: " + message) }

    private func push(_ v: PickleValue) throws {
        guard stack.count < limits.stack else { throw fail("more than \(limits.stack) values on the stack") }
        stack.append(v)
    }

    private func pop(_ at: Int) throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw fail("opcode at byte \(at) pops an empty stack") }
        return stack.removeLast()
    }

    private func popMark(_ at: Int) throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw fail("opcode at byte \(at) needs a MARK") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    private func list(_ at: Int) throws -> PickleSequence {
        guard let top = stack.last, stack.count > (marks.last ?? 0), case .list(let l) = top else {
            throw fail("APPEND(S) at byte \(at) needs a list under its values, found \(stack.last?.typeName ?? "nothing")")
        }
        return l
    }

    private func dictOnTop(_ at: Int) throws -> PickleDict {
        guard let top = stack.last, stack.count > (marks.last ?? 0), case .dict(let d) = top else {
            throw fail("SETITEM(S) at byte \(at) needs a dict under its values, found \(stack.last?.typeName ?? "nothing")")
        }
        return d
    }

    private func put(_ key: UInt32, _ at: Int) throws {
        guard let top = stack.last else { throw fail("memo PUT at byte \(at) with an empty stack") }
        guard memo.count < limits.memo || memo[key] != nil else { throw fail("more than \(limits.memo) memo entries") }
        memo[key] = top
    }

    private func get(_ key: UInt32, _ at: Int) throws {
        guard let v = memo[key] else { throw fail("memo GET of \(key) at byte \(at), which was never PUT") }
        try push(v)
    }

    private func sequence(_ items: [PickleValue]) -> PickleSequence {
        let s = PickleSequence(items)
        sequences.append(s)
        return s
    }

    /// A new dict this unpickler owns (and empties when it is done).
    func makeDict() -> PickleDict {
        let d = PickleDict()
        dicts.append(d)
        return d
    }

    // MARK: - Reading operands (every length checked against the bytes left)

    private func require(_ n: Int, _ what: String) throws {
        guard n >= 0, n <= bytes.count - position else {
            throw fail("\(what) of \(n) bytes at byte \(position) runs past the end (\(bytes.count - position) bytes left)")
        }
    }

    private func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("truncated: the pickle ends at byte \(position) without STOP") }
        position += 1
        return bytes[position - 1]
    }

    /// A little-endian unsigned operand of `n` bytes; 8-byte lengths beyond Int.max fail the length check.
    private func uint(_ n: Int) throws -> Int {
        try require(n, "operand")
        var v: UInt64 = 0
        for k in 0..<n { v |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += n
        return v > UInt64(Int.max) ? -1 : Int(v)
    }

    private func uintBigEndian(_ n: Int) throws -> UInt64 {
        try require(n, "operand")
        var v: UInt64 = 0
        for k in 0..<n { v = v << 8 | UInt64(bytes[position + k]) }
        position += n
        return v
    }

    private func take(_ n: Int) throws -> [UInt8] {
        try require(n, "data")
        guard n <= limits.string else { throw fail("a string of \(n) bytes (more than the \(limits.string)-byte limit)") }
        position += n
        return Array(bytes[position - n..<position])
    }

    private func text(_ n: Int, utf8: Bool) throws -> String {
        let raw = try take(n)
        if !utf8 { return String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) })) }  // latin-1
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("a string at byte \(position - n) is not valid UTF-8") }
        return s
    }

    /// A GLOBAL operand: text up to a newline (at most 256 bytes).
    private func line() throws -> String {
        var end = position
        while end < bytes.count, bytes[end] != 0x0A, end - position < 256 { end += 1 }
        guard end < bytes.count, bytes[end] == 0x0A else { throw fail("GLOBAL at byte \(position) has no name line of at most 256 bytes") }
        let s = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end + 1
        return s
    }

    /// LONG1/LONG4 payload: two's complement, little-endian; up to 8 bytes becomes an Int64.
    private func long(_ n: Int) throws -> PickleValue {
        guard n <= 1024 else { throw fail("an integer of \(n) bytes at byte \(position)") }
        let raw = try take(n)
        guard n <= 8 else { return .bigInt(raw) }
        var v: UInt64 = 0
        for (k, b) in raw.enumerated() { v |= UInt64(b) << (8 * UInt64(k)) }
        if n > 0, n < 8, raw[n - 1] & 0x80 != 0 { v |= ~0 << (8 * UInt64(n)) }  // sign-extend
        return .int(Int64(bitPattern: v))
    }
}
