// Softmax over the last axis with an optional key (padding) mask: the forward kernel and its backward.
internal import CZooKernels

extension Tensor {
    /// Softmax over the last axis, the max subtracted first. `keyMask` [B, L] (1 = keep, 0 =
    /// padding; no other values) gives each row of item b the probability 0 at its masked keys and
    /// the softmax of the kept ones, as adding −inf to the masked scores would. Every mask row must
    /// keep at least one key: one that keeps none is an error (naming the row), not a row of zeros.
    /// Shapes: (B, ..., L), keyMask (B, L) → (B, ..., L); without a mask any shape (..., L).
    public func softmax(keyMask: Tensor? = nil) throws -> Tensor {
        guard let l = shape.last else {
            throw ZooError.shape(op: "softmax", message: "needs at least 1 dimension, got a scalar")
        }
        if let keyMask { try checkKeyMask(keyMask) }
        return try attributingMemory(to: "softmax \(shapeString(shape))") {
            let out = try Tensor(uninitialized: shape)
            let rows = l == 0 ? 0 : count / l
            // Rows of one batch item share its mask row.
            let rowsPerItem = keyMask == nil ? 1 : rows / Swift.max(shape[0], 1)
            let x = ptr, y = out.ptr, keep = keyMask?.ptr
            parallelFor(rows, costPerItem: 12 * l) { r in
                for row in r {
                    zoo_softmax_row(x + row * l, keep.map { UnsafePointer($0 + row / rowsPerItem * l) }, y + row * l, l)
                }
            }
            return withExtendedLifetime((self, keyMask)) { out }
        }
    }

    /// Throws unless `mask` is [B, L] for this [B, ..., L] tensor, holds only 0 and 1, and keeps a key in every row.
    private func checkKeyMask(_ mask: Tensor) throws {
        guard rank >= 2, mask.shape == [shape[0], shape[rank - 1]] else {
            throw ZooError.shape(op: "softmax", message: "key mask \(shapeString(mask.shape)) does not match scores \(shapeString(shape)) (a mask is [B, L] for scores [B, ..., L])")
        }
        let l = mask.shape[1]
        try mask.withUnsafeBufferPointer { m in
            for b in 0..<mask.shape[0] {
                var kept = 0
                for j in 0..<l {
                    let v = m[b * l + j]
                    guard v == 0 || v == 1 else {
                        throw ZooError.invalidArgument(op: "softmax", message: "key mask value \(v) at [\(b), \(j)]: only 1 (keep) and 0 (padding) are allowed")
                    }
                    if v == 1 { kept += 1 }
                }
                guard kept > 0 || l == 0 else {
                    throw ZooError.invalidArgument(op: "softmax", message: "key mask row \(b) keeps no key (every row needs at least one unmasked key)")
                }
            }
        }
    }

    /// Gradient of softmax from its output y and the upstream g, row by row over the last axis:
    /// dx = y·(g − Σ g·y) (masked keys have y = 0, so they get none).
    static func softmaxBackward(_ g: Tensor, out y: Tensor) throws -> Tensor {
        let l = y.shape.last ?? 1
        let rows = l == 0 ? 0 : y.count / l
        let dx = try Tensor(uninitialized: y.shape)
        let gp = g.ptr, yp = y.ptr, d = dx.ptr
        parallelFor(rows, costPerItem: 6 * l) { r in
            for row in r {
                let gr = gp + row * l, yr = yp + row * l, dr = d + row * l
                var s = DoubleLanes()
                s.add(count: l) { Double(gr[$0] * yr[$0]) }
                let dot = Float(s.total)
                for j in 0..<l { dr[j] = yr[j] * (gr[j] - dot) }
            }
        }
        return withExtendedLifetime((g, y)) { dx }
    }
}
