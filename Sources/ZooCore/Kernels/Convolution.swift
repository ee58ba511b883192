// conv2d as im2col + one sgemm over the whole batch; backward via sgemm and col2im.

/// Geometry of one 2-D convolution: input [B, C, H, W], kernel kH×kW, stride, zero padding.
struct ConvGeometry: Equatable {
    var batch, channels, height, width: Int
    var outChannels, kernelH, kernelW, stride, padding: Int
    var outH: Int { (height + 2 * padding - kernelH) / stride + 1 }
    var outW: Int { (width + 2 * padding - kernelW) / stride + 1 }
    /// im2col rows: C·kH·kW.
    var colRows: Int { channels * kernelH * kernelW }
    /// im2col columns: B·H'·W'.
    var colCols: Int { batch * outH * outW }
}

/// col [C·kH·kW, B·H'·W'] from x [B, C, H, W]; row r = (c·kH + i)·kW + j, column (b·H' + y)·W' + x.
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>) {
    let oh = g.outH, ow = g.outW, n = g.colCols
    let plane = g.height * g.width
    parallelFor(g.colRows, costPerItem: n) { rows in
        for r in rows {
            let c = r / (g.kernelH * g.kernelW)
            let i = (r / g.kernelW) % g.kernelH
            let j = r % g.kernelW
            let dstRow = col + r * n
            for b in 0..<g.batch {
                let src = x + (b * g.channels + c) * plane
                for y in 0..<oh {
                    let dst = dstRow + (b * oh + y) * ow
                    let iy = y * g.stride - g.padding + i
                    if iy < 0 || iy >= g.height {
                        dst.update(repeating: 0, count: ow)
                        continue
                    }
                    let srow = src + iy * g.width
                    if g.stride == 1 {
                        // ix = xo - padding + j: a shifted copy with zero borders.
                        let shift = j - g.padding
                        let lo = max(0, -shift), hi = min(ow, g.width - shift)
                        if lo > 0 { dst.update(repeating: 0, count: min(lo, ow)) }
                        if hi > lo { (dst + lo).update(from: srow + lo + shift, count: hi - lo) }
                        if hi < ow { (dst + max(hi, 0)).update(repeating: 0, count: ow - max(hi, 0)) }
                    } else {
                        for xo in 0..<ow {
                            let ix = xo * g.stride - g.padding + j
                            dst[xo] = (ix >= 0 && ix < g.width) ? srow[ix] : 0
                        }
                    }
                }
            }
        }
    }
}

/// dx [B, C, H, W] = col2im(dcol): every column entry added back to the pixel it was copied from.
/// Threads split over channels, so no two threads write the same pixel.
func col2im(_ col: UnsafePointer<Float>, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
    let oh = g.outH, ow = g.outW, n = g.colCols
    let plane = g.height * g.width
    let kk = g.kernelH * g.kernelW
    parallelFor(g.channels, costPerItem: kk * n) { chans in
        for c in chans {
            for b in 0..<g.batch { (dx + (b * g.channels + c) * plane).update(repeating: 0, count: plane) }
            for i in 0..<g.kernelH {
                for j in 0..<g.kernelW {
                    let srcRow = col + ((c * g.kernelH + i) * g.kernelW + j) * n
                    for b in 0..<g.batch {
                        let dst = dx + (b * g.channels + c) * plane
                        for y in 0..<oh {
                            let iy = y * g.stride - g.padding + i
                            if iy < 0 || iy >= g.height { continue }
                            let s = srcRow + (b * oh + y) * ow
                            let drow = dst + iy * g.width
                            if g.stride == 1 {
                                let shift = j - g.padding
                                let lo = max(0, -shift), hi = min(ow, g.width - shift)
                                if hi > lo { for xo in lo..<hi { drow[xo + shift] += s[xo] } }
                            } else {
                                for xo in 0..<ow {
                                    let ix = xo * g.stride - g.padding + j
                                    if ix >= 0 && ix < g.width { drow[ix] += s[xo] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// [O, B·P] (GEMM layout) ⇄ [B, O, P] (NCHW), with an optional per-channel bias on the way out.
func gemmToNCHW(_ src: UnsafePointer<Float>, outChannels o: Int, batch: Int, plane: Int,
                bias: UnsafePointer<Float>?, _ dst: UnsafeMutablePointer<Float>) {
    parallelFor(batch * o, costPerItem: plane) { r in
        for idx in r {
            let b = idx / o, c = idx % o
            let s = src + c * batch * plane + b * plane, d = dst + idx * plane
            if let bias {
                let bv = bias[c]
                for k in 0..<plane { d[k] = s[k] + bv }
            } else {
                d.update(from: s, count: plane)
            }
        }
    }
}

func nchwToGemm(_ src: UnsafePointer<Float>, outChannels o: Int, batch: Int, plane: Int, _ dst: UnsafeMutablePointer<Float>) {
    parallelFor(batch * o, costPerItem: plane) { r in
        for idx in r {
            let b = idx / o, c = idx % o
            (dst + c * batch * plane + b * plane).update(from: src + idx * plane, count: plane)
        }
    }
}

extension Tensor {
    /// y [B, O, H', W'] = conv(x [B, C, H, W], w [O, C, kH, kW]) (+ bias [O]).
    static func conv2dKernel(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry) -> Tensor {
        let k = g.colRows, n = g.colCols
        let col = Tensor(uninitialized: [k, n])
        im2col(x.ptr, g, col.ptr)
        let y = Tensor(uninitialized: [g.outChannels, n])
        sgemm(transA: false, transB: false, m: g.outChannels, n: n, k: k, a: w.ptr, lda: k, b: col.ptr, ldb: n,
              c: y.ptr, ldc: n)
        var out = Tensor(uninitialized: [g.batch, g.outChannels, g.outH, g.outW])
        gemmToNCHW(y.ptr, outChannels: g.outChannels, batch: g.batch, plane: g.outH * g.outW,
                   bias: bias?.ptr, out.ptr)
        RoundingProbe.perturb(&out, reduction: k)
        return withExtendedLifetime((x, w, bias, col, y)) { out }
    }

    /// Gradients of conv2d: (dx, dw, db) for upstream gradient `gy` [B, O, H', W'].
    static func conv2dBackward(_ x: Tensor, _ w: Tensor, hasBias: Bool, _ g: ConvGeometry, _ gy: Tensor,
                               needInput: Bool, needWeight: Bool) -> (Tensor?, Tensor?, Tensor?) {
        let k = g.colRows, n = g.colCols, o = g.outChannels
        let gyT = Tensor(uninitialized: [o, n])
        nchwToGemm(gy.ptr, outChannels: o, batch: g.batch, plane: g.outH * g.outW, gyT.ptr)
        var dw: Tensor?, db: Tensor?, dx: Tensor?
        if needWeight {
            let col = Tensor(uninitialized: [k, n])
            im2col(x.ptr, g, col.ptr)
            let dwT = Tensor(uninitialized: w.shape)
            sgemm(transA: false, transB: true, m: o, n: k, k: n, a: gyT.ptr, lda: n, b: col.ptr, ldb: n,
                  c: dwT.ptr, ldc: k)
            dw = dwT
            withExtendedLifetime(col) {}
        }
        if hasBias {
            let b = Tensor(uninitialized: [o])
            for c in 0..<o {
                var acc = 0.0
                let row = gyT.ptr + c * n
                for i in 0..<n { acc += Double(row[i]) }
                b.ptr[c] = Float(acc)
            }
            db = b
        }
        if needInput {
            let dcol = Tensor(uninitialized: [k, n])
            sgemm(transA: true, transB: false, m: k, n: n, k: o, a: w.ptr, lda: k, b: gyT.ptr, ldb: n,
                  c: dcol.ptr, ldc: n)
            let d = Tensor(uninitialized: [g.batch, g.channels, g.height, g.width])
            col2im(dcol.ptr, g, d.ptr)
            dx = d
            withExtendedLifetime(dcol) {}
        }
        return withExtendedLifetime((x, w, gy, gyT)) { (dx, dw, db) }
    }
}
