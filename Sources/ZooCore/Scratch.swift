// Reusable scratch memory for kernel temporaries, so big buffers are not page-faulted in on every call.
import Foundation

/// A small pool of 64-byte-aligned Float buffers that stay mapped between kernel calls.
///
/// glibc serves large allocations with fresh `mmap`s and returns them on free, so a kernel that
/// allocates its temporaries per call pays a page fault (and a page clear) for every 4 KiB it
/// touches. Kernels borrow from here instead. Buffers are taken out of the pool while in use, so
/// concurrent or nested borrowers each get their own; at most `maxCachedBytes` stay cached.
enum Scratch {
    /// Upper bound on the memory the pool keeps between calls.
    static let maxCachedBytes = 96 << 20

    private final class Buffer {
        let pointer: UnsafeMutablePointer<Float>
        let capacity: Int
        init(capacity: Int) {
            self.capacity = capacity
            pointer = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1) * 4, alignment: 64)
                .bindMemory(to: Float.self, capacity: max(capacity, 1))
        }
        deinit { UnsafeMutableRawPointer(pointer).deallocate() }
    }

    private static let lock = NSLock()
    /// Stands in for zero-length requests, which must not take a cached buffer out of the pool.
    private static let empty = Buffer(capacity: 0)
    nonisolated(unsafe) private static var cached: [Buffer] = []

    /// Runs `body` with an uninitialised buffer of at least `count` Floats, valid only inside `body`.
    static func withBuffer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        if count == 0 { return try body(empty.pointer) }
        let buffer = take(count)
        defer { giveBack(buffer) }
        return try body(buffer.pointer)
    }

    /// Two buffers at once (e.g. a col tile and a GEMM-layout tile).
    static func withBuffers<R>(_ a: Int, _ b: Int,
                               _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try withBuffer(a) { pa in try withBuffer(b) { pb in try body(pa, pb) } }
    }

    /// Bytes currently cached (for tests and diagnostics).
    static var cachedBytes: Int { lock.withLock { cached.reduce(0) { $0 + $1.capacity * 4 } } }

    /// The smallest cached buffer that fits, or a new one.
    private static func take(_ count: Int) -> Buffer {
        let hit: Buffer? = lock.withLock {
            guard let i = cached.indices.filter({ cached[$0].capacity >= count })
                .min(by: { cached[$0].capacity < cached[$1].capacity }) else { return nil }
            return cached.remove(at: i)
        }
        return hit ?? Buffer(capacity: count)
    }

    /// Returns a buffer to the pool, dropping the smallest ones while over the cap.
    private static func giveBack(_ buffer: Buffer) {
        lock.withLock {
            cached.append(buffer)
            cached.sort { $0.capacity > $1.capacity }
            var total = 0
            cached = cached.filter { b in
                total += b.capacity * 4
                return total <= maxCachedBytes
            }
        }
    }
}
