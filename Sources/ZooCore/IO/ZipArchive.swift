// ZipArchive: the central directory of a zip file (zip64 included) and its stored entries, as torch.save writes them.
internal import CZooKernels

/// A read-only view of a zip archive held in memory. Only stored (uncompressed) entries can be
/// read: torch.save writes nothing else. Every offset and size is checked against the file.
public struct ZipArchive {
    public struct Entry {
        public var name: String
        public var method: Int
        public var crc32: UInt32
        public var compressedSize: Int
        public var size: Int
        /// Offset of the entry's local header.
        var headerOffset: Int
    }

    public let path: String
    public private(set) var entries: [Entry] = []
    private let bytes: [UInt8]

    /// True when `bytes` start like a zip archive (a local header).
    public static func looksLikeZip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04
    }

    public init(_ bytes: [UInt8], path: String) throws {
        self.bytes = bytes
        self.path = path
        // The end-of-central-directory record: 22 bytes plus a comment of at most 65535.
        var eocd = -1
        var i = bytes.count - 22
        while i >= 0 && i >= bytes.count - 22 - 65535 {
            if u32(i) == 0x0605_4B50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record (truncated or not a zip archive)") }
        var count = Int(u16(eocd + 10)), cdSize = Int(u32(eocd + 12)), cdOffset = Int(u32(eocd + 16))
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            // Zip64: a locator just before the record points at the zip64 end record.
            let locator = eocd - 20
            guard locator >= 0, u32(locator) == 0x0706_4B50 else { throw fail("zip64 sizes without a zip64 locator") }
            let z = try int(u64(locator + 8), "zip64 record offset")
            guard z >= 0, z <= bytes.count - 56, u32(z) == 0x0606_4B50 else { throw fail("the zip64 end record is not where its locator says") }
            count = try int(u64(z + 32), "entry count")
            cdSize = try int(u64(z + 40), "central directory size")
            cdOffset = try int(u64(z + 48), "central directory offset")
        }
        guard cdOffset <= bytes.count, cdSize <= bytes.count - cdOffset else {
            throw fail("the central directory (\(cdSize) bytes at \(cdOffset)) runs past the end of the \(bytes.count)-byte file")
        }
        guard count <= cdSize / 46 else { throw fail("\(count) entries cannot fit a \(cdSize)-byte central directory") }
        var p = cdOffset
        for _ in 0..<count {
            guard p <= cdOffset + cdSize - 46, u32(p) == 0x0201_4B50 else { throw fail("bad central directory entry at byte \(p)") }
            let nameLength = Int(u16(p + 28)), extraLength = Int(u16(p + 30)), commentLength = Int(u16(p + 32))
            let next = p + 46 + nameLength + extraLength + commentLength
            guard next <= cdOffset + cdSize else { throw fail("central directory entry at byte \(p) runs past the directory") }
            var entry = Entry(name: String(decoding: bytes[p + 46..<p + 46 + nameLength], as: UTF8.self),
                              method: Int(u16(p + 10)), crc32: u32(p + 16), compressedSize: Int(u32(p + 20)),
                              size: Int(u32(p + 24)), headerOffset: Int(u32(p + 42)))
            try readZip64Extra(&entry, from: p + 46 + nameLength, length: extraLength)
            entries.append(entry)
            p = next
        }
    }

    /// The entry named `name`, if any.
    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The bytes of a stored entry, after checking its local header, its bounds and its CRC-32.
    public func data(of entry: Entry) throws -> ArraySlice<UInt8> {
        guard entry.method == 0 else {
            let how = entry.method == 8 ? "deflate-compressed" : "compressed with method \(entry.method)"
            throw fail("entry '\(entry.name)' is \(how); torch.save stores entries uncompressed, so this archive was repacked (unzip and re-zip it with `zip -0`, or load and save it again with torch)")
        }
        let h = entry.headerOffset
        guard h <= bytes.count - 30, u32(h) == 0x0403_4B50 else { throw fail("entry '\(entry.name)' has no local header at byte \(h)") }
        let start = h + 30 + Int(u16(h + 26)) + Int(u16(h + 28))
        guard entry.compressedSize == entry.size, start <= bytes.count, entry.size <= bytes.count - start else {
            throw fail("entry '\(entry.name)' (\(entry.size) bytes at byte \(start)) runs past the end of the \(bytes.count)-byte file")
        }
        let data = bytes[start..<start + entry.size]
        guard crc32(data) == entry.crc32 else { throw fail("entry '\(entry.name)' fails its CRC-32 check (the file is corrupt)") }
        return data
    }

    // MARK: - Helpers

    private func fail(_ message: String) -> ZooError { ZooError.format(path: path, message: "invalid zip archive: " + message) }

    /// The zip64 extended-information field (id 1): 8-byte values for the 32-bit fields that are 0xFFFFFFFF.
    private func readZip64Extra(_ e: inout Entry, from start: Int, length: Int) throws {
        var q = start
        while q + 4 <= start + length {
            let id = u16(q), size = Int(u16(q + 2))
            guard q + 4 + size <= start + length else { break }
            if id == 1 {
                var f = q + 4
                func next(_ value: Int) throws -> Int {
                    guard value == 0xFFFF_FFFF else { return value }
                    guard f + 8 <= q + 4 + size else { throw fail("entry '\(e.name)' lacks a zip64 size") }
                    defer { f += 8 }
                    return try int(u64(f), "zip64 size")
                }
                e.size = try next(e.size)
                e.compressedSize = try next(e.compressedSize)
                e.headerOffset = try next(e.headerOffset)
            }
            q += 4 + size
        }
    }

    private func int(_ v: UInt64, _ what: String) throws -> Int {
        guard v <= UInt64(bytes.count) else { throw fail("\(what) \(v) is beyond the \(bytes.count)-byte file") }
        return Int(v)
    }

    private func u16(_ p: Int) -> UInt16 { UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8 }
    private func u32(_ p: Int) -> UInt32 { UInt32(u16(p)) | UInt32(u16(p + 2)) << 16 }
    private func u64(_ p: Int) -> UInt64 { UInt64(u32(p)) | UInt64(u32(p + 4)) << 32 }
}

/// CRC-32 (IEEE 802.3, the zip polynomial) of `data`.
func crc32(_ data: ArraySlice<UInt8>) -> UInt32 {
    data.withUnsafeBytes { zoo_crc32($0.baseAddress, $0.count) }
}
