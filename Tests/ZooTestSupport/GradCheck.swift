// Central finite-difference gradient checks for ops and modules (torch's Jacobian tester, ggml's MODE_GRAD).
import ZooCore

/// Result of one gradient check: the worst mismatch found and where.
public struct GradCheckReport: CustomStringConvertible {
    public var maxError: Float
    public var worst: String
    public var description: String { "max error \(maxError) at \(worst)" }
}

/// Compares analytic gradients of L = Σ f(inputs) · w (w a fixed random weighting) with central
/// differences, for every element of every input that requires gradients.
/// Error per element: |analytic − numeric| / max(1, |numeric|).
public func gradCheck(_ inputs: [Variable], eps: Float = 1e-2, seed: UInt64 = 99,
                      _ f: ([Variable]) throws -> Variable) throws -> GradCheckReport {
    var gen = RandomGenerator(seed: seed)
    let y0 = try f(inputs)
    let w = try Tensor.randn(y0.shape, generator: &gen)

    func loss() throws -> Double {
        let y = try withNoGrad { try f(inputs) }.value
        var s = 0.0
        for i in 0..<y.count { s += Double(y[flat: i]) * Double(w[flat: i]) }
        return s
    }

    for v in inputs { v.grad = nil }
    let weighted = try (y0 * Variable(w)).sum()
    try weighted.backward()

    var report = GradCheckReport(maxError: 0, worst: "-")
    for (k, v) in inputs.enumerated() where v.requiresGrad {
        let analytic = try v.grad ?? Tensor(zeros: v.shape)
        for i in 0..<v.value.count {
            let original = v.value[flat: i]
            try v.value.set(flat: i, to: original + eps)
            let plus = try loss()
            try v.value.set(flat: i, to: original - eps)
            let minus = try loss()
            try v.value.set(flat: i, to: original)
            let numeric = Float((plus - minus) / (2 * Double(eps)))
            let err = abs(analytic[flat: i] - numeric) / max(1, abs(numeric))
            if !(err <= report.maxError) {
                report.maxError = err
                report.worst = "input \(k) element \(i): analytic \(analytic[flat: i]) numeric \(numeric)"
            }
        }
    }
    return report
}

/// A leaf requiring gradients with N(0, 1) values (optionally pushed away from zero by `margin`,
/// for ops with a kink at 0). Test inputs are small: a refused allocation stops the test run.
public func randomInput(_ shape: [Int], seed: UInt64, margin: Float = 0, scale: Float = 1) -> Variable {
    var gen = RandomGenerator(seed: seed)
    var t = try! Tensor.randn(shape, generator: &gen)
    for i in 0..<t.count {
        var x = t[flat: i] * scale
        if margin > 0 && abs(x) < margin { x = x < 0 ? x - margin : x + margin }
        try! t.set(flat: i, to: x)
    }
    return Variable(t, requiresGrad: true)
}
