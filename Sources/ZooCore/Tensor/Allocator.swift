// Tensor memory: keeps freed buffers for reuse, because a training step frees and reallocates the
// same large buffers every iteration and fresh memory costs a page fault (and a page clear) per 4 KiB.
import Foundation

#if os(Linux)
/// glibc's mallopt and malloc_trim (declared in <malloc.h>, which the Glibc module does not export).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// Gives memory that is free but still held back to the system: the buffer cache's buffers (and
/// its high-water mark, so what was live before does not size the cache from now on) and glibc's
/// free heap. Called when a model is built, whose initialisation temporaries no step will reuse.
public func releaseFreedMemory() {
    BufferCache.purge()
    #if os(Linux)
    _ = glibcMallocTrim(0)
    #endif
}

/// Done once, before the first tensor allocation: glibc maps every buffer of `BufferCache.minBytes`
/// (1 MiB) and more on its own, and the buffer cache keeps those for reuse; below that the heap is
/// never trimmed, so small freed buffers are reused instead of being unmapped and faulted in again.
/// (The heap threshold had been 32 MiB: a training step's many 1–32 MiB activations then
/// fragmented the heap, and v1 Stage-I's peak RSS wandered between 1.5 and 1.75 GB from run to
/// run; with 1 MiB it is 1.4 GB, at the same speed, and the generator forward's 0.75 → 0.6 GB.)
let allocatorConfigured: Void = {
    #if os(Linux)
    _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, Int32(BufferCache.minBytes))
    _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, Int32.max)
    _ = glibcMallopt(-2 /* M_TOP_PAD */, 64 << 20)
    #endif
}()

/// Freed tensor buffers of at least `minBytes` (from `MemoryGate`, which asks here before it
/// allocates), kept for the next request that fits: glibc maps
/// such buffers afresh on every allocation and unmaps them on free, so without this each step of a
/// large model page-faults in its activations, gradients and temporaries again (measured: 14% of a
/// v2 birds training step in the kernel's page clearing).
///
/// A request takes the smallest cached buffer of its size up to twice its size (a training step
/// asks for the same sizes every iteration and gets them back exactly; a generator's forward pass,
/// whose consecutive layers differ in size and whose live set is small, reuses the buffers of its
/// neighbours instead of mapping new ones), and a buffer counts as live with its whole size.
///
/// The cache bounds peak memory: live plus cached bytes stay at or below the most bytes that were
/// ever live at once plus a slack (`slack`), so an allocation that misses first frees the oldest
/// cached buffers to make room.
enum BufferCache {
    static let minBytes = 1 << 20

    /// What the cache may hold beyond the peak live bytes: a quarter of them, at most 256 MiB.
    /// Without it a training step's misses fault in pages again (v1 Stage-I: 1.08M page faults per
    /// bench run at no slack, 0.48M with it, for 1.21 → 1.38 GB of a budget PyTorch sets at 1.55).
    @inline(__always)
    static func slack(_ peak: Int) -> Int { min(peak / 4, 256 << 20) }

    private static let lock = NSLock()
    /// Cached (size, pointer) in the order they were freed (eviction takes the oldest first).
    nonisolated(unsafe) private static var order: [(Int, UnsafeMutableRawPointer)] = []
    /// The size of every live buffer of at least `minBytes` (it may exceed what its owner asked for).
    nonisolated(unsafe) private static var sizes: [UnsafeMutableRawPointer: Int] = [:]
    nonisolated(unsafe) private static var cachedBytes = 0
    nonisolated(unsafe) private static var liveBytes = 0
    nonisolated(unsafe) private static var peakLiveBytes = 0

    /// Byte count actually reserved for a request (page multiples from `minBytes` on).
    @inline(__always)
    static func roundedSize(_ bytes: Int) -> Int {
        bytes < minBytes ? max(bytes, 4) : (bytes + 4095) & ~4095
    }

    /// For a request of at least `minBytes`: a cached buffer that fits (counted live with its whole
    /// size), or nil after recording the miss (the request counts as live, and the oldest cached
    /// buffers beyond the bound are freed) for `MemoryGate` to allocate and `adopt`, or to cancel
    /// when it refuses. Smaller requests: nil, nothing recorded.
    static func reuse(_ bytes: Int) -> UnsafeMutableRawPointer? {
        let request = roundedSize(bytes)
        guard request >= minBytes else { return nil }
        var evicted: [UnsafeMutableRawPointer] = []
        let hit: UnsafeMutableRawPointer? = lock.withLock {
            // The smallest cached buffer that fits, within twice the request (the latest freed of a size).
            var best: Int?
            for (i, (size, _)) in order.enumerated() where size >= request && size <= 2 * request {
                if best == nil || size <= order[best!].0 { best = i }
            }
            if let best {
                let (size, p) = order.remove(at: best)
                cachedBytes -= size
                liveBytes += size
                peakLiveBytes = max(peakLiveBytes, liveBytes)
                sizes[p] = size
                return p
            }
            // The high-water mark rises when the fresh buffer is adopted: a refused request must not raise it.
            liveBytes += request
            let peak = max(peakLiveBytes, liveBytes)
            var drop = 0
            while liveBytes + cachedBytes > peak + slack(peak), drop < order.count {
                let (s, p) = order[drop]
                drop += 1
                cachedBytes -= s
                evicted.append(p)
            }
            order.removeFirst(drop)
            return nil
        }
        for p in evicted { free(p) }
        return hit
    }

    /// Records the fresh buffer `pointer` of a miss `reuse(bytes)` recorded.
    static func adopt(_ pointer: UnsafeMutableRawPointer, _ bytes: Int) {
        let request = roundedSize(bytes)
        guard request >= minBytes else { return }
        lock.withLock {
            sizes[pointer] = request
            peakLiveBytes = max(peakLiveBytes, liveBytes)
        }
    }

    /// Undoes the miss `reuse(bytes)` recorded, whose allocation was refused.
    static func cancelMiss(_ bytes: Int) {
        let request = roundedSize(bytes)
        guard request >= minBytes else { return }
        lock.withLock { liveBytes -= request }
    }

    /// Takes back a released buffer of `roundedSize` bytes: true when the cache keeps it, false
    /// when it is below `minBytes` (the caller frees it).
    static func keep(_ pointer: UnsafeMutableRawPointer, _ roundedSize: Int) -> Bool {
        guard roundedSize >= minBytes else { return false }
        lock.withLock {
            let size = sizes.removeValue(forKey: pointer)!
            liveBytes -= size
            order.append((size, pointer))
            cachedBytes += size
        }
        return true
    }

    /// Frees every cached buffer and lowers the high-water mark to what is live now.
    static func purge() {
        let all: [UnsafeMutableRawPointer] = lock.withLock {
            defer { order = []; cachedBytes = 0; peakLiveBytes = liveBytes }
            return order.map(\.1)
        }
        for p in all { free(p) }
    }

    /// Bytes cached now, and live in buffers of at least `minBytes` (tests and diagnostics).
    static var bytesCached: Int { lock.withLock { cachedBytes } }
    static var bytesLive: Int { lock.withLock { liveBytes } }
    /// The most bytes live at once since the last purge.
    static var bytesPeakLive: Int { lock.withLock { peakLiveBytes } }
}
