// PNG and JPEG header and trailer checks without decoding: size, format, and signs of truncation.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ZooCore

/// What the first and last bytes of an image file say: format and size. Catches missing files,
/// empty, non-image and truncated files (PNG without its IEND chunk, JPEG without its EOI marker),
/// a PNG header with a bad CRC, and JPEGs the decoder cannot read (CMYK). Pixel data is not read.
public struct ImageHeader: Equatable, Sendable {
    public enum Format: String, Sendable { case png = "PNG", jpeg = "JPEG" }
    public var format: Format
    public var width: Int
    public var height: Int

    /// How much of the file's start is searched for a JPEG frame header.
    static let headBytes = 1 << 18

    /// Reads the header of `path`; throws a `DataProblem` naming the file and the defect.
    public static func read(path: String) throws -> ImageHeader {
        func problem(_ reason: String) -> DataProblem { DataProblem(file: path, reason: reason) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw problem(errno == ENOENT ? "missing file" : "cannot open: \(FileIO.errnoText(errno))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw problem("cannot stat: \(FileIO.errnoText(errno))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw problem("is a folder, not an image file") }
        let size = Int(st.st_size)
        guard size > 0 else { throw problem("empty file (0 bytes)") }
        func readAt(_ offset: Int, _ count: Int) throws -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw problem("read failed: \(FileIO.errnoText(errno))")
                }
                if n == 0 { break }
                done += n
            }
            return Array(out[0..<done])
        }
        let head = try readAt(0, min(size, headBytes))
        let tail = try readAt(max(0, size - 32), min(size, 32))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try png(head: head, tail: tail, problem)
        }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            return try jpeg(head: head, tail: tail, wholeFile: size <= headBytes, problem)
        }
        let first = head.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
        throw problem("not a PNG or JPEG image (first bytes: \(first))")
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
    }

    private static func png(head: [UInt8], tail: [UInt8], _ problem: (String) -> DataProblem) throws -> ImageHeader {
        guard head.count >= 33 else { throw problem("truncated PNG: \(head.count) bytes, too short for the IHDR chunk") }
        guard be32(head, 8) == 13, Array(head[12..<16]) == Array("IHDR".utf8) else {
            throw problem("corrupt PNG: the first chunk is not a 13-byte IHDR")
        }
        guard crc32(head[12..<29]) == UInt32(be32(head, 29)) else { throw problem("corrupt PNG: IHDR CRC mismatch") }
        let width = be32(head, 16), height = be32(head, 20)
        guard width > 0, height > 0 else { throw problem("corrupt PNG: size \(width)x\(height)") }
        let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        guard tail.count >= 12, Array(tail.suffix(12)) == iend else { throw problem("truncated PNG: no IEND chunk at the end") }
        return ImageHeader(format: .png, width: width, height: height)
    }

    private static func jpeg(head: [UInt8], tail: [UInt8], wholeFile: Bool, _ problem: (String) -> DataProblem) throws -> ImageHeader {
        var i = 2
        while true {
            guard i + 1 < head.count else {
                throw problem(wholeFile ? "truncated JPEG: no frame header" : "JPEG: no frame header in the first \(headBytes) bytes")
            }
            guard head[i] == 0xFF else { throw problem("corrupt JPEG: expected a marker at byte \(i)") }
            var m = head[i + 1]
            while m == 0xFF, i + 2 < head.count { i += 1; m = head[i + 1] }  // fill bytes
            i += 2
            if m == 0x01 || (0xD0...0xD7).contains(m) { continue }  // markers without a length
            if m == 0xD9 || m == 0xDA { throw problem("corrupt JPEG: image data before the frame header") }
            guard i + 1 < head.count else { throw problem("truncated JPEG: cut inside a marker") }
            let length = Int(head[i]) << 8 | Int(head[i + 1])
            guard length >= 2 else { throw problem("corrupt JPEG: marker length \(length)") }
            let isFrame = (0xC0...0xCF).contains(m) && m != 0xC4 && m != 0xC8 && m != 0xCC
            if isFrame {
                guard i + 7 < head.count else { throw problem("truncated JPEG: cut inside the frame header") }
                let height = Int(head[i + 3]) << 8 | Int(head[i + 4])
                let width = Int(head[i + 5]) << 8 | Int(head[i + 6])
                let components = Int(head[i + 7])
                guard width > 0, height > 0 else { throw problem("corrupt JPEG: size \(width)x\(height)") }
                guard components == 1 || components == 3 else {
                    throw problem("unsupported JPEG: \(components) colour components (only grey and RGB/YCbCr)")
                }
                let hasEnd = tail.count >= 2 && zip(tail, tail.dropFirst()).contains { $0 == 0xFF && $1 == 0xD9 }
                guard hasEnd else { throw problem("truncated JPEG: no end-of-image marker") }
                return ImageHeader(format: .jpeg, width: width, height: height)
            }
            i += length
        }
    }
}

/// CRC-32 (IEEE, as PNG uses it).
func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
    }
    return c ^ 0xFFFF_FFFF
}
