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

/// A zip archive of stored entries (method 0 unless given), as torch.save lays one out. With
/// `zip64`, every size and offset is 0xFFFFFFFF and the real ones are in zip64 records, as torch
/// writes archives over 4 GB.
func zipArchive(_ entries: [(name: String, data: [UInt8], method: UInt16)], zip64: Bool = false) -> [UInt8] {
    var out: [UInt8] = [], central: [UInt8] = []
    let big: UInt64 = 0xFFFF_FFFF
    for e in entries {
        let name = Array(e.name.utf8), crc = UInt64(crc32(e.data[...])), offset = UInt64(out.count), size = UInt64(e.data.count)
        let extra = zip64 ? le(1, 2) + le(24, 2) + le(size, 8) + le(size, 8) + le(offset, 8) : []
        func header(_ extraLength: Int) -> [UInt8] {
            le(20, 2) + le(0, 2) + le(UInt64(e.method), 2) + le(0, 4) + le(crc, 4) + le(zip64 ? big : size, 4)
                + le(zip64 ? big : size, 4) + le(UInt64(name.count), 2) + le(UInt64(extraLength), 2)
        }
        out += le(0x0403_4B50, 4) + header(0) + name + e.data
        central += le(0x0201_4B50, 4) + le(20, 2) + header(extra.count) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4)
            + le(zip64 ? big : offset, 4) + name + extra
    }
    let cdOffset = UInt64(out.count), count = UInt64(entries.count), cdSize = UInt64(central.count)
    out += central
    if zip64 {
        let record = UInt64(out.count)
        out += le(0x0606_4B50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(count, 8) + le(count, 8)
            + le(cdSize, 8) + le(cdOffset, 8)
        out += le(0x0706_4B50, 4) + le(0, 4) + le(record, 8) + le(1, 4)
    }
    out += le(0x0605_4B50, 4) + le(0, 4) + le(zip64 ? 0xFFFF : count, 2) + le(zip64 ? 0xFFFF : count, 2)
        + le(zip64 ? big : cdSize, 4) + le(zip64 ? big : cdOffset, 4) + le(0, 2)
    return out
}

/// A torch zip archive holding `pickle` as its data.pkl and `records` as data/<key>.
func torchZip(_ pickle: [UInt8], records: [String: [UInt8]] = [:], byteorder: String = "little", zip64: Bool = false) -> [UInt8] {
    zipArchive([("archive/data.pkl", pickle, 0), ("archive/byteorder", Array(byteorder.utf8), 0)]
        + records.sorted { $0.key < $1.key }.map { ("archive/data/" + $0.key, $0.value, 0) }, zip64: zip64)
}

/// Float32 values as little-endian bytes.
func floatBytes(_ values: [Float]) -> [UInt8] { values.flatMap { le(UInt64($0.bitPattern), 4) } }

/// A legacy-format file (torch.save with _use_new_zipfile_serialization=False): magic, protocol,
/// system info, `object`, the storage keys, then each storage as an element count and its bytes.
func legacyFile(_ object: [UInt8], storages: [(key: String, count: Int, bytes: [UInt8])]) -> [UInt8] {
    var info = PickleBytes()
    info.op(0x7D); info.string("little_endian"); info.op(0x88); info.op(0x73); info.stop()
    var keys = PickleBytes()
    keys.op(0x5D); keys.mark(); for s in storages { keys.string(s.key) }; keys.op(0x65); keys.stop()
    var out: [UInt8] = [0x80, 2, 0x8A, 10] + TorchFile.legacyMagic + [0x2E, 0x80, 2, 0x4D] + le(1001, 2) + [0x2E]
    out += info.bytes + object + keys.bytes
    for s in storages { out += le(UInt64(s.count), 8) + s.bytes }
    return out
}
