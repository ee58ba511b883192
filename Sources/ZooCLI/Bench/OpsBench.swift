// `stackzoo bench ops`: conv2d forward/backward on the StackGAN GEMM shapes next to bare sgemm.
import Foundation
import ZooCore

struct OpsBenchRow: Codable {
    var name: String
    var m: Int, n: Int, k: Int
    var sgemmGflops: Double        // bare sgemm, forward shape
    var convForwardGflops: Double  // conv2d forward (im2col + sgemm + layout)
    var sgemmBackwardGflops: Double // the two backward GEMMs, bare
    var convBackwardGflops: Double // conv2d backward (dW and dx: im2col, 2 GEMMs, col2im)
    var forwardRatio: Double { convForwardGflops / sgemmGflops }
    var backwardRatio: Double { convBackwardGflops / sgemmBackwardGflops }
}

enum OpsBench {
    /// Median wall time of `body` over `repeats` runs after one warm-up.
    static func median(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        return times.sorted()[times.count / 2]
    }

    /// Bare sgemm C[m×n] = A[m×k]·B[k×n] on preallocated buffers.
    static func sgemmSeconds(m: Int, n: Int, k: Int, repeats: Int) throws -> Double {
        let a = try Tensor.uniform([m, k], low: -1, high: 1), b = try Tensor.uniform([k, n], low: -1, high: 1)
        var c = try Tensor(zeros: [m, n])
        return try a.withUnsafeBufferPointer { pa in
            try b.withUnsafeBufferPointer { pb in
                try c.withUnsafeMutableBufferPointer { pc in
                    median(repeats) {
                        BLAS.sgemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
                                   c: pc.baseAddress!, ldc: n)
                    }
                }
            }
        }
    }

    static func run(_ c: ConvCase, repeats: Int) throws -> OpsBenchRow {
        let x = Variable(try Tensor.uniform([c.batch, c.inChannels, c.inSize, c.inSize], low: -1, high: 1), requiresGrad: true)
        let w = Variable(try Tensor.uniform([c.outChannels, c.inChannels, c.kernel, c.kernel], low: -0.1, high: 0.1),
                         requiresGrad: true)
        let fwd = try median(repeats) {
            _ = try withNoGrad { try x.conv2d(weight: w, bias: nil, stride: c.stride, padding: c.padding) }
        }
        let y = try x.conv2d(weight: w, bias: nil, stride: c.stride, padding: c.padding)
        let g = try Tensor.uniform(y.shape, low: -1, high: 1)
        let bwd = try median(repeats) {
            x.grad = nil
            w.grad = nil
            try y.backward(g, retainGraph: true)
        }
        let sg = try sgemmSeconds(m: c.m, n: c.n, k: c.k, repeats: repeats)
        // Backward GEMMs: dW [M×K] = G[M×N]·colᵀ, dcol [K×N] = Wᵀ·G.
        let sgBwd = try sgemmSeconds(m: c.m, n: c.k, k: c.n, repeats: repeats) + sgemmSeconds(m: c.k, n: c.n, k: c.m, repeats: repeats)
        let f = c.flopsForward * 1e-9
        return OpsBenchRow(name: c.name, m: c.m, n: c.n, k: c.k, sgemmGflops: f / sg, convForwardGflops: f / fwd,
                           sgemmBackwardGflops: 2 * f / sgBwd, convBackwardGflops: 2 * f / bwd)
    }

    static func table(_ rows: [OpsBenchRow]) -> String {
        var lines = ["| layer | M | N | K | sgemm GF/s | conv fwd GF/s | fwd/sgemm | sgemm bwd GF/s | conv bwd GF/s | bwd/sgemm |",
                     "|---|---|---|---|---|---|---|---|---|---|"]
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        func pct(_ x: Double) -> String { String(format: "%.0f%%", 100 * x) }
        for r in rows {
            lines.append("| \(r.name) | \(r.m) | \(r.n) | \(r.k) | \(f(r.sgemmGflops)) | \(f(r.convForwardGflops)) | \(pct(r.forwardRatio)) | \(f(r.sgemmBackwardGflops)) | \(f(r.convBackwardGflops)) | \(pct(r.backwardRatio)) |")
        }
        let fr = rows.map(\.forwardRatio), br = rows.map(\.backwardRatio)
        if !rows.isEmpty {
            lines.append("")
            lines.append("forward/sgemm: min \(pct(fr.min()!)), median \(pct(fr.sorted()[fr.count / 2])); backward/sgemm: min \(pct(br.min()!)), median \(pct(br.sorted()[br.count / 2]))")
        }
        return lines.joined(separator: "\n")
    }
}
