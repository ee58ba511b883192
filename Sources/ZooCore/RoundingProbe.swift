// Perturbation analysis: optional rounding-sized noise on GEMM-backed op outputs, to measure how
// much a computation's result depends on float32 summation order (parity checks calibrate with it).

/// When `relativeNoise` > 0, every conv2d and linear output y = Σₖ aₖbₖ (K terms), and the input
/// and weight gradients of their backward passes (K = the length of those reductions), is
/// multiplied by 1 + δ (`.relative`), δ uniform in ±relativeNoise·√K: the typical size of
/// the difference between two float32 summation orders of a length-K dot product (another BLAS or
/// CPU kernel, oneDNN's direct conv, another thread split). `.floored` scales by max(|yᵢ|, rms(y))
/// instead: that difference scales with the summands rather than with the sum, so an element that
/// nearly cancels to zero can change sign between two orders (and Adam's first step turns that
/// sign into ±lr), which relative noise never does.
/// Drawn from `generator`. Off (0) by default.
public enum RoundingProbe {
    /// How the noise scales per element (see above).
    public enum Scale: Sendable { case relative, floored }

    nonisolated(unsafe) public static var relativeNoise: Float = 0
    nonisolated(unsafe) public static var scale: Scale = .relative
    nonisolated(unsafe) public static var generator = RandomGenerator(seed: 1)

    /// One float32 ulp relative to the value (2⁻²³).
    public static let ulp: Float = 1.0 / 8_388_608

    @inline(__always)
    static func perturb(_ t: inout Tensor?, reduction k: Int) {
        guard relativeNoise > 0, t != nil else { return }
        perturb(&t!, reduction: k)
    }

    @inline(__always)
    static func perturb(_ t: inout Tensor, reduction k: Int) {
        guard relativeNoise > 0 else { return }
        let amplitude = relativeNoise * Float(k).squareRoot()
        let p = t.ptr, n = t.count
        switch scale {
        case .relative:
            for i in 0..<n { p[i] *= 1 + amplitude * (2 * generator.nextFloat() - 1) }
        case .floored:
            var squares = 0.0
            for i in 0..<n { squares += Double(p[i]) * Double(p[i]) }
            let rms = n > 0 ? Float((squares / Double(n)).squareRoot()) : 0
            for i in 0..<n { p[i] += amplitude * max(abs(p[i]), rms) * (2 * generator.nextFloat() - 1) }
        }
    }

    /// Runs `body` with noise of `amplitude` scaled as `scale`, seeded by `seed`, then turns it off.
    public static func withNoise<R>(amplitude: Float = ulp, scale: Scale = .relative, seed: UInt64,
                                    _ body: () throws -> R) rethrows -> R {
        relativeNoise = amplitude
        self.scale = scale
        generator = RandomGenerator(seed: seed)
        defer { relativeNoise = 0; self.scale = .relative }
        return try body()
    }
}
