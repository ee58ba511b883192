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
                    var s = DoubleLanes()
                    for b in 0..<batch {
                        let p = x + (b * channels + c) * spatial
                        s.add(count: spatial) { Double(p[$0]) }
                    }
                    let m = Float(s.total / n)
                    var v = DoubleLanes()
                    for b in 0..<batch {
                        let p = x + (b * channels + c) * spatial
                        v.add(count: spatial) { let d = p[$0] - m; return Double(d * d) }
                    }
                    mp[c] = m
                    vp[c] = Float(v.total)
                }
            }
        }
    }
    return (mean, varianceSum)
}

/// Four Double partial sums over interleaved elements (i mod 4), so the adds of a long
/// reduction overlap instead of waiting on one another; `total` joins them pairwise. The
/// Float results the BN kernels round these to match a single running Double sum.
struct DoubleLanes {
    var l0 = 0.0, l1 = 0.0, l2 = 0.0, l3 = 0.0
    var total: Double { (l0 + l1) + (l2 + l3) }

    /// Adds term(i) for i in 0..<count.
    @inline(__always) mutating func add(count: Int, _ term: (Int) -> Double) {
        var i = 0
        while i + 4 <= count {
            l0 += term(i); l1 += term(i + 1); l2 += term(i + 2); l3 += term(i + 3)
            i += 4
        }
        while i < count { l0 += term(i); i += 1 }
    }
}

/// Σ g[i] and Σ g[i]·x̂[i] with x̂ = (x − m)·s rounded to Float, as two sets of Double lanes.
@inline(__always)
func gradientSums(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, mean m: Float, invstd s: Float,
                  _ sg: inout DoubleLanes, _ sgx: inout DoubleLanes) {
    @inline(__always) func gx(_ i: Int) -> Double { Double(g[i]) * Double((x[i] - m) * s) }
    var i = 0
    while i + 4 <= count {
        sg.l0 += Double(g[i]); sg.l1 += Double(g[i + 1]); sg.l2 += Double(g[i + 2]); sg.l3 += Double(g[i + 3])
        sgx.l0 += gx(i); sgx.l1 += gx(i + 1); sgx.l2 += gx(i + 2); sgx.l3 += gx(i + 3)
        i += 4
    }
    while i < count { sg.l0 += Double(g[i]); sgx.l0 += gx(i); i += 1 }
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
                gluRow(pa, pb, count: spatial, out: o, affine: (aa, sa, ab, sb))
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

/// Writes d/dy of out = act(y), y = x·α + shift recomputed from x, for one [S] row of channel c of
/// item b, given g = d/d(out) [B, C', S] (C' = C/2 for `.glu`, else C). `.glu` rows come in pairs:
/// channel c < C/2 and its gate c + C/2 are written to `dst` and `gateDst` from one sigmoid each.
/// Returns the row to read: `g`'s own row for `.none`, else `dst`.
@inline(__always)
private func activationGradientRow(_ g: UnsafePointer<Float>, x: UnsafePointer<Float>, item b: Int, channel c: Int,
                                   channels: Int, spatial: Int, alpha: [Float], shift: [Float], activation: FusedActivation,
                                   dst: UnsafeMutablePointer<Float>, gateDst: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
    let xr = x + (b * channels + c) * spatial
    switch activation {
    case .none: return g + (b * channels + c) * spatial
    case .relu:
        let a = alpha[c], t = shift[c], gr = g + (b * channels + c) * spatial
        for i in 0..<spatial { dst[i] = reluGradient(gr[i], xr[i] * a + t) }
    case .leakyRelu(let slope):
        let a = alpha[c], t = shift[c], gr = g + (b * channels + c) * spatial
        for i in 0..<spatial { dst[i] = leakyReluGradient(gr[i], xr[i] * a + t, slope) }
    case .glu:
        let half = channels / 2, gr = g + (b * half + c) * spatial, xg = xr + half * spatial
        let aa = alpha[c], sa = shift[c], ab = alpha[c + half], sb = shift[c + half]
        gluGradientRow(gr, xr, xg, count: spatial, da: dst, dgate: gateDst, affine: (aa, sa, ab, sb))
    }
    return UnsafePointer(dst)
}

/// Backward of act(batch norm), with x̂ = (x − mean)·invstd recomputed from the input x,
/// α = γ·invstd (`batchNormCoefficients`) and gy = d/dy of the fused activation recomputed row by
/// row from the upstream gradient g (never stored whole):
/// training mode (batch statistics): dx = α/n · (n·gy − Σgy − x̂·Σ(gy·x̂));
/// eval mode (running statistics): dx = α·gy.
/// Returns (dx, dγ = Σ gy·x̂, dβ = Σ gy) with per-channel sums over batch and space.
func batchNormBackward(_ g: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
                       mean: [Float], invstd: [Float], alpha: [Float], shift: [Float], activation: FusedActivation,
                       training: Bool, dx: UnsafeMutablePointer<Float>?) throws -> (dgamma: [Float], dbeta: [Float]) {
    var dgamma = [Float](repeating: 0, count: channels)
    var dbeta = [Float](repeating: 0, count: channels)
    let n = Float(batch * spatial)
    // A unit is one channel, or for GLU a channel and its gate, whose gradients one sigmoid gives.
    let glu = activation == .glu
    let units = glu ? channels / 2 : channels
    // GLU keeps its gy rows of every item between the two passes (one sigmoid per pair, a
    // cache-sized 2·B·S buffer per share); the other activations recompute a row when needed.
    let kept = glu ? batch : 1, members = glu ? 2 : 1
    let shares = parallelShares(work: units * (glu ? 16 : 4) * batch * spatial, maxShares: units)
    try dgamma.withUnsafeMutableBufferPointer { dg in
        try dbeta.withUnsafeMutableBufferPointer { dbp in
            try Scratch.withShareBuffers(2 * kept * spatial, shares: shares) { buffer in
              parallelRegion(shares) { share in
                let r = units * share / shares..<units * (share + 1) / shares
                var sg = [DoubleLanes](repeating: DoubleLanes(), count: members), sgx = sg
                do {
                    let rows = buffer(share), gateRows = rows + kept * spatial
                    for unit in r {
                        // Member k of the unit is channel unit + k·units (k = 1: GLU's gate). Its gy
                        // row of item b, computed (for both members) when `compute`, else as GLU kept it.
                        func gyRow(_ k: Int, _ b: Int, compute: Bool) -> UnsafePointer<Float> {
                            let slot = glu ? b * spatial : 0
                            if k == 1 { return UnsafePointer(gateRows + slot) }
                            guard compute else { return UnsafePointer(rows + slot) }
                            return activationGradientRow(g, x: x, item: b, channel: unit, channels: channels, spatial: spatial,
                                                         alpha: alpha, shift: shift, activation: activation,
                                                         dst: rows + slot, gateDst: gateRows + slot)
                        }
                        for k in 0..<members { (sg[k], sgx[k]) = (DoubleLanes(), DoubleLanes()) }
                        for b in 0..<batch {
                            for k in 0..<members {
                                let c = unit + k * units, off = (b * channels + c) * spatial
                                gradientSums(gyRow(k, b, compute: true), x + off, count: spatial, mean: mean[c], invstd: invstd[c],
                                             &sg[k], &sgx[k])
                            }
                        }
                        for k in 0..<members {
                            dg[unit + k * units] = Float(sgx[k].total)
                            dbp[unit + k * units] = Float(sg[k].total)
                        }
                        guard let dx else { continue }
                        for b in 0..<batch {
                            for k in 0..<members {
                                let c = unit + k * units, off = (b * channels + c) * spatial
                                let gy = gyRow(k, b, compute: !glu)
                                let m = mean[c], s = invstd[c], scale = alpha[c], d = dx + off, xr = x + off
                                if training {
                                    let meanG = dbp[c] / n, meanGX = dg[c] / n
                                    for i in 0..<spatial { d[i] = scale * (gy[i] - meanG - (xr[i] - m) * s * meanGX) }
                                } else {
                                    for i in 0..<spatial { d[i] = scale * gy[i] }
                                }
                            }
                        }
                    }
                }
              }
            }
        }
    }
    return (dgamma, dbeta)
}
