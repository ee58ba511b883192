// Kernels split across threads give the same results as one thread.
import XCTest
import ZooTestSupport
@testable import ZooCore

final class ThreadingTests: XCTestCase {
    /// Forward and gradients of a small conv → BN → GLU → upsample chain (large enough to split).
    func run(threads: Int) throws -> [Tensor] {
        Threads.set(threads)
        defer { Threads.set(1) }
        var g = RandomGenerator(seed: 21)
        let x = Variable(Tensor.randn([4, 8, 32, 32], generator: &g), requiresGrad: true)
        let w = Variable(Tensor.randn([16, 8, 3, 3], std: 0.1, generator: &g), requiresGrad: true)
        let bn = BatchNorm2d(16)
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
}
