// Layer normalisation over the last axis: the forward kernel (rows in parallel) and its backward.

extension Tensor {
    /// Layer norm over the last axis: (x − mean) / sqrt(var + eps) · gamma + beta, with the biased
    /// variance (as PyTorch's `F.layer_norm`), computed as (x·rstd − mean·rstd)·gamma + beta in
    /// PyTorch's CPU order; mean and variance summed in Double.
    /// Shapes: x (..., C), gamma (C), beta (C) → (..., C).
    public func layerNorm(gamma: Tensor, beta: Tensor, eps: Float) throws -> Tensor {
        try layerNormForward(gamma: gamma, beta: beta, eps: eps).out
    }

    /// The forward with each row's statistics: mean [R] and rstd = 1/sqrt(var + eps) [R], R = count / C.
    func layerNormForward(gamma: Tensor, beta: Tensor, eps: Float) throws -> (out: Tensor, mean: Tensor, rstd: Tensor) {
        guard let c = shape.last else {
            throw ZooError.shape(op: "layer_norm", message: "needs at least 1 dimension, got a scalar")
        }
        for (name, p) in [("gamma", gamma), ("beta", beta)] where p.shape != [c] {
            throw ZooError.shape(op: "layer_norm", message: "\(name) \(shapeString(p.shape)) does not match the last axis of input \(shapeString(shape)) (expected [\(c)])")
        }
        guard eps >= 0, eps.isFinite else {
            throw ZooError.invalidArgument(op: "layer_norm", message: "eps must be finite and ≥ 0, got \(eps)")
        }
        let rows = c == 0 ? 0 : count / c
        return try attributingMemory(to: "layer_norm \(shapeString(shape))") {
            let out = try Tensor(uninitialized: shape), mean = try Tensor(uninitialized: [rows]), rstd = try Tensor(uninitialized: [rows])
            let x = ptr, y = out.ptr, g = gamma.ptr, b = beta.ptr, mp = mean.ptr, rp = rstd.ptr
            parallelFor(rows, costPerItem: 8 * c) { r in
                for row in r {
                    let xr = x + row * c, yr = y + row * c
                    let (m, s) = rowMoments(xr, count: c, eps: eps)
                    let shift = -m * s
                    for j in 0..<c { yr[j] = (xr[j] * s + shift) * g[j] + b[j] }
                    mp[row] = m
                    rp[row] = s
                }
            }
            return withExtendedLifetime((self, gamma, beta)) { (out, mean, rstd) }
        }
    }

    /// Gradients of layer norm from the upstream g [R, C] (x̂ = x·rstd − mean·rstd recomputed):
    /// dx = rstd·(gγ − mean_j(gγ) − x̂·mean_j(gγ·x̂)) with gγ = g·γ, dγ = Σ_rows g·x̂, dβ = Σ_rows g.
    static func layerNormBackward(_ g: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor,
                                  needInput: Bool, needAffine: Bool) throws -> (dx: Tensor?, dgamma: Tensor?, dbeta: Tensor?) {
        let c = gamma.count, rows = mean.count
        let gp = g.ptr, xp = x.ptr, gam = gamma.ptr, mp = mean.ptr, rp = rstd.ptr
        @inline(__always) func xhat(_ row: Int, _ j: Int) -> Float {
            let s = rp[row]
            return xp[row * c + j] * s + (-mp[row] * s)
        }
        var dx: Tensor?
        if needInput {
            let out = try Tensor(uninitialized: x.shape)
            let d = out.ptr
            parallelFor(rows, costPerItem: 12 * c) { r in
                for row in r {
                    let gr = gp + row * c
                    var sg = DoubleLanes(), sgx = DoubleLanes()
                    sg.add(count: c) { Double(gr[$0] * gam[$0]) }
                    sgx.add(count: c) { Double(gr[$0] * gam[$0] * xhat(row, $0)) }
                    let meanG = Float(sg.total / Double(c)), meanGX = Float(sgx.total / Double(c)), s = rp[row]
                    let dr = d + row * c
                    for j in 0..<c { dr[j] = s * (gr[j] * gam[j] - meanG - xhat(row, j) * meanGX) }
                }
            }
            dx = out
        }
        var dgamma: Tensor?, dbeta: Tensor?
        if needAffine {
            let dg = try Tensor(uninitialized: [c]), db = try Tensor(uninitialized: [c])
            let dgp = dg.ptr, dbp = db.ptr
            // Columns in parallel, each summing its rows in Double.
            parallelFor(c, costPerItem: 8 * rows) { r in
                for j in r {
                    var sg = 0.0, sgx = 0.0
                    for row in 0..<rows {
                        let gv = Double(gp[row * c + j])
                        sg += gv
                        sgx += gv * Double(xhat(row, j))
                    }
                    dgp[j] = Float(sgx)
                    dbp[j] = Float(sg)
                }
            }
            (dgamma, dbeta) = (dg, db)
        }
        return withExtendedLifetime((g, x, gamma, mean, rstd)) { (dx, dgamma, dbeta) }
    }
}

/// A row's mean and 1/sqrt(var + eps), var the biased variance: Σx and Σ(x − mean)² in Double
/// lanes, the mean rounded to Float before the deviations (as batch norm's statistics).
@inline(__always)
private func rowMoments(_ x: UnsafePointer<Float>, count c: Int, eps: Float) -> (mean: Float, rstd: Float) {
    var s = DoubleLanes()
    s.add(count: c) { Double(x[$0]) }
    let m = Float(s.total / Double(c))
    var v = DoubleLanes()
    v.add(count: c) { let d = x[$0] - m; return Double(d * d) }
    return (m, Float(1 / (v.total / Double(c) + Double(eps)).squareRoot()))
}
