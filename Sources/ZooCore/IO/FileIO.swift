// FileIO: whole-file reads and atomic whole-file writes (temp file, fsync, rename, directory fsync) over POSIX.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum FileIO {
    /// The text for an errno value ("No such file or directory").
    public static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Reads a whole regular file. Errors are `ZooError.io` naming `path` and the errno text.
    public static func readAll(path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ZooError.io(path: path, message: "cannot open for reading: \(errnoText(errno))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ZooError.io(path: path, message: "cannot stat: \(errnoText(errno))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw ZooError.io(path: path, message: "is a directory, not a file") }

        try MemoryGate.check(bytes: Double(st.st_size), for: "reading \(path)")
        var buffer = [UInt8](repeating: 0, count: max(Int(st.st_size), 0) + 1)  // +1 notices a file that grew
        var filled = 0
        while true {
            if filled == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: max(buffer.count, 4096))) }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ZooError.io(path: path, message: "read failed: \(errnoText(errno))")
            }
            if n == 0 { break }
            filled += n
        }
        buffer.removeSubrange(filled...)
        return buffer
    }

    /// Writes `bytes` to `path` atomically: a temp file `path.tmp.<pid>` in the same directory is written,
    /// fsynced and renamed over `path`, then the directory is fsynced. On failure the temp file is
    /// removed and an existing `path` is left untouched.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let tmp = "\(path).tmp.\(getpid())"
        func fail(_ what: String, _ code: Int32) -> ZooError {
            ZooError.io(path: path, message: "\(what): \(errnoText(code))")
        }
        unlink(tmp)  // a stale temp file left by a crashed process with the same pid
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fail("cannot create temporary file '\(tmp)'", errno) }
        var fdOpen = true
        var renamed = false
        defer {
            if fdOpen { close(fd) }
            if !renamed { unlink(tmp) }
        }

        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("writing temporary file '\(tmp)' failed", errno)
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw fail("fsync of temporary file '\(tmp)' failed", errno) }
        fdOpen = false
        guard close(fd) == 0 else { throw fail("closing temporary file '\(tmp)' failed", errno) }
        guard rename(tmp, path) == 0 else { throw fail("cannot rename temporary file '\(tmp)' over it", errno) }
        renamed = true

        // Make the rename itself durable.
        let dir = directoryName(of: path)
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw fail("written, but cannot open directory '\(dir)' to fsync it", errno) }
        defer { close(dfd) }
        if fsync(dfd) != 0 && errno != EINVAL && errno != ENOTSUP {  // some file systems cannot fsync directories
            throw fail("written, but fsync of directory '\(dir)' failed", errno)
        }
    }

    /// The directory part of a path: "." for a bare name, "/" for a file in the root.
    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = path[..<slash]
        return dir.isEmpty ? "/" : String(dir)
    }
}
