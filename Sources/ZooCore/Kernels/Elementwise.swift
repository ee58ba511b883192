// Elementwise forward kernels on Tensors (no autograd): maps, broadcast binaries, activations.
internal import CZooKernels
import Foundation

extension Tensor {
    /// out[i] = f(self[i]), split across threads for large tensors.
    @inline(__always)
    func map(cost: Int = 1, _ f: (Float) -> Float) throws -> Tensor {
        let out = try Tensor(uninitialized: shape)
        let src = ptr, dst = out.ptr
        parallelFor(count, costPerItem: cost) { r in for i in r { dst[i] = f(src[i]) } }
        return withExtendedLifetime(self) { out }
    }

    /// out[i] = f(self[i], other[i]) for equal shapes.
    @inline(__always)
    func zipMap(_ other: Tensor, cost: Int = 1, _ f: (Float, Float) -> Float) throws -> Tensor {
        let out = try Tensor(uninitialized: shape)
        let a = ptr, b = other.ptr, dst = out.ptr
        parallelFor(count, costPerItem: cost) { r in for i in r { dst[i] = f(a[i], b[i]) } }
        return withExtendedLifetime((self, other)) { out }
    }

    /// out[i] = f(self[i], a[i], b[i]) for equal shapes.
    @inline(__always)
    func zipMap(_ a: Tensor, _ b: Tensor, cost: Int = 1, _ f: (Float, Float, Float) -> Float) throws -> Tensor {
        let out = try Tensor(uninitialized: shape)
        let x = ptr, pa = a.ptr, pb = b.ptr, dst = out.ptr
        parallelFor(count, costPerItem: cost) { r in for i in r { dst[i] = f(x[i], pa[i], pb[i]) } }
        return withExtendedLifetime((self, a, b)) { out }
    }

    /// Broadcasting binary op; throws a shape error naming `op` when shapes do not broadcast, and
    /// names `op` and both shapes when the result's memory is refused.
    @inline(__always)
    static func broadcastBinary(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) throws -> Tensor {
        try attributingMemory(to: "\(op) \(shapeString(a.shape)) and \(shapeString(b.shape))") {
            try broadcastBinaryKernel(a, b, op: op, f)
        }
    }

    @inline(__always)
    private static func broadcastBinaryKernel(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) throws -> Tensor {
        if a.shape == b.shape { return try a.zipMap(b, f) }
        let outShape = try broadcastShape(a.shape, b.shape, op: op)
        let out = try Tensor(uninitialized: outShape)
        let plan = BroadcastPlan(outShape: outShape, operands: [a.shape, b.shape])
        let inner = plan.innerCount
        let sa = plan.strides[0].last!, sb = plan.strides[1].last!
        let pa = a.ptr, pb = b.ptr, dst = out.ptr
        parallelFor(plan.outerCount, costPerItem: inner) { r in
            for o in r {
                let offs = plan.offsets(outer: o)
                var ia = offs[0], ib = offs[1]
                let base = o * inner
                if sa == 1 && sb == 0 {
                    let bv = pb[ib]
                    for j in 0..<inner { dst[base + j] = f(pa[ia + j], bv) }
                } else if sa == 0 && sb == 1 {
                    let av = pa[ia]
                    for j in 0..<inner { dst[base + j] = f(av, pb[ib + j]) }
                } else {
                    for j in 0..<inner { dst[base + j] = f(pa[ia], pb[ib]); ia += sa; ib += sb }
                }
            }
        }
        return withExtendedLifetime((a, b)) { out }
    }

    /// self += other (same shape), in place.
    mutating func addInPlace(_ other: Tensor) throws {
        try makeUnique()
        let dst = ptr, src = other.ptr
        parallelFor(count) { r in for i in r { dst[i] += src[i] } }
        withExtendedLifetime(other) {}
    }

    /// Exact GELU: 0.5·x·(1 + erf(x/√2)) = x·Φ(x) (PyTorch's default `approximate="none"`), in
    /// Double and rounded once (`zoo_gelu`). Shapes: any → the same.
    public func gelu() throws -> Tensor {
        try attributingMemory(to: "gelu \(shapeString(shape))") {
            let out = try Tensor(uninitialized: shape)
            let src = ptr, dst = out.ptr
            parallelFor(count, costPerItem: 16) { r in zoo_gelu(src + r.lowerBound, dst + r.lowerBound, r.count) }
            return withExtendedLifetime(self) { out }
        }
    }

    // MARK: - Public conveniences (no autograd)

    /// out[i] = f(self[i]) (for plugins and tools; the engine's kernels use the inlined form).
    public func mapped(_ f: (Float) -> Float) throws -> Tensor { try map(f) }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try broadcastBinary(a, b, op: "add") { $0 + $1 } }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try broadcastBinary(a, b, op: "sub") { $0 - $1 } }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try broadcastBinary(a, b, op: "mul") { $0 * $1 } }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try broadcastBinary(a, b, op: "div") { $0 / $1 } }
    public static func * (a: Tensor, s: Float) throws -> Tensor { try a.map { $0 * s } }
    public static func + (a: Tensor, s: Float) throws -> Tensor { try a.map { $0 + s } }

    /// Largest absolute difference to `other` (same shape), for tests and parity reports.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "maxAbsDifference: \(shapeString(shape)) vs \(shapeString(other.shape))")
        var m: Float = 0
        for i in 0..<count {
            let d = abs(ptr[i] - other.ptr[i])
            if d.isNaN { return .nan }
            m = max(m, d)
        }
        return withExtendedLifetime((self, other)) { m }
    }

    /// Largest absolute value.
    public var maxAbs: Float {
        var m: Float = 0
        for i in 0..<count { m = max(m, abs(ptr[i])) }
        return withExtendedLifetime(self) { m }
    }

    /// True when every element is finite.
    public var isFinite: Bool {
        for i in 0..<count where !ptr[i].isFinite { return false }
        return withExtendedLifetime(self) { true }
    }
}

// MARK: - Scalar math used by kernels

// The activations' rules, shared by the separate ops and batch norm's fused forms.

@inline(__always) func reluScalar(_ y: Float) -> Float { y > 0 ? y : 0 }
@inline(__always) func leakyReluScalar(_ y: Float, _ slope: Float) -> Float { y > 0 ? y : y * slope }
/// d/dy of ReLU / LeakyReLU applied to upstream g; at y = 0 the negative side (as PyTorch).
@inline(__always) func reluGradient(_ g: Float, _ y: Float) -> Float { y > 0 ? g : 0 }
@inline(__always) func leakyReluGradient(_ g: Float, _ y: Float, _ slope: Float) -> Float { y > 0 ? g : g * slope }

/// GLU out = a·σ(b) and its gradients for upstream g: (g·σ(b), g·a·σ(b)·(1 − σ(b))).
@inline(__always) func gluScalar(_ a: Float, _ gate: Float) -> Float { a * sigmoidScalar(gate) }
@inline(__always) func gluGradients(_ g: Float, _ a: Float, _ gate: Float) -> (da: Float, dgate: Float) {
    let sg = sigmoidScalar(gate)
    return (g * sg, g * a * sg * (1 - sg))
}

/// out[i] = sigmoidScalar(x[i]), eight at a time where the CPU allows (bit for bit the same:
/// CZooKernels' zoo_sigmoid repeats glibc's expf). In place is allowed.
@inline(__always) func sigmoidRow(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
    zoo_sigmoid(x, out, count)
}

/// A row of GLU: out[i] = gluScalar(a(i), gate(i)) for pre-activations a(i) = a[i]·αa + βa and
/// gate(i) = gate[i]·αg + βg (α = 1, β = 0 for a plain GLU: the inputs are used as they are).
@inline(__always)
func gluRow(_ a: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, count: Int, out: UnsafeMutablePointer<Float>,
            affine: (Float, Float, Float, Float) = (1, 0, 1, 0)) {
    gateSigmoidRow(gate, count: count, scale: affine.2, shift: affine.3, out: out)
    if affine == (1, 0, 1, 0) {
        for i in 0..<count { out[i] = a[i] * out[i] }
    } else {
        for i in 0..<count { out[i] = (a[i] * affine.0 + affine.1) * out[i] }
    }
}

/// A row of GLU's gradients (`gluGradients`) for upstream g, with pre-activations as in `gluRow`.
@inline(__always)
func gluGradientRow(_ g: UnsafePointer<Float>, _ a: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, count: Int,
                    da: UnsafeMutablePointer<Float>, dgate: UnsafeMutablePointer<Float>,
                    affine: (Float, Float, Float, Float) = (1, 0, 1, 0)) {
    let (aa, sa) = (affine.0, affine.1), plain = affine == (1, 0, 1, 0)
    gateSigmoidRow(gate, count: count, scale: affine.2, shift: affine.3, out: dgate)
    for i in 0..<count {
        let s = dgate[i], ya = plain ? a[i] : a[i] * aa + sa
        da[i] = g[i] * s
        dgate[i] = g[i] * ya * s * (1 - s)
    }
}

/// out[i] = σ(gate[i]·scale + shift), or σ(gate[i]) itself when (scale, shift) = (1, 0).
@inline(__always)
private func gateSigmoidRow(_ gate: UnsafePointer<Float>, count: Int, scale: Float, shift: Float,
                            out: UnsafeMutablePointer<Float>) {
    guard scale != 1 || shift != 0 else { return sigmoidRow(gate, out, count: count) }
    for i in 0..<count { out[i] = gate[i] * scale + shift }
    sigmoidRow(out, out, count: count)
}

/// d/dx of GELU applied to upstream g: Φ(x) + x·φ(x) = erfc(−x/√2)/2 + x·exp(−x²/2)/√(2π), in Double.
@inline(__always) func geluGradient(_ g: Float, _ x: Float) -> Float {
    let xd = Double(x)
    return Float(Double(g) * (0.5 * erfc(-xd * 0.5.squareRoot()) + xd * Foundation.exp(-0.5 * xd * xd) * 0.3989422804014327))
}

@inline(__always) func sigmoidScalar(_ x: Float) -> Float {
    // Stable for large |x|: never exponentiates a large positive number.
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}
