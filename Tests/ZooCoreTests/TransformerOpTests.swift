// The text-encoder kernels beyond the fixtures: accuracy against Double, masks, errors, threads, memory.
import Foundation
import XCTest
import ZooTestSupport
@testable import ZooCore

final class TransformerOpTests: XCTestCase {
    override func setUp() { Threads.set(1) }

    /// Every float in ±16 at a stride of bit patterns, the tail region, and the specials.
    func geluInputs() throws -> Tensor {
        var xs: [Float] = [0, -0, .infinity, 1e-30, -1e-30, 8.5, -8.5, -13, -14.9, -20, 20, 100, -100]
        var bits = Float(0).bitPattern
        while bits < Float(16).bitPattern {
            let x = Float(bitPattern: bits)
            xs += [x, -x]
            bits += 4099
        }
        return try Tensor(shape: [xs.count], data: xs)
    }

    func testGELUIsTheDoubleFormulaRoundedOnce() throws {
        let x = try geluInputs()
        let y = try x.gelu()
        var exact = 0
        for i in 0..<x.count {
            let xv = Double(x[flat: i]), ref = Float(xv * 0.5 * erfc(-xv * 0.5.squareRoot()))
            let got = y[flat: i]
            if got == ref { exact += 1; continue }
            // Else one rounding step away (the exact value sits by a rounding boundary).
            XCTAssertTrue(got == ref.nextUp || got == ref.nextDown, "gelu(\(x[flat: i])) = \(got), expected \(ref)")
        }
        XCTAssertGreaterThan(Double(exact) / Double(x.count), 0.99, "\(exact) of \(x.count) exact")
        XCTAssertTrue(try Tensor(shape: [2], data: [.nan, -.infinity]).gelu().scalars.allSatisfy(\.isNaN), "as 0.5·x·(1 + erf)")
    }

    func testSoftmaxAgainstDouble() throws {
        // Lengths around the 8-lane blocks, scores far apart (exp underflows below −87), masks of each kind.
        for l in [1, 3, 7, 8, 9, 16, 17, 40] {
            var gen = RandomGenerator(seed: UInt64(l))
            let clean = try Tensor.randn([2, 3, l], generator: &gen) * 30
            var maskValues = (0..<(2 * l)).map { _ in Float(gen.nextInt(below: 3) == 0 ? 0 : 1) }
            maskValues[0] = 1
            maskValues[l] = 1
            let mask = try Tensor(shape: [2, l], data: maskValues)
            // Masked keys may hold anything, even NaN or huge scores: they never count.
            var poisoned = clean
            for j in 0..<l where maskValues[l + j] == 0 { try poisoned.set(1, 0, j, to: j % 2 == 0 ? .nan : 1e30) }
            for keyMask in [nil, mask] {
                let x = keyMask == nil ? clean : poisoned
                let y = try x.softmax(keyMask: keyMask)
                for b in 0..<2 {
                    for r in 0..<3 {
                        let kept = (0..<l).filter { keyMask == nil || maskValues[b * l + $0] == 1 }
                        let m = kept.map { Double(x[b, r, $0]) }.max()!
                        let total = kept.map { Foundation.exp(Double(x[b, r, $0]) - m) }.reduce(0, +)
                        for j in 0..<l {
                            let ref = kept.contains(j) ? Foundation.exp(Double(x[b, r, j]) - m) / total : 0
                            if keyMask != nil && !kept.contains(j) { XCTAssertEqual(y[b, r, j], 0, "masked key exactly 0") }
                            XCTAssertEqual(Double(y[b, r, j]), ref, accuracy: 1e-6, "L \(l) [\(b), \(r), \(j)] mask \(keyMask != nil)")
                        }
                    }
                }
            }
        }
    }

    func testLayerNormAgainstDouble() throws {
        // Rows of 384 (MiniLM's width), eps 1e-12 as BERT.
        var gen = RandomGenerator(seed: 5)
        let x = try Tensor.randn([3, 384], generator: &gen) * 2 + 0.5
        let gamma = try Tensor.randn([384], generator: &gen), beta = try Tensor.randn([384], generator: &gen)
        let y = try x.layerNorm(gamma: gamma, beta: beta, eps: 1e-12)
        for r in 0..<3 {
            let row = (0..<384).map { Double(x[r, $0]) }
            let mean = row.reduce(0, +) / 384
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 384
            for j in 0..<384 {
                let ref = (row[j] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[j]) + Double(beta[j])
                XCTAssertEqual(Double(y[r, j]), ref, accuracy: 1e-5 * max(1, abs(ref)), "[\(r), \(j)]")
            }
        }
        let zeroVariance = try Tensor(shape: [1, 4], repeating: 3).layerNorm(gamma: Tensor(shape: [4], repeating: 1),
                                                                                  beta: Tensor(zeros: [4]), eps: 1e-5)
        XCTAssertEqual(zeroVariance.scalars, [0, 0, 0, 0], "a constant row normalises to β")
    }

    func testPermuteMatchesIndexing() throws {
        let x = try Tensor(shape: [2, 3, 4, 5], data: (0..<120).map(Float.init))
        for axes in [[0, 2, 1, 3], [3, 1, 0, 2], [0, 1, 2, 3], [-1, 0, 1, 2]] {
            let y = try x.permute(axes)
            let perm = axes.map { $0 < 0 ? $0 + 4 : $0 }
            XCTAssertEqual(y.shape, perm.map { x.shape[$0] })
            for i in 0..<y.count {
                var rest = i, index = [Int](repeating: 0, count: 4)
                for a in (0..<4).reversed() { index[a] = rest % y.shape[a]; rest /= y.shape[a] }
                var source = [Int](repeating: 0, count: 4)
                for a in 0..<4 { source[perm[a]] = index[a] }
                XCTAssertEqual(y[flat: i], x[source[0], source[1], source[2], source[3]], "\(axes) at \(index)")
            }
        }
        XCTAssertEqual(try Tensor(scalar: 4).permute([]).scalars, [4], "a scalar's empty permutation")
        XCTAssertEqual(try Tensor(zeros: [2, 0, 3]).permute([2, 0, 1]).shape, [3, 2, 0])
    }

    func testBadArgumentsAreErrorsNamingTheCulprit() throws {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        let table = try Tensor(zeros: [7, 2])
        XCTAssertTrue(message { try Tensor.embedding(table: table, indices: Tensor(shape: [2, 2], data: [0, 1, 7, 2])) }
            .contains("index 7 at [1, 0] is not an integer in 0..<7"))
        XCTAssertTrue(message { try Tensor.embedding(table: table, indices: Tensor(shape: [1], data: [1.5])) }.contains("index 1.5 at [0]"))
        XCTAssertTrue(message { try Tensor.embedding(table: table, indices: Tensor(shape: [1], data: [-1])) }.contains("index -1"))
        XCTAssertTrue(message { try Tensor.embedding(table: Tensor(zeros: [7]), indices: Tensor(zeros: [1])) }.contains("[V, D]"))
        let scores = try Tensor(zeros: [2, 3, 4])
        XCTAssertTrue(message { try scores.softmax(keyMask: Tensor(shape: [2, 4], data: [1, 0, 0, 0, 0, 0, 0, 0])) }
            .contains("key mask row 1 keeps no key"))
        XCTAssertTrue(message { try scores.softmax(keyMask: Tensor(shape: [2, 4], data: [1, 0.5, 1, 1, 1, 1, 1, 1])) }
            .contains("key mask value 0.5 at [0, 1]"))
        XCTAssertTrue(message { try scores.softmax(keyMask: Tensor(zeros: [2, 3])) }.contains("key mask [2, 3] does not match scores [2, 3, 4]"))
        XCTAssertTrue(message { try scores.layerNorm(gamma: Tensor(zeros: [3]), beta: Tensor(zeros: [4]), eps: 1e-5) }
            .contains("gamma [3] does not match the last axis of input [2, 3, 4]"))
        XCTAssertTrue(message { try scores.layerNorm(gamma: Tensor(zeros: [4]), beta: Tensor(zeros: [4]), eps: -1) }.contains("eps"))
        XCTAssertTrue(message { try scores.permute([0, 0, 1]) }.contains("[0, 0, 1] is not a permutation"))
        XCTAssertTrue(message { try scores.permute([0, 1]) }.contains("is not a permutation"))
        XCTAssertTrue(message { try scores.permute([0, 1, 3]) }.contains("axis 3 out of range"))
    }

    func testOneAndTwoThreadsGiveTheSameBits() throws {
        var gen = RandomGenerator(seed: 9)
        let x = try Tensor.randn([4, 12, 16, 16], generator: &gen) * 4
        let mask = try Tensor(shape: [4, 16], data: (0..<64).map { Float($0 % 16 < 16 - $0 / 16 * 3 ? 1 : 0) })
        let h = try Tensor.randn([256, 384], generator: &gen)
        let gamma = try Tensor.randn([384], generator: &gen), beta = try Tensor.randn([384], generator: &gen)
        let table = try Tensor.randn([50, 384], generator: &gen)
        let ids = try Tensor(shape: [8, 16], data: (0..<128).map { Float($0 * 7 % 50) })
        func run() throws -> [Tensor] {
            [try x.softmax(keyMask: mask), try x.softmax(), try h.layerNorm(gamma: gamma, beta: beta, eps: 1e-12), try h.gelu(),
             try Tensor.embedding(table: table, indices: ids), try h.reshaped([256, 12, 32]).permute([1, 0, 2])]
        }
        let one = try run()
        Threads.set(2)
        defer { Threads.set(1) }
        XCTAssertEqual(try run(), one)
    }

    func testRefusalsNameTheOp() throws {
        let x = try Tensor(zeros: [64, 64]), g = try Tensor(zeros: [64])
        let table = try Tensor(zeros: [4, 1000]), ids = try Tensor(zeros: [1000])
        func refused(_ body: () throws -> Any) -> String {
            do { _ = try MemoryBudget.withLimit(1000) { try body() }; return "no refusal" } catch ZooError.outOfMemory(let op, _, _) {
                return op
            } catch { return "\(error)" }
        }
        XCTAssertEqual(refused { try x.layerNorm(gamma: g, beta: g, eps: 1e-5) }, "layer_norm [64, 64]")
        XCTAssertEqual(refused { try x.gelu() }, "gelu [64, 64]")
        XCTAssertEqual(refused { try x.softmax() }, "softmax [64, 64]")
        XCTAssertEqual(refused { try x.permute([1, 0]) }, "permute [64, 64] by [1, 0]")
        XCTAssertEqual(refused { try Tensor.embedding(table: table, indices: ids) }, "embedding [1000] from table [4, 1000]")
    }
}
