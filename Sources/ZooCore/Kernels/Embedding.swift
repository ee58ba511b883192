// Embedding lookup: rows of a table picked by integer indices, and the scatter-add of its gradient.

extension Tensor {
    /// Rows of `table` picked by `indices` (integer-valued floats, each in 0..<V; anything else
    /// throws, naming the index and its position). Shapes: table (V, D), indices (S...) → (S..., D).
    public static func embedding(table: Tensor, indices: Tensor) throws -> Tensor {
        guard table.rank == 2 else {
            throw ZooError.shape(op: "embedding", message: "the table must be [V, D], got \(shapeString(table.shape))")
        }
        let (v, d) = (table.shape[0], table.shape[1])
        try indices.checkEmbeddingIndices(vocabulary: v)
        return try attributingMemory(to: "embedding \(shapeString(indices.shape)) from table \(shapeString(table.shape))") {
            _ = try Tensor.checkedElementCount(indices.shape + [d], op: "embedding output")
            let out = try Tensor(uninitialized: indices.shape + [d])
            let src = table.ptr, dst = out.ptr, idx = indices.ptr
            parallelFor(indices.count, costPerItem: d) { r in
                for i in r { (dst + i * d).update(from: src + Int(idx[i]) * d, count: d) }
            }
            return withExtendedLifetime((table, indices)) { out }
        }
    }

    /// Throws for the first value that is not an integer in 0..<vocabulary (a row of the table).
    private func checkEmbeddingIndices(vocabulary v: Int) throws {
        try withUnsafeBufferPointer { p in
            for (i, x) in p.enumerated() where !(x == x.rounded() && x >= 0 && x < Float(v)) {
                let position = shape.isEmpty ? "" : " at \(multiIndex(i))"
                let value = x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
                throw ZooError.invalidArgument(op: "embedding", message: "index \(value)\(position) is not an integer in 0..<\(v) (the table's rows)")
            }
        }
    }

    /// The multi-index [i0, i1, ...] of a flat index, for messages.
    private func multiIndex(_ flat: Int) -> String {
        var rest = flat, index: [Int] = []
        for n in shape.reversed() {
            index.append(rest % Swift.max(n, 1))
            rest /= Swift.max(n, 1)
        }
        return "[\(index.reversed().map(String.init).joined(separator: ", "))]"
    }

    /// Gradient of an embedding lookup: g [S..., D] scatter-added into a [V, D] table of zeros,
    /// in index order (repeated indices accumulate; `indices` already checked by the forward).
    static func embeddingBackward(_ g: Tensor, indices: Tensor, vocabulary v: Int) throws -> Tensor {
        let d = g.shape.last ?? 0
        let dt = try Tensor(zeros: [v, d])
        let gp = g.ptr, dst = dt.ptr, idx = indices.ptr, n = indices.count
        // Columns in parallel: each share adds its column range of every row, in index order.
        parallelFor(d, costPerItem: 2 * n) { r in
            for i in 0..<n {
                let s = gp + i * d, t = dst + Int(idx[i]) * d
                for j in r { t[j] += s[j] }
            }
        }
        return withExtendedLifetime((g, indices)) { dt }
    }
}
