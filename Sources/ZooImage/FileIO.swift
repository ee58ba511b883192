// Whole-file reads and atomic writes (temp file + rename) with errors that name the file.
import ZooCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text of the current `errno`.
func errnoMessage() -> String { String(cString: strerror(errno)) }

/// All bytes of the file at `path`.
func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else {
        throw ZooError.io(path: path, message: "cannot open: \(errnoMessage())")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
        if n < chunk.count {
            if ferror(file) != 0 { throw ZooError.io(path: path, message: "read failed: \(errnoMessage())") }
            break
        }
    }
    return bytes
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder is written, flushed and
/// renamed over `path`, so readers never see a half-written file and a failure leaves the old one.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    let temp = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    guard let file = fopen(temp, "wb") else {
        throw ZooError.io(path: path, message: "cannot create \(temp): \(errnoMessage())")
    }
    var ok = bytes.withUnsafeBytes { buffer in
        buffer.count == 0 || fwrite(buffer.baseAddress, 1, buffer.count, file) == buffer.count
    }
    var reason = ok ? "" : "write failed: \(errnoMessage())"
    if ok && fflush(file) != 0 { ok = false; reason = "write failed: \(errnoMessage())" }
    if ok && fsync(fileno(file)) != 0 { ok = false; reason = "fsync failed: \(errnoMessage())" }
    if fclose(file) != 0 && ok { ok = false; reason = "close failed: \(errnoMessage())" }
    if ok && rename(temp, path) != 0 { ok = false; reason = "cannot rename \(temp) to it: \(errnoMessage())" }
    if !ok {
        unlink(temp)
        throw ZooError.io(path: path, message: reason)
    }
}
