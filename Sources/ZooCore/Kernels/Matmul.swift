// Matrix products on Tensors via sgemm: 2-D matmul, batched matmul, and the linear layer's x·Wᵀ + b.

extension Tensor {
    /// [M, K] × [K, N] → [M, N] with optional transposes of the stored operands.
    static func matmulKernel(_ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false) throws -> Tensor {
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let n = transB ? b.shape[0] : b.shape[1]
        let out = try Tensor(uninitialized: [m, n])
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a.ptr, lda: a.shape[1], b: b.ptr, ldb: b.shape[1],
              c: out.ptr, ldc: n)
        return withExtendedLifetime((a, b)) { out }
    }

    /// [B, M, K] × [B, K, N] → [B, M, N] with optional per-batch transposes of the stored operands.
    static func bmmKernel(_ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false) throws -> Tensor {
        let batch = a.shape[0]
        let ar = a.shape[1], ac = a.shape[2], br = b.shape[1], bc = b.shape[2]
        let m = transA ? ac : ar, k = transA ? ar : ac, n = transB ? br : bc
        let out = try Tensor(uninitialized: [batch, m, n])
        for i in 0..<batch {
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a.ptr + i * ar * ac, lda: ac,
                  b: b.ptr + i * br * bc, ldb: bc, c: out.ptr + i * m * n, ldc: n)
        }
        return withExtendedLifetime((a, b)) { out }
    }

    /// x [R, in] · W[out, in]ᵀ (+ bias [out]) → [R, out].
    static func linearKernel(_ x: Tensor, rows: Int, _ w: Tensor, _ bias: Tensor?) throws -> Tensor {
        let outF = w.shape[0], inF = w.shape[1]
        var out = try Tensor(uninitialized: [rows, outF])
        if let bias {
            for r in 0..<rows { (out.ptr + r * outF).update(from: bias.ptr, count: outF) }
        }
        sgemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: x.ptr, lda: inF, b: w.ptr, ldb: inF,
              beta: bias == nil ? 0 : 1, c: out.ptr, ldc: outF)
        RoundingProbe.perturb(&out, reduction: inF)
        return withExtendedLifetime((x, w, bias)) { out }
    }
}
