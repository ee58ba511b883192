// Scoped scratch memory for kernel temporaries (im2col tiles, GEMM-layout tiles, dW partial sums).
import Foundation

/// Uninitialised, 64-byte-aligned Float buffers valid inside a closure. They come from the same
/// allocator as tensors (`BufferCache`): below 1 MiB glibc's heap, which is configured never to
/// hand freed memory back, reuses them without page faults; from 1 MiB on the buffer cache does.
/// Concurrent and nested borrowers each get their own buffer.
enum Scratch {
    /// Runs `body` with an uninitialised buffer of at least `count` Floats, valid only inside `body`.
    static func withBuffer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = BufferCache.allocate(bytes)
        defer { BufferCache.release(raw, bytes) }
        return try body(raw.bindMemory(to: Float.self, capacity: max(count, 1)))
    }

    /// Two buffers at once (e.g. a col tile and a GEMM-layout tile).
    static func withBuffers<R>(_ a: Int, _ b: Int,
                               _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try withBuffer(a) { pa in try withBuffer(b) { pb in try body(pa, pb) } }
    }
}
