// Layout kernels: concat/slice along an axis, axis permutation, last-two-axes transpose, spatial replicate,
// nearest upsample.

extension Tensor {
    /// (outer, axisSize, inner) split of the shape around `axis`.
    func split3(_ axis: Int) -> (Int, Int, Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Concatenation along `axis` (shapes already checked).
    static func concatKernel(_ parts: [Tensor], axis: Int, outShape: [Int]) throws -> Tensor {
        let out = try Tensor(uninitialized: outShape)
        let outer = outShape[..<axis].reduce(1, *)
        let inner = outShape[(axis + 1)...].reduce(1, *)
        let rowOut = outShape[axis] * inner
        var offset = 0
        for p in parts {
            let row = p.shape[axis] * inner
            let src = p.ptr, dst = out.ptr
            let off = offset
            parallelFor(outer, costPerItem: row) { r in
                for o in r { (dst + o * rowOut + off).update(from: src + o * row, count: row) }
            }
            offset += row
        }
        return withExtendedLifetime(parts) { out }
    }

    /// Elements `start..<start+length` along `axis`.
    func sliceKernel(axis: Int, start: Int, length: Int) throws -> Tensor {
        var outShape = shape
        outShape[axis] = length
        let out = try Tensor(uninitialized: outShape)
        let (outer, n, inner) = split3(axis)
        let rowIn = n * inner, row = length * inner
        let src = ptr, dst = out.ptr
        parallelFor(outer, costPerItem: row) { r in
            for o in r { (dst + o * row).update(from: src + o * rowIn + start * inner, count: row) }
        }
        return withExtendedLifetime(self) { out }
    }

    /// Adds `part` into the slice `start..<start+part.shape[axis]` along `axis` of `self`.
    mutating func addSlice(_ part: Tensor, axis: Int, start: Int) throws {
        try makeUnique()
        let (outer, n, inner) = split3(axis)
        let length = part.shape[axis]
        let rowIn = n * inner, row = length * inner
        let src = part.ptr, dst = ptr
        parallelFor(outer, costPerItem: row) { r in
            for o in r {
                let d = dst + o * rowIn + start * inner, s = src + o * row
                for j in 0..<row { d[j] += s[j] }
            }
        }
        withExtendedLifetime(part) {}
    }

    /// The axes reordered: output axis i is input axis `axes[i]` (as `torch.permute`; negative axes
    /// count from the end). Splitting heads: [B, L, H, d].permute([0, 2, 1, 3]) → [B, H, L, d].
    /// Shapes: (n_0, ..., n_{r−1}) → (n_{axes[0]}, ..., n_{axes[r−1]}).
    public func permute(_ axes: [Int]) throws -> Tensor {
        let perm = try Tensor.checkedPermutation(axes, rank: rank)
        return try attributingMemory(to: "permute \(shapeString(shape)) by \(axes)") { try permutedKernel(perm) }
    }

    /// `axes` resolved to a permutation of 0..<rank, or a thrown error naming them.
    static func checkedPermutation(_ axes: [Int], rank: Int) throws -> [Int] {
        let perm = try axes.map { try normalizeAxis($0, rank: rank, op: "permute") }
        guard perm.count == rank, Set(perm).count == rank else {
            throw ZooError.invalidArgument(op: "permute", message: "\(axes) is not a permutation of the \(rank) axes of a rank-\(rank) tensor")
        }
        return perm
    }

    /// The permutation `perm` (already checked): rows of the output's last axis in parallel, each
    /// read with the input stride of its axis (a contiguous copy when the last axis stays last).
    func permutedKernel(_ perm: [Int]) throws -> Tensor {
        let out = try Tensor(uninitialized: perm.map { shape[$0] })
        if count == 0 { return out }
        if rank == 0 {
            out.ptr.update(from: ptr, count: 1)
            return withExtendedLifetime(self) { out }
        }
        var strides = [Int](repeating: 1, count: rank)
        for a in stride(from: rank - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        let outShape = out.shape, inStrides = perm.map { strides[$0] }
        let n = outShape[rank - 1], step = inStrides[rank - 1], rows = count / n
        let src = ptr, dst = out.ptr
        parallelFor(rows, costPerItem: n) { r in
            for row in r {
                // The row's input offset from its output multi-index (all but the last axis).
                var rest = row, offset = 0
                for a in stride(from: rank - 2, through: 0, by: -1) {
                    offset += rest % outShape[a] * inStrides[a]
                    rest /= outShape[a]
                }
                let s = src + offset, d = dst + row * n
                if step == 1 { d.update(from: s, count: n) } else { for j in 0..<n { d[j] = s[j * step] } }
            }
        }
        return withExtendedLifetime(self) { out }
    }

    /// [..., M, N] → [..., N, M].
    func transposedLast2() throws -> Tensor {
        let m = shape[rank - 2], n = shape[rank - 1]
        let batch = count / max(m * n, 1)
        var outShape = shape
        outShape.swapAt(rank - 2, rank - 1)
        let out = try Tensor(uninitialized: outShape)
        let src = ptr, dst = out.ptr
        parallelFor(batch, costPerItem: m * n) { r in
            for b in r {
                let s = src + b * m * n, d = dst + b * m * n
                for i in 0..<m { for j in 0..<n { d[j * m + i] = s[i * n + j] } }
            }
        }
        return withExtendedLifetime(self) { out }
    }

    /// [B, C] → [B, C, H, W], each value repeated over the plane.
    func replicatedSpatially(height: Int, width: Int) throws -> Tensor {
        let out = try Tensor(uninitialized: shape + [height, width])
        let plane = height * width
        let src = ptr, dst = out.ptr
        parallelFor(count, costPerItem: plane) { r in
            for i in r { (dst + i * plane).update(repeating: src[i], count: plane) }
        }
        return withExtendedLifetime(self) { out }
    }

    /// Nearest-neighbour upsampling of [B, C, H, W] by an integer factor.
    func upsampledNearest(_ s: Int) throws -> Tensor {
        let h = shape[rank - 2], w = shape[rank - 1]
        let planes = count / (h * w)
        var outShape = shape
        outShape[rank - 2] = h * s
        outShape[rank - 1] = w * s
        let out = try Tensor(uninitialized: outShape)
        let src = ptr, dst = out.ptr
        let ow = w * s
        parallelFor(planes, costPerItem: h * w * s * s) { r in
            for p in r {
                let sp = src + p * h * w, dp = dst + p * h * w * s * s
                for y in 0..<h {
                    let row = dp + y * s * ow
                    for x in 0..<w {
                        let v = sp[y * w + x]
                        for k in 0..<s { row[x * s + k] = v }
                    }
                    for k in 1..<max(s, 1) { (row + k * ow).update(from: row, count: ow) }
                }
            }
        }
        return withExtendedLifetime(self) { out }
    }

    /// Gradient of nearest upsampling: sums each s×s block of [B, C, sH, sW] into [B, C, H, W].
    func downsampledSum(_ s: Int) throws -> Tensor {
        let oh = shape[rank - 2], ow = shape[rank - 1]
        let h = oh / s, w = ow / s
        let planes = count / (oh * ow)
        var outShape = shape
        outShape[rank - 2] = h
        outShape[rank - 1] = w
        let out = try Tensor(uninitialized: outShape)
        let src = ptr, dst = out.ptr
        parallelFor(planes, costPerItem: oh * ow) { r in
            for p in r {
                let sp = src + p * oh * ow, dp = dst + p * h * w
                for y in 0..<h {
                    for x in 0..<w {
                        var acc: Float = 0
                        for i in 0..<s { for j in 0..<s { acc += sp[(y * s + i) * ow + x * s + j] } }
                        dp[y * w + x] = acc
                    }
                }
            }
        }
        return withExtendedLifetime(self) { out }
    }
}
