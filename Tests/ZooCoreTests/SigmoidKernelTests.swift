// The vectorised sigmoid (CZooKernels) rounds bit for bit as the scalar one, and the GLU rows built on it.
import XCTest
@testable import ZooCore

final class SigmoidKernelTests: XCTestCase {
    /// Every 4099th float bit pattern (about a million, all exponents and both signs) plus the
    /// edges of glibc expf's fast path (|x| = 88), overflow and underflow, zeros, infinities, NaN.
    func testSigmoidRowMatchesTheScalarSigmoidBitForBit() {
        var xs: [Float] = [0, -0, 88, -88, 87.99999, -87.99999, 88.00001, -88.00001, 103.97, -103.97, 104, -104,
                           .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                           .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e-30, -1e-30, 0.5, -0.5, 17, -17]
        var bits: UInt64 = 0
        while bits < 1 << 32 { xs.append(Float(bitPattern: UInt32(bits))); bits += 4099 }
        var out = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in sigmoidRow(x.baseAddress!, o.baseAddress!, count: x.count) }
        }
        var mismatches = 0
        for (x, y) in zip(xs, out) {
            let want = sigmoidScalar(x)
            if want.bitPattern != y.bitPattern && !(want.isNaN && y.isNaN) {
                if mismatches < 5 { XCTFail("σ(\(x)) = \(y), scalar \(want)") }
                mismatches += 1
            }
        }
        XCTAssertEqual(mismatches, 0)
        // Rows of every length up to two vectors, so the 8-wide body and the scalar tail both run.
        for n in 0...17 {
            let x = (0..<n).map { Float($0) * 0.37 - 3 }
            var y = [Float](repeating: 0, count: n)
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { sigmoidRow(xp.baseAddress!, $0.baseAddress!, count: n) } }
            XCTAssertEqual(y, x.map(sigmoidScalar), "n = \(n)")
        }
    }

    func testGLURowsMatchTheScalarRules() {
        let n = 21
        let a = (0..<n).map { Float($0) * 0.3 - 2 }, gate = (0..<n).map { Float($0) * -0.45 + 4 }, g = (0..<n).map { Float($0) * 0.1 - 1 }
        let affine: (Float, Float, Float, Float) = (1.5, -0.25, 0.75, 0.5)
        var out = [Float](repeating: 0, count: n), da = out, dgate = out
        gluRow(a, gate, count: n, out: &out, affine: affine)
        gluGradientRow(g, a, gate, count: n, da: &da, dgate: &dgate, affine: affine)
        for i in 0..<n {
            let ya = a[i] * affine.0 + affine.1, yg = gate[i] * affine.2 + affine.3
            XCTAssertEqual(out[i], gluScalar(ya, yg), "out[\(i)]")
            let (wantA, wantGate) = gluGradients(g[i], ya, yg)
            XCTAssertEqual(da[i], wantA, "da[\(i)]")
            XCTAssertEqual(dgate[i], wantGate, "dgate[\(i)]")
        }
    }
}
