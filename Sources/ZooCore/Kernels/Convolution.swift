// conv2d as im2col + sgemm over cache-sized tiles of output positions (or DirectConv for few input
// or output channels); backward via sgemm (or DirectConv's dW), and col2im or (stride 1) the conv
// of gy with the flipped kernel.

/// Geometry of one 2-D convolution: input [B, C, H, W], kernel kH×kW, stride, zero padding.
struct ConvGeometry: Equatable {
    var batch, channels, height, width: Int
    var outChannels, kernelH, kernelW, stride, padding: Int
    var outH: Int { (height + 2 * padding - kernelH) / stride + 1 }
    var outW: Int { (width + 2 * padding - kernelW) / stride + 1 }
    /// Output positions per item: P = H'·W'.
    var outPlane: Int { outH * outW }
    /// im2col rows: C·kH·kW.
    var colRows: Int { channels * kernelH * kernelW }
    /// im2col columns: B·H'·W'.
    var colCols: Int { batch * outH * outW }
    /// 1×1, stride 1, no padding: x[b] [C, H·W] already is item b's im2col matrix.
    var isPointwise: Bool { kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0 }
}

/// A block of output positions: rows `rows` of batch items `items` (whole planes when it spans
/// several items). Its im2col columns are (b − b₀, y − y₀, x) flattened.
struct ConvTile: Equatable {
    var items: Range<Int>
    var rows: Range<Int>
    var outW: Int
    var columns: Int { items.count * rows.count * outW }
    /// Offset of the tile inside one item's plane P (single-item tiles).
    var planeOffset: Int { rows.lowerBound * outW }
    /// One item: the GEMM can read and write that item's NCHW plane in place (leading dimension P).
    var isSingleItem: Bool { items.count == 1 }
}

/// How conv2d cuts its output positions into tiles (tests shrink it to reach every path on small shapes).
struct ConvTiling {
    /// Bytes of im2col tile to aim for: small enough to stay in the last-level cache between im2col
    /// and the GEMM that reads it (and to bound scratch memory), big enough for efficient GEMMs.
    var targetBytes: Int
    /// Fewest GEMM columns per tile (unless the whole batch has fewer), so the GEMMs stay efficient
    /// and the weight matrix is not re-packed too often.
    var minColumns: Int
    static let `default` = ConvTiling(targetBytes: 4 << 20, minColumns: 1024)
}

extension ConvGeometry {
    /// For stride 1 and a square kernel: the geometry of dx = conv(gy [B, O, H', W'], w flipped and
    /// transposed [C, O, k, k]) with padding k − 1 − padding, whose output is [B, C, H, W] again;
    /// nil for other strides, non-square kernels, padding ≥ k, and 1×1 (whose dx is one GEMM already).
    var transposedForStride1: ConvGeometry? {
        guard stride == 1, kernelH == kernelW, padding <= kernelH - 1, !isPointwise else { return nil }
        return ConvGeometry(batch: batch, channels: outChannels, height: outH, width: outW, outChannels: channels,
                            kernelH: kernelH, kernelW: kernelW, stride: 1, padding: kernelH - 1 - padding)
    }

    /// Tiles covering every output position of `items` (default: all) in order (items, then rows).
    /// Large planes are cut into row bands of one item; small planes are grouped a few whole items per tile.
    func tiles(_ tiling: ConvTiling = .default, items: Range<Int>? = nil) -> [ConvTile] {
        let items = items ?? 0..<batch
        let plane = outPlane, batch = items.count, first = items.lowerBound
        guard batch > 0, plane > 0 else { return [] }
        let target = max(tiling.minColumns, tiling.targetBytes / (4 * max(colRows, 1)), 1)
        if isPointwise && plane >= tiling.minColumns {
            // No im2col buffer at all: one GEMM per item on x[b] itself.
            return items.map { ConvTile(items: $0..<$0 + 1, rows: 0..<outH, outW: outW) }
        }
        if plane >= target {
            let bands = min(outH, (plane + target - 1) / target)
            return items.flatMap { b in
                (0..<bands).map { t in ConvTile(items: b..<b + 1, rows: outH * t / bands..<outH * (t + 1) / bands, outW: outW) }
            }
        }
        let perTile = max(1, target / plane)
        let groups = (batch + perTile - 1) / perTile
        return (0..<groups).map { t in
            ConvTile(items: first + batch * t / groups..<first + batch * (t + 1) / groups, rows: 0..<outH, outW: outW)
        }
    }

    /// The tiles as one list per thread, each holding whole items (so no two threads write one
    /// item's dx), when every thread gets at least `minColumns` GEMM columns and, for a backward
    /// pass, its own dW partial sum is small (`weightFloats` ≤ 4M); otherwise a single list, whose
    /// kernels then split each GEMM, im2col and col2im across the threads instead.
    func threadTiles(_ tiling: ConvTiling, weightFloats: Int = 0) -> [[ConvTile]] {
        let shares = parallelShares(work: colCols * colRows * outChannels, maxShares: batch)
        guard shares > 1, colCols >= shares * tiling.minColumns, weightFloats <= 4 << 20 else { return [tiles(tiling)] }
        return (0..<shares).map { s in tiles(tiling, items: batch * s / shares..<batch * (s + 1) / shares) }
    }

    /// Scratch Floats the passes over `tiles` need per thread: the im2col tile (none when every
    /// tile is a pointwise item read in place) and the GEMM-layout tile of outputs or output
    /// gradients (none when every tile is one item, written or read in NCHW directly).
    func scratchFloats(_ tiles: [ConvTile]) -> (col: Int, layout: Int) {
        let maxCols = tiles.map(\.columns).max() ?? 0
        let singleItems = tiles.allSatisfy(\.isSingleItem)
        return (isPointwise && singleItems ? 0 : colRows * maxCols, singleItems ? 0 : outChannels * maxCols)
    }
}

extension Tensor {
    /// y [B, O, H', W'] = conv(x [B, C, H, W], w [O, C, kH, kW]) (+ bias [O]).
    static func conv2dKernel(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry,
                             tiling: ConvTiling = .default) throws -> Tensor {
        var out = try conv2dTiled(x, w, bias, g, tiling: tiling)
        RoundingProbe.perturb(&out, reduction: g.colRows)
        return out
    }

    /// `conv2dKernel` without the rounding probe (stride-1 backward passes run it for dx): the
    /// direct kernel where it suits (few input or output channels), else im2col + GEMM over tiles.
    private static func conv2dTiled(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry,
                                    tiling: ConvTiling) throws -> Tensor {
        if DirectConv.suits(g) { return try DirectConv.forward(x, w, bias, g) }
        let out = try Tensor(uninitialized: [g.batch, g.outChannels, g.outH, g.outW])
        let shares = g.threadTiles(tiling)
        let (colCount, gemmCount) = g.scratchFloats(shares.flatMap { $0 })
        try withExtendedLifetime((x, w, bias)) {
            // Per share: col [K, N] then yTile [O, N].
            try Scratch.withShareBuffers(colCount + gemmCount, shares: shares.count) { buffer in
                parallelRegion(shares.count) { s in
                    let col = buffer(s), yTile = col + colCount
                    for tile in shares[s] {
                        conv2dForwardTile(x.ptr, w.ptr, bias?.ptr, g, tile, col: col, yTile: yTile, out: out.ptr)
                    }
                }
            }
        }
        return out
    }

    /// One tile of the forward pass: col [K, N] (im2col), then y = W [O, K] · col, written straight
    /// into out [B, O, P] for single-item tiles, else via yTile [O, N] and a permute.
    private static func conv2dForwardTile(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                          _ bias: UnsafePointer<Float>?, _ g: ConvGeometry, _ tile: ConvTile,
                                          col: UnsafeMutablePointer<Float>, yTile: UnsafeMutablePointer<Float>,
                                          out: UnsafeMutablePointer<Float>) {
        let k = g.colRows, n = tile.columns, o = g.outChannels, plane = g.outPlane
        let (b, ldb) = tileColumns(x, g, tile, col: col)
        if tile.isSingleItem {
            let y = out + tile.items.lowerBound * o * plane + tile.planeOffset  // [O, N] inside out[b], ld P
            sgemm(transA: false, transB: false, m: o, n: n, k: k, a: w, lda: k, b: b, ldb: ldb, c: y, ldc: plane)
            if let bias { addBias(bias, g, tile, out) }
        } else {
            sgemm(transA: false, transB: false, m: o, n: n, k: k, a: w, lda: k, b: b, ldb: ldb, c: yTile, ldc: n)
            gemmToNCHW(yTile, outChannels: o, items: tile.items, plane: plane, bias: bias, out)
        }
    }

    /// The tile's im2col matrix [K, N] and its leading dimension: x[b] itself (ld P) for pointwise
    /// single-item tiles, else im2col into `col` (ld N).
    private static func tileColumns(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ tile: ConvTile,
                                    col: UnsafeMutablePointer<Float>) -> (UnsafePointer<Float>, Int) {
        if g.isPointwise && tile.isSingleItem {
            return (x + tile.items.lowerBound * g.channels * g.height * g.width + tile.planeOffset, g.outPlane)
        }
        im2col(x, g, tile, col)
        return (UnsafePointer(col), tile.columns)
    }

    /// Gradients of conv2d: (dx, dw, db) for upstream gradient `gy` [B, O, H', W'].
    static func conv2dBackward(_ x: Tensor, _ w: Tensor, hasBias: Bool, _ g: ConvGeometry, _ gy: Tensor,
                               needInput: Bool, needWeight: Bool, tiling: ConvTiling = .default) throws -> (Tensor?, Tensor?, Tensor?) {
        if needWeight && DirectConv.suitsWeightGradient(g) {
            // dW by the direct kernel; dx and db as below.
            let (dx, _, db) = try conv2dBackward(x, w, hasBias: hasBias, g, gy, needInput: needInput, needWeight: false, tiling: tiling)
            return (dx, try DirectConv.weightGradient(x, gy, g), db)
        }
        if needInput, let gt = g.transposedForStride1 {
            // dx = conv(gy, w flipped and transposed): a GEMM as large as the forward one, instead of
            // dcol [C·kH·kW, N] = Wᵀ·G (inner dimension O, nine times dx's size) and col2im.
            let (_, dw, db) = try conv2dBackward(x, w, hasBias: hasBias, g, gy, needInput: false, needWeight: needWeight, tiling: tiling)
            return (try conv2dTiled(gy, flippedTransposed(w), nil, gt, tiling: tiling), dw, db)
        }
        guard needInput || needWeight else { return (nil, nil, hasBias ? try biasGradient(gy, g) : nil) }
        let shares = g.threadTiles(tiling, weightFloats: needWeight ? w.count : 0)
        let tiles = shares.flatMap { $0 }
        let dw = needWeight ? try Tensor(uninitialized: w.shape) : nil
        let dx = needInput ? try Tensor(uninitialized: [g.batch, g.channels, g.height, g.width]) : nil
        let db = hasBias ? try biasGradient(gy, g) : nil
        if let dw, tiles.isEmpty { dw.ptr.update(repeating: 0, count: dw.count) }
        let (colCount, gyCount) = g.scratchFloats(tiles)
        // Shares after the first sum their dW into a buffer of their own, added to dw at the end.
        let partialCount = needWeight ? (shares.count - 1) * w.count : 0
        try withExtendedLifetime((x, w, gy)) {
            try Scratch.withBuffer(partialCount) { partials in
                // Per share: col [K, N] then gyTile [O, N].
                try Scratch.withShareBuffers(colCount + gyCount, shares: shares.count) { buffer in
                    parallelRegion(shares.count) { s in
                        let dwShare = dw == nil || s == 0 ? dw?.ptr : partials + (s - 1) * w.count
                        let col = buffer(s), gyTile = col + colCount
                        // Last tile first: with row bands of one item, each input pixel then receives its
                        // col2im terms in ascending kernel-offset order, as a single whole-plane col2im would,
                        // and each band can zero the dx rows it is the first to touch (`ownedInputRows`).
                        let list = shares[s]
                        for (t, tile) in list.enumerated().reversed() {
                            conv2dBackwardTile(x.ptr, w.ptr, g, gy.ptr, tile, accumulate: t != list.count - 1,
                                               col: col, gyTile: gyTile, dx: dx?.ptr, dw: dwShare)
                        }
                    }
                }
                if let dw, shares.count > 1 {
                    let total = dw.ptr, n = w.count, extra = shares.count - 1
                    parallelFor(n, costPerItem: extra) { r in
                        for p in 0..<extra { let src = partials + p * n; for i in r { total[i] += src[i] } }
                    }
                }
            }
        }
        return (dx, dw, db)
    }

    /// One tile of the backward pass, with gy tile G [O, N]:
    /// dW (+)= G · colᵀ, then dcol [K, N] = Wᵀ · G (reusing `col`) and dx += col2im(dcol).
    private static func conv2dBackwardTile(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ g: ConvGeometry,
                                           _ gy: UnsafePointer<Float>, _ tile: ConvTile, accumulate: Bool,
                                           col: UnsafeMutablePointer<Float>, gyTile: UnsafeMutablePointer<Float>,
                                           dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        let k = g.colRows, n = tile.columns, o = g.outChannels, plane = g.outPlane
        let gTile: UnsafePointer<Float>, ldg: Int
        if tile.isSingleItem {
            (gTile, ldg) = (gy + tile.items.lowerBound * o * plane + tile.planeOffset, plane)
        } else {
            nchwToGemm(gy, outChannels: o, items: tile.items, plane: plane, gyTile)
            (gTile, ldg) = (UnsafePointer(gyTile), n)
        }
        if let dw {
            let (c, ldc) = tileColumns(x, g, tile, col: col)
            sgemm(transA: false, transB: true, m: o, n: k, k: n, a: gTile, lda: ldg, b: c, ldb: ldc,
                  beta: accumulate ? 1 : 0, c: dw, ldc: k)
        }
        guard let dx else { return }
        if g.isPointwise && tile.isSingleItem {
            // dx[b] [C, P] = Wᵀ · G directly: no col2im.
            let d = dx + tile.items.lowerBound * g.channels * g.height * g.width + tile.planeOffset
            sgemm(transA: true, transB: false, m: k, n: n, k: o, a: w, lda: k, b: gTile, ldb: ldg, c: d, ldc: plane)
        } else {
            sgemm(transA: true, transB: false, m: k, n: n, k: o, a: w, lda: k, b: gTile, ldb: ldg, c: col, ldc: n)
            col2imAccumulate(col, g, tile, dx)
        }
    }

    /// w [O, C, kH, kW] → [C, O, kH, kW] with each kernel turned by 180°.
    static func flippedTransposed(_ w: Tensor) throws -> Tensor {
        let o = w.shape[0], c = w.shape[1], kh = w.shape[2], kw = w.shape[3], taps = kh * kw
        let out = try Tensor(uninitialized: [c, o, kh, kw])
        let src = w.ptr, dst = out.ptr
        for oi in 0..<o {
            for ci in 0..<c {
                let from = src + (oi * c + ci) * taps, to = dst + (ci * o + oi) * taps
                for t in 0..<taps { to[taps - 1 - t] = from[t] }
            }
        }
        return withExtendedLifetime(w) { out }
    }

    /// db [O] = Σ over batch and positions of gy [B, O, P], in Double, items then positions in order.
    private static func biasGradient(_ gy: Tensor, _ g: ConvGeometry) throws -> Tensor {
        let o = g.outChannels, plane = g.outPlane
        let db = try Tensor(uninitialized: [o])
        withExtendedLifetime(gy) {
            parallelFor(o, costPerItem: g.batch * plane) { chans in
                for c in chans {
                    var acc = 0.0
                    for b in 0..<g.batch {
                        let row = gy.ptr + (b * o + c) * plane
                        for i in 0..<plane { acc += Double(row[i]) }
                    }
                    db.ptr[c] = Float(acc)
                }
            }
        }
        return db
    }
}
