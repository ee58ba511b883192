// Data movement for conv2d: im2col / col2im over one tile of output positions, and GEMM ⇄ NCHW layout.

/// ⌊n / d⌋ for any sign of n (d > 0); Swift's `/` truncates towards zero.
@inline(__always)
private func floorDiv(_ n: Int, _ d: Int) -> Int { n >= 0 ? n / d : -((-n + d - 1) / d) }

extension ConvGeometry {
    /// Kernel offsets of im2col row r = (c·kH + i)·kW + j.
    @inline(__always)
    func kernelIndex(_ r: Int) -> (c: Int, i: Int, j: Int) {
        let kk = kernelH * kernelW
        return (r / kk, (r % kk) / kernelW, r % kernelW)
    }

    /// Output columns x whose input column x·stride − padding + j lies inside the image: lo..<hi.
    @inline(__always)
    func validColumns(_ j: Int) -> (lo: Int, hi: Int) {
        let lo = min(outW, max(0, -floorDiv(j - padding, stride)))  // ⌈(padding − j) / stride⌉ in 0...W'
        let hi = min(outW, floorDiv(width - 1 + padding - j, stride) + 1)
        return (lo, max(lo, hi))
    }

    /// The input rows whose dx a tile zero-initialises: [y₀·stride − padding, y₁·stride − padding)
    /// clamped to the image, from row 0 for an item's first band and to row H for its last, so the
    /// bands of one item partition 0..<H. Bands with larger y never touch a row below
    /// y₁·stride − padding, so when an item's bands run last first, each band zeroes its rows just
    /// before it is the first to add into them, and while they are still in cache.
    func ownedInputRows(_ tile: ConvTile) -> Range<Int> {
        let lo = tile.rows.lowerBound == 0 ? 0 : min(height, max(0, tile.rows.lowerBound * stride - padding))
        let hi = tile.rows.upperBound == outH ? height : min(height, max(0, tile.rows.upperBound * stride - padding))
        return lo..<max(lo, hi)
    }

    /// Input row of output row y at kernel row i, or nil when it falls in the padding.
    @inline(__always)
    func inputRow(_ y: Int, _ i: Int) -> Int? {
        let iy = y * stride - padding + i
        return iy >= 0 && iy < height ? iy : nil
    }
}

extension ConvGeometry {
    /// The kernel covers the whole unpadded input (one output position, e.g. a discriminator's
    /// 4×4 logit conv): im2col row r of item b is x[b]'s element r, so im2col is a transpose.
    var coversInput: Bool { padding == 0 && kernelH == height && kernelW == width }

    /// Stride 1 with output rows as wide as the input rows (padding (kW − 1)/2): a block of output
    /// rows at kernel offset (i, j) reads one contiguous run of input, shifted by j − padding.
    var isSameWidthStride1: Bool { stride == 1 && outW == width }

    /// For `isSameWidthStride1`: the output rows of `rows` whose input row y + i − padding lies
    /// inside the image, and the run of the input plane they read at column shift `shift`. Their
    /// block element k (k in 0..<valid.count·W) is plane element start + k; only k in first..<last
    /// lie inside the plane (the others are padding columns of the first or last row).
    @inline(__always)
    func shiftedRun(_ rows: Range<Int>, i: Int, shift: Int) -> (valid: Range<Int>, start: Int, first: Int, last: Int) {
        let a = max(rows.lowerBound, padding - i), b = min(rows.upperBound, height + padding - i)
        let valid = a < b ? a..<b : rows.lowerBound..<rows.lowerBound
        let count = valid.count * width
        let start = (valid.lowerBound + i - padding) * width + shift
        let first = min(count, max(0, -start))
        return (valid, start, first, max(first, min(count, height * width - start)))
    }
}

/// Zeroes columns outside lo..<hi of `rows` rows of width `w` at `p` (the horizontal padding).
@inline(__always)
private func zeroPaddingColumns(_ p: UnsafeMutablePointer<Float>, rows: Int, w: Int, lo: Int, hi: Int) {
    guard lo > 0 || hi < w else { return }
    for row in 0..<rows {
        let r = p + row * w
        for x in 0..<lo { r[x] = 0 }
        for x in hi..<w { r[x] = 0 }
    }
}

/// im2col of one (c, i, j) row over output rows `rows` of one item, for `isSameWidthStride1`:
/// the valid rows are one shifted copy of the input plane's run of rows; entries that fall into
/// the horizontal padding (wrapped into a neighbouring row, or outside the plane) are then zeroed,
/// as are rows in the vertical padding.
@inline(__always)
private func shiftedBlockCopy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ g: ConvGeometry,
                              _ rows: Range<Int>, i: Int, shift: Int, lo: Int, hi: Int) {
    let w = g.width
    let run = g.shiftedRun(rows, i: i, shift: shift)
    let count = run.valid.count * w
    dst.update(repeating: 0, count: (run.valid.lowerBound - rows.lowerBound) * w)
    let d = dst + (run.valid.lowerBound - rows.lowerBound) * w
    d.update(repeating: 0, count: run.first)
    (d + run.first).update(from: src + run.start + run.first, count: run.last - run.first)
    (d + run.last).update(repeating: 0, count: count - run.last)
    zeroPaddingColumns(d, rows: run.valid.count, w: w, lo: lo, hi: hi)
    (d + count).update(repeating: 0, count: (rows.upperBound - run.valid.upperBound) * w)
}

/// The col2im counterpart of `shiftedBlockCopy`: zeroes the dcol entries that fall into the
/// horizontal padding, then adds the valid rows' run into the plane in one pass. The zeroed
/// entries add +0 to a neighbouring row's edge pixel of the same plane, which changes no bit
/// (dx sums start from +0 and so never hold −0), and nothing outside the plane is touched.
@inline(__always)
private func shiftedBlockAdd(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafeMutablePointer<Float>, _ g: ConvGeometry,
                             _ rows: Range<Int>, i: Int, shift: Int, lo: Int, hi: Int) {
    let run = g.shiftedRun(rows, i: i, shift: shift)
    let s = src + (run.valid.lowerBound - rows.lowerBound) * g.width
    zeroPaddingColumns(s, rows: run.valid.count, w: g.width, lo: lo, hi: hi)
    let d = dst + run.start
    for k in run.first..<run.last { d[k] += s[k] }
}

/// dst[x] = src[x·stride] for x in 0..<count. Strides 1 and 2 get their own loops (a copy and an
/// even-element load) so they vectorise; index arithmetic is unchecked (counts come from the geometry).
@inline(__always)
private func gatherRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int, stride: Int) {
    switch stride {
    case 1: dst.update(from: src, count: count)
    case 2: for x in 0..<count { dst[x] = src[x &<< 1] }
    default: for x in 0..<count { dst[x] = src[x &* stride] }
    }
}

/// dst[x·stride] += src[x] for x in 0..<count (the transpose of `gatherRow`).
/// Stride 2 adds (src[x], +0) to the pair (dst[2x], dst[2x + 1]) so the loop vectorises as one
/// interleaved load/store; the odd lanes stay inside the span being written, and adding +0 changes
/// no bit, because dx sums start from +0 and so never hold −0.
@inline(__always)
private func scatterAddRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int, stride: Int) {
    switch stride {
    case 1: for x in 0..<count { dst[x] += src[x] }
    case 2:
        guard count > 0 else { return }
        for x in 0..<count &- 1 {
            dst[x &<< 1] += src[x]
            dst[x &<< 1 &+ 1] += 0
        }
        dst[(count &- 1) &<< 1] += src[count &- 1]
    default: for x in 0..<count { dst[x &* stride] += src[x] }
    }
}

/// col [C·kH·kW, tile.columns] from x [B, C, H, W]: row r = (c·kH + i)·kW + j, column
/// ((b − b₀)·rows + (y − y₀))·W' + x for b in tile.items, y in tile.rows.
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ tile: ConvTile, _ col: UnsafeMutablePointer<Float>) {
    let n = tile.columns, ow = g.outW, s = g.stride, flat = g.isSameWidthStride1
    let plane = g.height * g.width
    if g.coversInput {
        // col [K, items] = x[items] [items, K] transposed (K = C·H·W).
        let k = g.colRows, b0 = tile.items.lowerBound
        parallelFor(n, costPerItem: k) { items in
            for b in items {
                let src = x + (b0 + b) * k
                for r in 0..<k { col[r * n + b] = src[r] }
            }
        }
        return
    }
    parallelFor(g.colRows, costPerItem: n) { rows in
        for r in rows {
            let (c, i, j) = g.kernelIndex(r)
            let (lo, hi) = g.validColumns(j)
            let shift = j - g.padding  // input column = x·stride + shift
            var dst = col + r * n
            for b in tile.items {
                let src = x + (b * g.channels + c) * plane
                if flat {
                    shiftedBlockCopy(dst, src, g, tile.rows, i: i, shift: shift, lo: lo, hi: hi)
                    dst += tile.rows.count * ow
                    continue
                }
                for y in tile.rows {
                    defer { dst += ow }
                    guard let iy = g.inputRow(y, i) else {
                        dst.update(repeating: 0, count: ow)
                        continue
                    }
                    if lo > 0 { dst.update(repeating: 0, count: lo) }
                    gatherRow(dst + lo, src + iy * g.width + lo * s + shift, count: hi - lo, stride: s)
                    if hi < ow { (dst + hi).update(repeating: 0, count: ow - hi) }
                }
            }
        }
    }
}

/// dx [B, C, H, W] += col2im(dcol tile [C·kH·kW, tile.columns]): every column entry added back to the
/// pixel im2col copied it from (dcol's entries in the padding may be overwritten with zeros), after
/// zeroing the tile's `ownedInputRows` of each of its planes.
/// Per pixel the terms arrive in ascending (i, j) order. Threads split over channels, so no two
/// threads write the same pixel. Tiles of one item must come last band first (see `ownedInputRows`).
func col2imAccumulate(_ dcol: UnsafeMutablePointer<Float>, _ g: ConvGeometry, _ tile: ConvTile, _ dx: UnsafeMutablePointer<Float>) {
    let n = tile.columns, ow = g.outW, s = g.stride, flat = g.isSameWidthStride1
    let plane = g.height * g.width
    let kk = g.kernelH * g.kernelW
    let owned = g.ownedInputRows(tile)
    if g.coversInput {
        // Each pixel gets exactly one term: dx[b] = +0 + dcol[:, b] (the sum col2im would form).
        let k = g.colRows, b0 = tile.items.lowerBound
        parallelFor(n, costPerItem: k) { items in
            for b in items {
                let dst = dx + (b0 + b) * k
                for r in 0..<k { dst[r] = 0 + dcol[r * n + b] }
            }
        }
        return
    }
    parallelFor(g.channels, costPerItem: kk * n) { chans in
        for c in chans {
            for b in tile.items {
                (dx + (b * g.channels + c) * plane + owned.lowerBound * g.width).update(repeating: 0, count: owned.count * g.width)
            }
            for i in 0..<g.kernelH {
                for j in 0..<g.kernelW {
                    let (lo, hi) = g.validColumns(j)
                    let shift = j - g.padding
                    var src = dcol + ((c * g.kernelH + i) * g.kernelW + j) * n
                    for b in tile.items {
                        let dst = dx + (b * g.channels + c) * plane
                        if flat {
                            shiftedBlockAdd(dst, src, g, tile.rows, i: i, shift: shift, lo: lo, hi: hi)
                            src += tile.rows.count * ow
                            continue
                        }
                        for y in tile.rows {
                            defer { src += ow }
                            guard let iy = g.inputRow(y, i) else { continue }
                            scatterAddRow(dst + iy * g.width + lo * s + shift, src + lo, count: hi - lo, stride: s)
                        }
                    }
                }
            }
        }
    }
}

/// dst [B, O, P] (NCHW, items b₀..<b₁) from src [O, (b₁ − b₀)·P] (GEMM layout), plus bias [O] if given.
func gemmToNCHW(_ src: UnsafePointer<Float>, outChannels o: Int, items: Range<Int>, plane: Int,
                bias: UnsafePointer<Float>?, _ dst: UnsafeMutablePointer<Float>) {
    let nb = items.count
    parallelFor(nb * o, costPerItem: plane) { r in
        for idx in r {
            let b = idx / o, c = idx % o
            let s = src + (c * nb + b) * plane, d = dst + ((items.lowerBound + b) * o + c) * plane
            if let bias {
                let bv = bias[c]
                for k in 0..<plane { d[k] = s[k] + bv }
            } else {
                d.update(from: s, count: plane)
            }
        }
    }
}

/// dst [O, (b₁ − b₀)·P] (GEMM layout) from src [B, O, P] (NCHW), items b₀..<b₁.
func nchwToGemm(_ src: UnsafePointer<Float>, outChannels o: Int, items: Range<Int>, plane: Int,
                _ dst: UnsafeMutablePointer<Float>) {
    let nb = items.count
    parallelFor(nb * o, costPerItem: plane) { r in
        for idx in r {
            let b = idx / o, c = idx % o
            (dst + (c * nb + b) * plane).update(from: src + ((items.lowerBound + b) * o + c) * plane, count: plane)
        }
    }
}

/// y[b, o, rows] += bias[o] on a tile written straight into NCHW output [B, O, P].
func addBias(_ bias: UnsafePointer<Float>, _ g: ConvGeometry, _ tile: ConvTile, _ y: UnsafeMutablePointer<Float>) {
    let o = g.outChannels, plane = g.outH * g.outW
    let start = tile.rows.lowerBound * g.outW, len = tile.rows.count * g.outW
    parallelFor(tile.items.count * o, costPerItem: len) { r in
        for idx in r {
            let b = tile.items.lowerBound + idx / o, c = idx % o
            let d = y + (b * o + c) * plane + start, bv = bias[c]
            for k in 0..<len { d[k] += bv }
        }
    }
}
