// NPY: reader for NumPy .npy files (format 1.0/2.0/3.0, C order) into SafeTensor.

/// Reads NumPy `.npy` files into `SafeTensor`s.
///
/// Supported: format versions 1.0, 2.0 and 3.0; C order (and Fortran order where it is the same
/// layout, i.e. at most one axis longer than 1); descr `f4`, `f2`, `f8`, `i8`, `i4` (little- or
/// big-endian), `u1` and `b1`. `f8` is rounded to F32 and `b1` becomes U8 0/1; big-endian data is
/// byte-swapped. Errors are `ZooError.format` (or `.io` for read failures) naming the file and defect.
public enum NPY {
    public static func read(path: String) throws -> SafeTensor {
        try decode(try FileIO.readAll(path: path), path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> SafeTensor {
        func fail(_ message: String) -> ZooError { ZooError.format(path: path, message: "invalid .npy file: " + message) }

        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 6, Array(bytes[0..<6]) == magic else {
            let seen = bytes.prefix(6).map { b in b >= 0x20 && b < 0x7F ? String(Character(Unicode.Scalar(b))) : "\\x" + hex2(b) }.joined()
            throw fail("bad magic: expected \\x93NUMPY, found \"\(seen)\"")
        }
        guard bytes.count >= 8 else { throw fail("the file is \(bytes.count) bytes long, too short for the format version") }
        let (major, minor) = (bytes[6], bytes[7])
        guard (1...3).contains(major), minor == 0 else {
            throw fail("unsupported format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        let lengthSize = major == 1 ? 2 : 4
        let headerStart = 8 + lengthSize
        guard bytes.count >= headerStart else {
            throw fail("the file is \(bytes.count) bytes long, too short for the \(lengthSize)-byte header length")
        }
        var headerLength = 0
        for k in 0..<lengthSize { headerLength |= Int(bytes[8 + k]) << (8 * k) }
        guard headerStart + headerLength <= bytes.count else {
            throw fail("header length \(headerLength) is larger than the file: only \(bytes.count - headerStart) bytes follow")
        }
        let headerBytes = Array(bytes[headerStart..<headerStart + headerLength])
        let headerText: String
        if major == 3 {
            guard let text = String(validating: headerBytes, as: UTF8.self) else { throw fail("the header is not valid UTF-8") }
            headerText = text
        } else {
            headerText = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))  // latin-1
        }

        // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
        let header: PyLiteral
        do {
            header = try PyLiteralParser.parse(headerText)
        } catch let e as PyLiteralParser.SyntaxError {
            throw fail("the header is not a Python literal: \(e.message) at character \(e.offset) of \(quoted(headerText))")
        }
        guard case .dict(let entries) = header else { throw fail("the header is not a dict: \(quoted(headerText))") }
        let keys = entries.map(\.key)
        guard Set(keys) == ["descr", "fortran_order", "shape"], keys.count == 3 else {
            throw fail("the header must have exactly the keys 'descr', 'fortran_order' and 'shape', found \(keys.map { "'\($0)'" }.joined(separator: ", "))")
        }
        let fields = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })

        guard case .tuple(let dims)? = fields["shape"] else { throw fail("'shape' is not a tuple: \(quoted(headerText))") }
        var shape: [Int] = []
        for d in dims {
            guard case .int(let v) = d, v >= 0 else { throw fail("'shape' entries must be non-negative integers: \(quoted(headerText))") }
            shape.append(v)
        }
        guard case .bool(let fortran)? = fields["fortran_order"] else {
            throw fail("'fortran_order' is not True or False: \(quoted(headerText))")
        }
        if fortran && shape.filter({ $0 > 1 }).count > 1 {
            throw fail("Fortran-order (column-major) arrays are not supported (shape \(shapeString(shape))); save a C-order copy with np.ascontiguousarray")
        }
        guard case .string(let descr)? = fields["descr"] else {
            throw fail("unsupported dtype: 'descr' is not a simple type string (structured arrays are not supported)")
        }
        guard let element = ElementType(descr: descr) else {
            throw fail("unsupported dtype '\(descr)' (supported: <f4, <f2, <f8, <i8, <i4, |u1, |b1; big-endian too)")
        }

        var expected = element.size
        for d in shape {
            let (p, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("shape \(shapeString(shape)) is too large") }
            expected = p
        }
        let dataStart = headerStart + headerLength
        let actual = bytes.count - dataStart
        guard actual >= expected else {
            throw fail("truncated data: \(descr) \(shapeString(shape)) needs \(expected) bytes, the file has \(actual)")
        }
        guard actual == expected else {
            throw fail("\(actual - expected) unexpected bytes after the \(expected)-byte data of \(descr) \(shapeString(shape))")
        }
        let data = element.convert(bytes[dataStart..<bytes.count])
        return SafeTensor(validated: element.dtype, shape: shape, data: data)
    }

    private static func hex2(_ b: UInt8) -> String { (b < 16 ? "0" : "") + String(b, radix: 16) }

    private static func quoted(_ header: String) -> String {
        let trimmed = header.trimmingTrailingWhitespace
        return trimmed.count > 200 ? String(trimmed.prefix(200)) + "..." : trimmed
    }

    /// A supported `descr`: the stored element and how it becomes a SafeTensor dtype.
    private struct ElementType {
        var kind: Character  // f, i, u, b
        var size: Int
        var bigEndian: Bool

        init?(descr: String) {
            let chars = Array(descr)
            guard chars.count >= 3, let size = Int(String(chars[2...])) else { return nil }
            switch chars[0] {
            case "<", "=": bigEndian = false  // "=" is native: every platform StackZoo runs on is little-endian
            case ">": bigEndian = true
            case "|": bigEndian = false
            default: return nil
            }
            kind = chars[1]
            self.size = size
            switch (kind, size) {
            case ("f", 2), ("f", 4), ("f", 8), ("i", 4), ("i", 8): break
            case ("u", 1), ("b", 1): break
            default: return nil
            }
        }

        var dtype: DType {
            switch (kind, size) {
            case ("f", 2): return .f16
            case ("f", _): return .f32
            case ("i", 4): return .i32
            case ("i", _): return .i64
            default: return .u8
            }
        }

        /// Little-endian bytes of `dtype` from the stored bytes.
        func convert(_ src: ArraySlice<UInt8>) -> [UInt8] {
            var bytes = Array(src)
            if bigEndian && size > 1 {
                for start in stride(from: 0, to: bytes.count, by: size) { bytes[start..<start + size].reverse() }
            }
            switch (kind, size) {
            case ("f", 8):
                let n = bytes.count / 8
                return bytes.withUnsafeBytes { raw in
                    [UInt8](unsafeUninitializedCapacity: n * 4) { out, initialized in
                        let dst = UnsafeMutableRawBufferPointer(out)
                        for i in 0..<n {
                            let d = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
                            dst.storeBytes(of: Float(d).bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                        }
                        initialized = n * 4
                    }
                }
            case ("b", _):
                return bytes.map { $0 == 0 ? 0 : 1 }
            default:
                return bytes
            }
        }
    }
}

/// The Python literal values that appear in .npy headers.
enum PyLiteral: Equatable {
    case dict([PyDictEntry])
    case tuple([PyLiteral])
    case list([PyLiteral])
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
}

struct PyDictEntry: Equatable {
    var key: String
    var value: PyLiteral
}

/// Parses the subset of Python literal syntax numpy writes in headers: dicts with string keys, tuples,
/// lists, quoted strings, integers (with an optional Python 2 `L`), True, False and None.
struct PyLiteralParser {
    struct SyntaxError: Error {
        var offset: Int
        var message: String
    }

    private let chars: [Character]
    private var i = 0
    private var depth = 0

    static func parse(_ text: String) throws -> PyLiteral {
        var p = PyLiteralParser(chars: Array(text))
        p.skipSpace()
        let value = try p.value()
        p.skipSpace()
        guard p.i == p.chars.count else { throw p.error("unexpected \(p.current) after the value") }
        return value
    }

    private init(chars: [Character]) { self.chars = chars }

    private var current: String { i < chars.count ? "'\(chars[i])'" : "end of header" }
    private func error(_ message: String) -> SyntaxError { SyntaxError(offset: i, message: message) }
    private mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    private mutating func value() throws -> PyLiteral {
        guard i < chars.count else { throw error("unexpected end of header") }
        depth += 1
        defer { depth -= 1 }
        guard depth <= 32 else { throw error("nesting too deep") }
        switch chars[i] {
        case "{":
            let items = try sequence(close: "}") { p -> PyDictEntry in
                guard case .string(let key) = try p.value() else { throw p.error("dict keys must be strings") }
                p.skipSpace()
                guard p.i < p.chars.count, p.chars[p.i] == ":" else { throw p.error("expected ':' after a dict key, found \(p.current)") }
                p.i += 1
                p.skipSpace()
                return PyDictEntry(key: key, value: try p.value())
            }
            return .dict(items)
        case "(":
            return .tuple(try sequence(close: ")") { try $0.value() })
        case "[":
            return .list(try sequence(close: "]") { try $0.value() })
        case "'", "\"":
            let quote = chars[i]
            i += 1
            var s = ""
            while true {
                guard i < chars.count else { throw error("unterminated string") }
                let c = chars[i]
                i += 1
                if c == quote { break }
                if c == "\\" {
                    guard i < chars.count else { throw error("unterminated string") }
                    s.append(chars[i])
                    i += 1
                } else {
                    s.append(c)
                }
            }
            return .string(s)
        case "-", "0"..."9":
            let start = i
            if chars[i] == "-" { i += 1 }
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
            guard let v = Int(String(chars[start..<i])) else { throw error("invalid integer \(String(chars[start..<i]))") }
            if i < chars.count, chars[i] == "L" || chars[i] == "l" { i += 1 }
            return .int(v)
        default:
            for (word, literal) in [("True", PyLiteral.bool(true)), ("False", .bool(false)), ("None", .none)] {
                let w = Array(word)
                if i + w.count <= chars.count, Array(chars[i..<i + w.count]) == w {
                    i += w.count
                    return literal
                }
            }
            throw error("unexpected \(current)")
        }
    }

    /// Comma-separated items up to `close`; a trailing comma is allowed.
    private mutating func sequence<T>(close: Character, _ item: (inout PyLiteralParser) throws -> T) throws -> [T] {
        i += 1
        var items: [T] = []
        while true {
            skipSpace()
            guard i < chars.count else { throw error("unexpected end of header, expected '\(close)'") }
            if chars[i] == close { i += 1; return items }
            items.append(try item(&self))
            skipSpace()
            guard i < chars.count else { throw error("unexpected end of header, expected '\(close)'") }
            if chars[i] == "," { i += 1; continue }
            if chars[i] == close { i += 1; return items }
            throw error("expected ',' or '\(close)', found \(current)")
        }
    }
}

extension String {
    fileprivate var trimmingTrailingWhitespace: String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
