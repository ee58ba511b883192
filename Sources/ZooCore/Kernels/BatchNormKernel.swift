// Batch normalisation kernels over [B, C, S] views (S = H·W, or 1 for BatchNorm1d): stats, normalise, backward.
import Foundation

/// Per-channel mean and variance sum of x viewed as [B, C, S], rounded as PyTorch's CPU kernel:
/// the mean is a Double sum divided by n and rounded to Float; the variance sum accumulates the
/// Float products (x − mean)² in Double and is rounded to Float.
func channelStatistics(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int) -> (mean: [Float], varianceSum: [Float]) {
    var mean = [Float](repeating: 0, count: channels)
    var varianceSum = [Float](repeating: 0, count: channels)
    let n = Double(batch * spatial)
    mean.withUnsafeMutableBufferPointer { mp in
        varianceSum.withUnsafeMutableBufferPointer { vp in
            parallelFor(channels, costPerItem: 2 * batch * spatial) { r in
                for c in r {
                    var s = 0.0
                    for b in 0..<batch {
                        let p = x + (b * channels + c) * spatial
                        for i in 0..<spatial { s += Double(p[i]) }
                    }
                    let m = Float(s / n)
                    var v = 0.0
                    for b in 0..<batch {
                        let p = x + (b * channels + c) * spatial
                        for i in 0..<spatial { let d = p[i] - m; v += Double(d * d) }
                    }
                    mp[c] = m
                    vp[c] = Float(v)
                }
            }
        }
    }
    return (mean, varianceSum)
}

/// Per-channel α = invstd·γ and shift = β − mean·α of PyTorch's CPU transform y = x·α + shift
/// (whose rounding the parity fixtures follow); γ = 1 and β = 0 when absent.
func batchNormCoefficients(mean: [Float], invstd: [Float], gamma: Tensor?, beta: Tensor?) -> (alpha: [Float], shift: [Float]) {
    let alpha = (0..<mean.count).map { invstd[$0] * (gamma?.ptr[$0] ?? 1) }
    let shift = (0..<mean.count).map { (beta?.ptr[$0] ?? 0) - mean[$0] * alpha[$0] }
    return withExtendedLifetime((gamma, beta)) { (alpha, shift) }
}

/// out = act(x·α + shift) per channel over x [B, C, S]; for `.glu` out is [B, C/2, S] with
/// out = y[:, c]·σ(y[:, c + C/2]).
func batchNormApply(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                    alpha: [Float], shift: [Float], activation: FusedActivation,
                    out: UnsafeMutablePointer<Float>) {
    if activation == .glu {
        let half = channels / 2
        parallelFor(batch * half, costPerItem: 8 * spatial) { r in
            for idx in r {
                let bi = idx / half, c = idx % half
                let pa = x + (bi * channels + c) * spatial, pb = pa + half * spatial, o = out + idx * spatial
                let aa = alpha[c], sa = shift[c], ab = alpha[c + half], sb = shift[c + half]
                for i in 0..<spatial { o[i] = gluScalar(pa[i] * aa + sa, pb[i] * ab + sb) }
            }
        }
        return
    }
    parallelFor(batch * channels, costPerItem: spatial) { r in
        for idx in r {
            let c = idx % channels
            let a = alpha[c], b = shift[c]
            let p = x + idx * spatial, o = out + idx * spatial
            switch activation {
            case .none: for i in 0..<spatial { o[i] = p[i] * a + b }
            case .relu: for i in 0..<spatial { o[i] = reluScalar(p[i] * a + b) }
            case .leakyRelu(let slope): for i in 0..<spatial { o[i] = leakyReluScalar(p[i] * a + b, slope) }
            case .glu: break
            }
        }
    }
}

/// d/dy of out = act(y) for y = x·α + shift recomputed from x [B, C, S], given g = d/d(out);
/// shaped like x. `.none` returns g itself.
func activationBackward(_ g: Tensor, x: Tensor, batch: Int, channels: Int, spatial: Int,
                        alpha: [Float], shift: [Float], activation: FusedActivation) -> Tensor {
    if activation == .none { return g }
    let gy = Tensor(uninitialized: x.shape)
    let xp = x.ptr, gp = g.ptr, dst = gy.ptr
    if activation == .glu {
        let half = channels / 2
        parallelFor(batch * half, costPerItem: 8 * spatial) { r in
            for idx in r {
                let bi = idx / half, c = idx % half
                let off = (bi * channels + c) * spatial, offB = off + half * spatial
                let aa = alpha[c], sa = shift[c], ab = alpha[c + half], sb = shift[c + half]
                let gg = gp + idx * spatial
                for i in 0..<spatial {
                    (dst[off + i], dst[offB + i]) = gluGradients(gg[i], xp[off + i] * aa + sa, xp[offB + i] * ab + sb)
                }
            }
        }
    } else {
        parallelFor(batch * channels, costPerItem: spatial) { r in
            for idx in r {
                let c = idx % channels
                let a = alpha[c], b = shift[c], off = idx * spatial
                switch activation {
                case .relu: for i in 0..<spatial { dst[off + i] = reluGradient(gp[off + i], xp[off + i] * a + b) }
                case .leakyRelu(let slope):
                    for i in 0..<spatial { dst[off + i] = leakyReluGradient(gp[off + i], xp[off + i] * a + b, slope) }
                case .none, .glu: break
                }
            }
        }
    }
    return withExtendedLifetime((g, x)) { gy }
}

/// Backward of batch norm, with x̂ = (x − mean)·invstd recomputed from the input x and
/// α = γ·invstd (`batchNormCoefficients`):
/// training mode (batch statistics): dx = α/n · (n·g − Σg − x̂·Σ(g·x̂));
/// eval mode (running statistics): dx = α·g.
/// Returns (dx, dγ = Σ g·x̂, dβ = Σ g) with per-channel sums over batch and space.
func batchNormBackward(_ g: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                       mean: [Float], invstd: [Float], alpha: [Float], training: Bool,
                       dx: UnsafeMutablePointer<Float>?) -> (dgamma: [Float], dbeta: [Float]) {
    var dgamma = [Float](repeating: 0, count: channels)
    var dbeta = [Float](repeating: 0, count: channels)
    let n = Float(batch * spatial)
    dgamma.withUnsafeMutableBufferPointer { dg in
        dbeta.withUnsafeMutableBufferPointer { dbp in
            parallelFor(channels, costPerItem: 3 * batch * spatial) { r in
                for c in r {
                    let m = mean[c], s = invstd[c]
                    var sg = 0.0, sgx = 0.0
                    for b in 0..<batch {
                        let off = (b * channels + c) * spatial
                        for i in 0..<spatial {
                            sg += Double(g[off + i])
                            sgx += Double(g[off + i]) * Double((x[off + i] - m) * s)
                        }
                    }
                    dg[c] = Float(sgx)
                    dbp[c] = Float(sg)
                    guard let dx else { continue }
                    let scale = alpha[c]
                    if training {
                        let meanG = Float(sg) / n, meanGX = Float(sgx) / n
                        for b in 0..<batch {
                            let off = (b * channels + c) * spatial
                            for i in 0..<spatial {
                                dx[off + i] = scale * (g[off + i] - meanG - (x[off + i] - m) * s * meanGX)
                            }
                        }
                    } else {
                        for b in 0..<batch {
                            let off = (b * channels + c) * spatial
                            for i in 0..<spatial { dx[off + i] = scale * g[off + i] }
                        }
                    }
                }
            }
        }
    }
    return (dgamma, dbeta)
}
