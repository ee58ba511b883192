// PthBuilder: hand-made pickles and stored zip archives for the .pth reader's hostile-input tests.
@testable import ZooCore

/// Pickle opcodes written by hand, so a test can say exactly what a hostile file holds.
struct PickleBytes {
    var bytes: [UInt8] = [0x80, 2]   // PROTO 2

    mutating func op(_ code: UInt8) { bytes.append(code) }
    mutating func global(_ module: String, _ name: String) { bytes += [0x63] + Array("\(module)\n\(name)\n".utf8) }
    mutating func string(_ s: String) { let u = Array(s.utf8); bytes += [0x58] + le(UInt64(u.count), 4) + u }
    mutating func int(_ i: Int32) { bytes += [0x4A] + le(UInt64(UInt32(bitPattern: i)), 4) }
    mutating func mark() { op(0x28) }
    mutating func tuple() { op(0x74) }
    mutating func stop() { op(0x2E) }

    /// `{name: tensor}` with a FloatStorage '0' of `count` elements and the given view.
    static func stateDict(count: Int32, offset: Int32 = 0, size: [Int32], stride: [Int32], name: String = "w",
                          storage: String = "FloatStorage") -> [UInt8] {
        var p = PickleBytes()
        p.op(0x7D)                                     // EMPTY_DICT
        p.string(name)
        p.global("torch._utils", "_rebuild_tensor_v2")
        p.mark()
        p.mark(); p.string("storage"); p.global("torch", storage); p.string("0"); p.string("cpu"); p.int(count); p.tuple()
        p.op(0x51)                                     // BINPERSID
        p.int(offset)
        p.mark(); for s in size { p.int(s) }; p.tuple()
        p.mark(); for s in stride { p.int(s) }; p.tuple()
        p.op(0x89)                                     // NEWFALSE
        p.global("collections", "OrderedDict"); p.op(0x29); p.op(0x52)
        p.tuple()
        p.op(0x52)                                     // REDUCE
        p.op(0x73)                                     // SETITEM
        p.stop()
        return p.bytes
    }
}

func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }

/// A zip archive of stored entries (method 0 unless given), as torch.save lays one out.
func zipArchive(_ entries: [(name: String, data: [UInt8], method: UInt16)]) -> [UInt8] {
    var out: [UInt8] = [], central: [UInt8] = []
    for e in entries {
        let name = Array(e.name.utf8), crc = UInt64(crc32(e.data)), offset = out.count
        let common = le(20, 2) + le(0, 2) + le(UInt64(e.method), 2) + le(0, 4) + le(crc, 4)
            + le(UInt64(e.data.count), 4) + le(UInt64(e.data.count), 4) + le(UInt64(name.count), 2) + le(0, 2)
        out += le(0x0403_4B50, 4) + common + name + e.data
        central += le(0x0201_4B50, 4) + le(20, 2) + common + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(UInt64(offset), 4) + name
    }
    let cdOffset = out.count
    out += central
    out += le(0x0605_4B50, 4) + le(0, 4) + le(UInt64(entries.count), 2) + le(UInt64(entries.count), 2)
        + le(UInt64(central.count), 4) + le(UInt64(cdOffset), 4) + le(0, 2)
    return out
}

/// A torch zip archive holding `pickle` as its data.pkl and `records` as data/<key>.
func torchZip(_ pickle: [UInt8], records: [String: [UInt8]] = [:], byteorder: String = "little") -> [UInt8] {
    zipArchive([("archive/data.pkl", pickle, 0), ("archive/byteorder", Array(byteorder.utf8), 0)]
        + records.sorted { $0.key < $1.key }.map { ("archive/data/" + $0.key, $0.value, 0) })
}

/// Float32 values as little-endian bytes.
func floatBytes(_ values: [Float]) -> [UInt8] { values.flatMap { le(UInt64($0.bitPattern), 4) } }
