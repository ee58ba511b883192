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

/// out = x·α + β per channel with α = invstd·γ and β = bias − mean·α (PyTorch's CPU transform,
/// whose rounding the parity fixtures follow).
func batchNormApply(_ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                    mean: [Float], invstd: [Float], gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                    out: UnsafeMutablePointer<Float>) {
    let alpha = (0..<channels).map { invstd[$0] * (gamma?[$0] ?? 1) }
    let shift = (0..<channels).map { (beta?[$0] ?? 0) - mean[$0] * alpha[$0] }
    parallelFor(batch * channels, costPerItem: spatial) { r in
        for idx in r {
            let c = idx % channels
            let a = alpha[c], b = shift[c]
            let p = x + idx * spatial, o = out + idx * spatial
            for i in 0..<spatial { o[i] = p[i] * a + b }
        }
    }
}

/// Backward of batch norm, with x̂ = (x − mean)·invstd recomputed from the input x:
/// training mode (batch statistics): dx = γ·invstd/n · (n·g − Σg − x̂·Σ(g·x̂));
/// eval mode (running statistics): dx = γ·invstd·g.
/// Returns (dx, dγ = Σ g·x̂, dβ = Σ g) with per-channel sums over batch and space.
func batchNormBackward(_ g: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                       mean: [Float], invstd: [Float], gamma: [Float]?, training: Bool,
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
                    let gm = gamma?[c] ?? 1
                    let scale = gm * invstd[c]
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
