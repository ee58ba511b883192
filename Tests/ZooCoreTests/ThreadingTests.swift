// Kernels split across threads give the same results as one thread; the pool runs every share once.
import XCTest
import ZooTestSupport
@testable import ZooCore

final class ThreadingTests: XCTestCase {
    /// Forward and gradients of a small conv → BN → GLU → upsample chain (large enough to split).
    func run(threads: Int) throws -> [Tensor] {
        Threads.set(threads)
        defer { Threads.set(1) }
        var g = RandomGenerator(seed: 21)
        let x = Variable(try Tensor.randn([4, 8, 32, 32], generator: &g), requiresGrad: true)
        let w = Variable(try Tensor.randn([16, 8, 3, 3], std: 0.1, generator: &g), requiresGrad: true)
        let bn = try BatchNorm2d(16)
        let y = try x.conv2d(weight: w, bias: nil, stride: 1, padding: 1)
        let z = try bn(y).glu().upsampleNearest(scale: 2).sigmoid()
        let loss = try (z * z).mean()
        try loss.backward()
        return [z.value, x.grad!, w.grad!, bn.weight!.grad!, bn.runningVar.value]
    }

    func testSameResultsForOneAndTwoThreads() throws {
        let a = try run(threads: 1), b = try run(threads: 2)
        for (i, (p, q)) in zip(a, b).enumerated() {
            // GEMM blocking may differ with the thread count; everything else is split without reordering sums.
            assertClose(p, q, tol: 1e-6, "tensor \(i)")
        }
    }

    /// Each share's count after `regions` regions of `shares` shares, run from the calling thread.
    static func countShares(regions: Int, shares: Int) -> [Int] {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: shares)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: shares)
        for _ in 0..<regions {
            parallelRegion(shares) { s in
                counts[s] += 1  // each share runs on one thread at a time
                XCTAssertTrue(insideParallelWork)
            }
        }
        return Array(UnsafeBufferPointer(start: counts, count: shares))
    }

    func testPoolRunsEveryShareOnce() {
        Threads.set(3)
        defer { Threads.set(1) }
        // Many regions back to back (helpers polling), after a pause (helpers asleep), few and many shares.
        XCTAssertEqual(Self.countShares(regions: 500, shares: 2), [Int](repeating: 500, count: 2))
        usleep(20_000)
        XCTAssertEqual(Self.countShares(regions: 3, shares: 257), [Int](repeating: 3, count: 257))
        XCTAssertFalse(insideParallelWork)
    }

    func testRegionsFromTwoThreadsAtOnce() {
        // One caller holds the pool; the other's regions fall back to libdispatch, and both complete.
        Threads.set(2)
        defer { Threads.set(1) }
        let results = UnsafeMutablePointer<[Int]>.allocate(capacity: 2)
        defer { results.deinitialize(count: 2).deallocate() }
        results.initialize(repeating: [], count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            results[t] = Self.countShares(regions: 300, shares: 5)
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: results, count: 2)), [[Int](repeating: 300, count: 5), [Int](repeating: 300, count: 5)])
    }
}
