// Every backward rule in one place: input gradients from the upstream gradient, per op.
import Foundation

enum Gradients {
    /// Gradients for each input of a recorded op (nil where none flows), given the upstream `g`
    /// (same shape as `output`). Runs with grad mode off.
    static func backward(_ record: OpRecord, inputs: [Variable], output: Tensor, grad g: Tensor) throws -> [Tensor?] {
        func need(_ i: Int) -> Bool { i < inputs.count && inputs[i].requiresGrad }
        switch record {
        case .add(let aShape, let bShape):
            return [try g.sum(toShape: aShape), try g.sum(toShape: bShape)]

        case .sub(let aShape, let bShape):
            return [try g.sum(toShape: aShape), need(1) ? try g.sum(toShape: bShape).map { -$0 } : nil]

        case .mul(let a, let b):
            return [need(0) ? try (g * b).sum(toShape: a.shape) : nil,
                    need(1) ? try (g * a).sum(toShape: b.shape) : nil]

        case .div(let a, let b):
            // d(a/b)/da = 1/b; d(a/b)/db = −a/b².
            let ga = need(0) ? try (g / b).sum(toShape: a.shape) : nil
            let gb = need(1) ? try (g * (a / (b * b))).map { -$0 }.sum(toShape: b.shape) : nil
            return [ga, gb]

        case .addScalar:
            return [g]

        case .mulScalar(let s):
            return [try g.map { $0 * s }]

        case .powScalar(let x, let p):
            if p == 2 { return [try g.zipMap(x) { $0 * 2 * $1 }] }
            return [try g.zipMap(x, cost: 8) { $0 * p * powf($1, p - 1) }]

        case .exp(let out):
            return [try g.zipMap(out) { $0 * $1 }]

        case .log(let x):
            return [try g.zipMap(x) { $0 / $1 }]

        case .sqrt(let out):
            return [try g.zipMap(out) { $0 / (2 * $1) }]

        case .matmul(let a, let b):
            // C = A·B: dA = G·Bᵀ, dB = Aᵀ·G.
            return [need(0) ? try Tensor.matmulKernel(g, b, transB: true) : nil,
                    need(1) ? try Tensor.matmulKernel(a, g, transA: true) : nil]

        case .bmm(let a, let b):
            return [need(0) ? try Tensor.bmmKernel(g, b, transB: true) : nil,
                    need(1) ? try Tensor.bmmKernel(a, g, transA: true) : nil]

        case .linear(let x, let w, let hasBias, let inShape):
            // y = x·Wᵀ + b over rows: dx = G·W, dW = Gᵀ·x, db = Σ_rows G.
            let outF = w.shape[0], inF = w.shape[1]
            let rows = x.count / max(inF, 1)
            let g2 = try g.reshaped([rows, outF]), x2 = try x.reshaped([rows, inF])
            var dx = need(0) ? try Tensor.matmulKernel(g2, w).reshaped(inShape) : nil
            var dw = need(1) ? try Tensor.matmulKernel(g2, x2, transA: true) : nil
            RoundingProbe.perturb(&dx, reduction: outF)
            RoundingProbe.perturb(&dw, reduction: rows)
            var grads: [Tensor?] = [dx, dw]
            if hasBias { grads.append(need(2) ? try g2.sum(toShape: [1, outF]).reshaped([outF]) : nil) }
            return grads

        case .conv2d(let x, let w, let hasBias, let geometry):
            var (dx, dw, db) = try Tensor.conv2dBackward(x, w, hasBias: hasBias && need(2), geometry, g,
                                                      needInput: need(0), needWeight: need(1))
            RoundingProbe.perturb(&dx, reduction: geometry.outChannels * geometry.kernelH * geometry.kernelW)
            RoundingProbe.perturb(&dw, reduction: geometry.colCols)
            return hasBias ? [dx, dw, db] : [dx, dw]

        case .conv2dReplicated(let code, let rest, let wCode, let wRest, let codeFirst, let hasBias, let geometry):
            var (dcode, drest, dw, db) = try Tensor.conv2dReplicatedBackward(
                code: code, rest: rest, wCode: wCode, wRest: wRest, codeFirst: codeFirst, hasBias: hasBias && need(3), geometry, g,
                needCode: need(0), needRest: need(1), needWeight: need(2))
            RoundingProbe.perturb(&dcode, reduction: geometry.outChannels * geometry.kernelH * geometry.kernelW)
            RoundingProbe.perturb(&drest, reduction: geometry.outChannels * geometry.kernelH * geometry.kernelW)
            RoundingProbe.perturb(&dw, reduction: geometry.colCols)
            return hasBias ? [dcode, drest, dw, db] : [dcode, drest, dw]

        case .upsampleNearest(let scale):
            return [try g.downsampledSum(scale)]

        case .batchNorm(let x, let mean, let invstd, let alpha, let shift, let affine, let training, let activation):
            let shape = x.shape
            let b = shape[0], c = shape[1], s = shape.count == 4 ? shape[2] * shape[3] : 1
            let dx: Tensor? = need(0) ? try Tensor(uninitialized: shape) : nil
            let (dgamma, dbeta) = try withExtendedLifetime((g, x)) {
                try batchNormBackward(g.ptr, x: x.ptr, batch: b, channels: c, spatial: s, mean: mean, invstd: invstd,
                                  alpha: alpha, shift: shift, activation: activation, training: training, dx: dx?.ptr)
            }
            guard affine else { return [dx] }
            return [dx, try Tensor(shape: [c], data: dgamma), try Tensor(shape: [c], data: dbeta)]

        case .relu(let x):
            return [try g.zipMap(x) { reluGradient($0, $1) }]

        case .leakyRelu(let x, let slope):
            return [try g.zipMap(x) { leakyReluGradient($0, $1, slope) }]

        case .sigmoid(let out):
            return [try g.zipMap(out) { $0 * $1 * (1 - $1) }]

        case .tanh(let out):
            return [try g.zipMap(out) { $0 * (1 - $1 * $1) }]

        case .glu(let x):
            // out = a·σ(b): da = g·σ(b), db = g·a·σ(b)·(1 − σ(b)).
            let dx = try Tensor(uninitialized: x.shape)
            let half = x.shape[1] / 2
            let block = half * x.shape[2...].reduce(1, *)
            let src = x.ptr, gp = g.ptr, dst = dx.ptr
            parallelFor(x.shape[0], costPerItem: block * 8) { r in
                for bi in r {
                    let a = src + bi * 2 * block, gate = a + block, gg = gp + bi * block
                    let da = dst + bi * 2 * block, db = da + block
                    gluGradientRow(gg, a, gate, count: block, da: da, dgate: db)
                }
            }
            return withExtendedLifetime((x, g)) { [dx] }

        case .sum(let inShape, let kept):
            return [try g.reshaped(kept).broadcast(to: inShape)]

        case .mean(let inShape, let kept, let n):
            return [try g.reshaped(kept).map { $0 / Float(n) }.broadcast(to: inShape)]

        case .concat(let axis, let sizes):
            var start = 0
            return try sizes.map { n in
                defer { start += n }
                return try g.sliceKernel(axis: axis, start: start, length: n)
            }

        case .slice(let inShape, let axis, let start):
            var dx = try Tensor(zeros: inShape)
            try dx.addSlice(g, axis: axis, start: start)
            return [dx]

        case .reshape(let inShape):
            return [try g.reshaped(inShape)]

        case .replicate:
            let s = g.shape
            return [try g.sum(toShape: [s[0], s[1], 1, 1]).reshaped([s[0], s[1]])]

        case .transpose:
            return [try g.transposedLast2()]

        case .bceProbs(let p, let t):
            // PyTorch: (p − t) / max(p·(1 − p), 1e-12) / N · g.
            let scale = g.item / Float(max(t.count, 1))
            let d = try p.zipMap(t) { pv, tv in (pv - tv) / max((1 - pv) * pv, 1e-12) * scale }
            return [try d.reshaped(p.shape)]

        case .bceLogits(let x, let t):
            let scale = g.item / Float(max(t.count, 1))
            let d = try x.zipMap(t) { xv, tv in (sigmoidScalar(xv) - tv) * scale }
            return [try d.reshaped(x.shape)]

        case .layerNorm(let x, let gamma, let mean, let rstd):
            let (dx, dgamma, dbeta) = try Tensor.layerNormBackward(g, x: x, gamma: gamma, mean: mean, rstd: rstd,
                                                                   needInput: need(0), needAffine: need(1) || need(2))
            return [dx, dgamma, dbeta]

        case .gelu(let x):
            return [try g.zipMap(x, cost: 16) { geluGradient($0, $1) }]

        case .softmax(let out):
            return [try Tensor.softmaxBackward(g, out: out)]

        case .embedding(let indices, let v):
            return [try Tensor.embeddingBackward(g, indices: indices, vocabulary: v)]

        case .permute(let axes):
            // The inverse permutation: input axis axes[i] is output axis i.
            var inverse = axes
            for (i, a) in axes.enumerated() { inverse[a] = i }
            return [try g.permutedKernel(inverse)]
        }
    }
}
