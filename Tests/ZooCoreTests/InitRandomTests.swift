// RNG determinism and state, normal statistics, orthogonal and StackGAN initialisers.
import XCTest
import ZooTestSupport
@testable import ZooCore

final class InitRandomTests: XCTestCase {
    func testGeneratorIsDeterministicAndRestorable() throws {
        var a = RandomGenerator(seed: 42)
        _ = (0..<10).map { _ in a.next() }
        let saved = a.stateWords
        let first = (0..<5).map { _ in a.next() }
        var b = try RandomGenerator(stateWords: saved)
        XCTAssertEqual((0..<5).map { _ in b.next() }, first)
        XCTAssertNotEqual(RandomGenerator(seed: 1).stateWords, RandomGenerator(seed: 2).stateWords)
        XCTAssertThrowsError(try RandomGenerator(stateWords: [0, 0, 0, 0]))
        XCTAssertThrowsError(try RandomGenerator(stateWords: [1, 2]))
    }

    func testNormalStatistics() throws {
        var g = RandomGenerator(seed: 7)
        let t = try Tensor.randn([100_000], mean: 1, std: 2, generator: &g)
        let v = t.scalars.map(Double.init)
        let mean = v.reduce(0, +) / Double(v.count)
        let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)).squareRoot()
        XCTAssertEqual(mean, 1, accuracy: 0.03)
        XCTAssertEqual(std, 2, accuracy: 0.03)
        // Documented pairing: the first two draws are one Box–Muller pair.
        var h = RandomGenerator(seed: 7)
        let (z0, z1) = h.nextNormalPair()
        XCTAssertEqual(t[flat: 0], Float(1 + 2 * z0))
        XCTAssertEqual(t[flat: 1], Float(1 + 2 * z1))
    }

    func testRandomDrawsIndependentOfThreads() throws {
        Threads.set(1)
        var g1 = RandomGenerator(seed: 3)
        let a = try Tensor.randn([50_000], generator: &g1)
        Threads.set(2)
        var g2 = RandomGenerator(seed: 3)
        let b = try Tensor.randn([50_000], generator: &g2)
        Threads.set(1)
        XCTAssertEqual(a, b)
    }

    func testOrthogonal() throws {
        var g = RandomGenerator(seed: 5)
        for shape in [[6, 4], [4, 6], [5, 2, 3, 3], [8, 8]] {
            let w = Variable(try Tensor(zeros: shape))
            try Init.orthogonal(w, gain: 1, generator: &g)
            let rows = shape[0], cols = w.value.count / rows
            let m = try w.value.reshaped([rows, cols])
            // Rows orthonormal when rows ≤ cols, columns orthonormal otherwise.
            let gram = rows <= cols ? try Tensor.matmulKernel(m, m, transB: true) : try Tensor.matmulKernel(m, m, transA: true)
            let n = min(rows, cols)
            for i in 0..<n { for j in 0..<n { XCTAssertEqual(gram[i, j], i == j ? 1 : 0, accuracy: 1e-5, "\(shape) gram[\(i),\(j)]") } }
        }
        let w = Variable(try Tensor(zeros: [3, 3]))
        try Init.orthogonal(w, gain: 2, generator: &g)
        XCTAssertEqual(try Tensor.matmulKernel(w.value, w.value, transB: true)[0, 0], 4, accuracy: 1e-4)
        XCTAssertThrowsError(try Init.orthogonal(Variable(Tensor(zeros: [4])), generator: &g))
    }

    func testStackGANBatchNormInitAndDefaults() throws {
        var g = RandomGenerator(seed: 9)
        let bn = try BatchNorm2d(4096)
        try Init.stackganBatchNorm(bn, generator: &g)
        let w = bn.weight!.value.scalars.map(Double.init)
        XCTAssertEqual(w.reduce(0, +) / Double(w.count), 1, accuracy: 0.002)
        XCTAssertEqual(bn.bias!.value.maxAbs, 0)
        GlobalRandom.seed(1)
        let lin = try Linear(100, 50)
        XCTAssertLessThanOrEqual(lin.weight.value.maxAbs, 0.1)
        XCTAssertGreaterThan(lin.weight.value.maxAbs, 0.09)
    }

    func testSeedingTheGlobalGeneratorReproducesLayers() throws {
        GlobalRandom.seed(11)
        let a = try Conv2d(3, 4, kernelSize: 3)
        GlobalRandom.seed(11)
        let b = try Conv2d(3, 4, kernelSize: 3)
        XCTAssertEqual(a.weight.value, b.weight.value)
    }
}
