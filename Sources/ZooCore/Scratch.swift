// Scoped scratch memory for kernel temporaries (im2col tiles, GEMM-layout tiles, dW partial sums).
import Foundation

/// Uninitialised, 64-byte-aligned buffers valid inside a closure, from the memory gate like
/// tensors (`MemoryGate`, which may refuse them): below 1 MiB glibc's heap, which is configured
/// never to hand freed memory back, reuses them without page faults; from 1 MiB on the buffer
/// cache does. Concurrent and nested borrowers each get their own buffer.
///
/// A parallel region's shares cannot throw, so a region's scratch is taken before it starts:
/// `withShareBuffers` gives each share its own slice of one buffer.
enum Scratch {
    /// Runs `body` with an uninitialised buffer of at least `count` Floats, valid only inside `body`.
    static func withBuffer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) throws -> R {
        try withBuffer(of: Float.self, count, body)
    }

    /// Runs `body` with an uninitialised buffer of at least `count` elements of `T`, valid only inside `body`.
    static func withBuffer<T, R>(of _: T.Type, _ count: Int, _ body: (UnsafeMutablePointer<T>) throws -> R) throws -> R {
        let buffer = try MemoryGate.allocate(count: count, stride: MemoryLayout<T>.stride, op: "scratch memory")
        defer { MemoryGate.release(buffer) }
        return try body(buffer.pointer.bindMemory(to: T.self, capacity: max(count, 1)))
    }

    /// Two Float buffers at once (e.g. a col tile and a GEMM-layout tile).
    static func withBuffers<R>(_ a: Int, _ b: Int,
                               _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> R) throws -> R {
        try withBuffer(a) { pa in try withBuffer(b) { pb in try body(pa, pb) } }
    }

    /// Runs `body` with `shares` Float buffers of `count` each, taken before the parallel region that
    /// uses them: `body` gets share s's buffer from `buffer(s)`.
    static func withShareBuffers<R>(_ count: Int, shares: Int,
                                    _ body: (_ buffer: (Int) -> UnsafeMutablePointer<Float>) throws -> R) throws -> R {
        let (total, overflow) = max(count, 1).multipliedReportingOverflow(by: max(shares, 1))
        let stride = max(count, 1)
        return try withBuffer(overflow ? Int.max / 4 : total) { base in try body { base + $0 * stride } }
    }
}
