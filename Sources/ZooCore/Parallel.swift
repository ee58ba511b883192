// The one thread setting (--threads / STACKZOO_THREADS) and the parallel-for used by the kernels.
import Foundation
internal import CBLAS

/// How many threads the engine uses: OpenBLAS's GEMM threads and the split of elementwise,
/// im2col/col2im and batch-norm kernels. Set once at start-up (`Threads.set`), or from
/// the environment variable `STACKZOO_THREADS`; defaults to the number of cores.
public enum Threads {
    nonisolated(unsafe) private static var current: Int = {
        let n = ProcessInfo.processInfo.environment["STACKZOO_THREADS"].flatMap { Int($0) } ?? ProcessInfo.processInfo.activeProcessorCount
        let clamped = max(1, n)
        openblas_set_num_threads(Int32(clamped))
        return clamped
    }()

    /// The thread count in effect.
    public static var count: Int { current }

    /// Sets the thread count for GEMM and for the engine's own kernels.
    public static func set(_ n: Int) {
        current = max(1, n)
        openblas_set_num_threads(Int32(current))
    }
}

/// Runs `body` over `0..<count` split into contiguous chunks across `Threads.count` threads when
/// the work (`count * costPerItem`, in rough element operations) is large enough to pay for it.
/// Chunks never overlap, so bodies writing disjoint outputs need no locks.
@inline(__always)
func parallelFor(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
    let threads = Threads.count
    let minWork = 1 << 15
    if threads <= 1 || count < 2 || count * costPerItem < minWork {
        body(0..<count)
        return
    }
    let chunks = min(threads, count)
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}
