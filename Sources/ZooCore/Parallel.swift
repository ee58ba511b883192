// The one thread setting (--threads / STACKZOO_THREADS), the parallel-for used by the kernels, and
// parallel regions (on the engine's thread pool) whose threads each run whole pieces of work serially.
import Foundation
internal import CBLAS
internal import CZooKernels

/// How many threads the engine uses: the split of GEMMs, conv tiles, elementwise, im2col/col2im
/// and batch-norm kernels. Set once at start-up (`Threads.set`), or from the environment variable
/// `STACKZOO_THREADS`; defaults to the number of cores.
///
/// OpenBLAS itself always runs on the calling thread: the engine splits GEMMs across its own
/// threads (`sgemm` in Linalg.swift), so no BLAS worker spins waiting for work while the engine's
/// threads need the cores (on a shared 2-core machine those spinning workers cost ~12% of a step).
public enum Threads {
    nonisolated(unsafe) private static var current: Int = {
        openblas_set_num_threads(1)
        let n = ProcessInfo.processInfo.environment["STACKZOO_THREADS"].flatMap { Int($0) } ?? ProcessInfo.processInfo.activeProcessorCount
        return max(1, n)
    }()

    /// The thread count in effect.
    public static var count: Int { current }

    /// Sets the engine's thread count.
    public static func set(_ n: Int) {
        _ = current
        current = max(1, n)
    }

    /// Runs `body` with OpenBLAS allowed `Threads.count` threads (LAPACK factorisations, which
    /// the engine does not split itself), then back to one.
    static func withBLASThreads<R>(_ body: () throws -> R) rethrows -> R {
        openblas_set_num_threads(Int32(count))
        defer { openblas_set_num_threads(1) }
        return try body()
    }
}

/// Marks threads that are running one share of a parallel region: kernels called there run
/// serially instead of splitting again.
private let serialKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// True on a thread that is running one share of a parallel region or parallel-for.
@inline(__always)
var insideParallelWork: Bool { pthread_getspecific(serialKey) != nil }

/// Runs `body(share)` for share in 0..<shares, concurrently, each on one thread, with nested
/// `parallelFor` and GEMM splitting turned off inside (each share runs its work serially).
/// One share runs inline with nesting left on.
///
/// The shares run on the engine's pool (`zoo_pool_run`): the calling thread and Threads.count − 1
/// helpers, each taking the next share as it comes free. The helpers poll for 0.2 ms after a
/// region before they sleep. libdispatch's workers sleep at once, and waking one cost 75–100 µs
/// on this (virtual) machine: a region of two 190 µs shares took 265 µs, and one of two 47 µs
/// shares took longer than running both serially. A demo training step runs ~640 regions; with
/// the pool it took 6% less time (4 interleaved pairs, each faster).
func parallelRegion(_ shares: Int, _ body: (Int) -> Void) {
    if shares <= 1 { if shares == 1 { body(0) }; return }
    withoutActuallyEscaping(body) { body in
        let share = RegionShare { s in
            let previous = pthread_getspecific(serialKey)
            pthread_setspecific(serialKey, UnsafeRawPointer(bitPattern: 1))
            defer { pthread_setspecific(serialKey, previous) }
            body(s)
        }
        let ran = withExtendedLifetime(share) {
            zoo_pool_run(Int32(Threads.count), Int32(shares), { context, s in
                Unmanaged<RegionShare>.fromOpaque(context!).takeUnretainedValue().run(Int(s))
            }, Unmanaged.passUnretained(share).toOpaque()) != 0
        }
        // A region begun while another runs (a loader thread's, say) goes to libdispatch instead.
        if !ran { DispatchQueue.concurrentPerform(iterations: shares, execute: share.run) }
    }
}

/// A region's share body, passed to the C pool as its context.
private final class RegionShare {
    let run: (Int) -> Void
    init(_ run: @escaping (Int) -> Void) { self.run = run }
}

/// The number of shares worth splitting `work` (rough element operations) into: 1 inside a
/// parallel region, with one thread, or below ~32k operations; else `Threads.count`.
@inline(__always)
func parallelShares(work: Int, maxShares: Int = .max) -> Int {
    let threads = Threads.count
    if threads <= 1 || work < 1 << 15 || maxShares < 2 || insideParallelWork { return 1 }
    return min(threads, maxShares)
}

/// Runs `body` over `0..<count` split into contiguous chunks across `Threads.count` threads when
/// the work (`count * costPerItem`, in rough element operations) is large enough to pay for it.
/// Chunks never overlap, so bodies writing disjoint outputs need no locks.
@inline(__always)
func parallelFor(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
    let chunks = parallelShares(work: count * costPerItem, maxShares: count)
    if chunks <= 1 {
        body(0..<count)
        return
    }
    parallelRegion(chunks) { c in
        let lo = count * c / chunks, hi = count * (c + 1) / chunks
        if lo < hi { body(lo..<hi) }
    }
}
