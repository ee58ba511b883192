// Adam exactly as torch.optim.Adam (bias-corrected, eps after the square root); state saveable.
import Foundation

/// Per-parameter Adam state: step count and the two moment estimates.
public struct AdamState {
    public var step: Int
    public var expAvg: Tensor
    public var expAvgSq: Tensor
}

/// torch.optim.Adam (no amsgrad). For each parameter at step t:
///   m ← m + (g − m)·(1 − β1)            (torch's lerp)
///   v ← β2·v + (1 − β2)·g²
///   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
/// with `weightDecay` > 0 adding wd·p to g first (L2, as torch's Adam).
public final class Adam {
    public let parameters: [Variable]
    public var lr: Float
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// One entry per parameter, in `parameters` order; nil until its first step.
    public var states: [AdamState?]

    public init(_ parameters: [Variable], lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8,
                weightDecay: Float = 0) {
        self.parameters = parameters
        self.lr = lr
        beta1 = betas.0
        beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        states = Array(repeating: nil, count: parameters.count)
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.grad = nil } }

    /// One update of every parameter that has a gradient.
    public func step() throws {
        for (i, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            try attributingMemory(to: "Adam step of \(p.name.isEmpty ? "a parameter" : "'\(p.name)'") \(shapeString(p.shape))") {
                try update(i, p, grad)
            }
        }
    }

    /// Parameter i's update; a refused copy leaves the parameter and its state as they were.
    private func update(_ i: Int, _ p: Variable, _ grad: Tensor) throws {
        try p.value.makeUnique()
        // Taken out of `states` while updated, so its moment tensors are uniquely held (no copy).
        var st = try states[i] ?? AdamState(step: 0, expAvg: Tensor(zeros: p.shape), expAvgSq: Tensor(zeros: p.shape))
        states[i] = nil
        defer { states[i] = st }
        try st.expAvg.makeUnique()
        try st.expAvgSq.makeUnique()
        st.step += 1
        let t = Double(st.step)
        let bc1 = 1 - Foundation.pow(Double(beta1), t)
        let bc2Sqrt = (1 - Foundation.pow(Double(beta2), t)).squareRoot()
        let stepSize = Float(Double(lr) / bc1)
        let b1 = beta1, b2 = beta2, e = eps, wd = weightDecay
        let bc2 = Float(bc2Sqrt)
        let n = p.value.count
        let (m, v, w) = (st.expAvg.ptr, st.expAvgSq.ptr, p.value.ptr)
        withExtendedLifetime((grad, st, p)) {
            let g = grad.ptr
            // Memory-bound: split across threads; each element's arithmetic is as torch's.
            parallelFor(n, costPerItem: 4) { r in
                for j in r {
                    let gj = wd != 0 ? g[j] + wd * w[j] : g[j]
                    m[j] += (gj - m[j]) * (1 - b1)
                    v[j] = b2 * v[j] + (1 - b2) * gj * gj
                    let denom = v[j].squareRoot() / bc2 + e
                    w[j] -= stepSize * m[j] / denom
                }
            }
        }
    }
}
