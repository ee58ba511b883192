// conv2d of [replicate(code); rest] (or [rest; replicate(code)]) as the conv of `rest` plus the
// code's per-tap responses summed over the taps that land inside the image: exact, without
// convolving the constant planes.
//
// A spatially constant input channel contributes Σ_taps w[o, c, t]·code[b, c] at every output
// position, summed over the taps t that fall inside the (zero-padded) input. So with
// T [B, O, kH·kW] = code · W_code (one small GEMM), the code's part of the output at (y, x) is
// Σ_{ky valid at y} Σ_{kx valid at x} T[b, o, ky, kx]. The backward pass needs the same windows:
// S[b, o, t] = Σ of gy over the positions where tap t is inside, then dcode = S · W_codeᵀ and
// dW_code = codeᵀ · S. StackGAN's joint convs (text code tiled over the image, concatenated
// with the features) spend most of their FLOPs on those constant planes.

extension ConvGeometry {
    /// The same convolution over `channels` input channels (the features beside a replicated code).
    func restricted(toChannels channels: Int) -> ConvGeometry {
        var g = self
        g.channels = channels
        return g
    }
}

extension Tensor {
    /// The weight w [O, Cc + Cr, kH, kW] split for the `codeChannels` = Cc replicated channels (the
    /// first Cc when `codeFirst`, else the last): code [Cc, O·kH·kW] with code[c, o·kk + t] =
    /// w[o, c, t] (one GEMM's right operand), and rest [O, Cr, kH, kW].
    static func splitReplicatedWeights(_ w: Tensor, codeChannels cc: Int, codeFirst: Bool) throws -> (code: Tensor, rest: Tensor) {
        let o = w.shape[0], kk = w.shape[2] * w.shape[3], cr = w.shape[1] - cc
        let code = try Tensor(uninitialized: [cc, o * kk])
        let rest = try Tensor(uninitialized: [o, cr, w.shape[2], w.shape[3]])
        copyReplicatedWeights(w: w, code: code, rest: rest, codeFirst: codeFirst, intoWeight: false)
        return (code, rest)
    }

    /// The inverse of `splitReplicatedWeights`: [O, Cc + Cr, kH, kW] from code [Cc, O·kk] and rest.
    static func joinReplicatedWeights(code: Tensor, rest: Tensor, codeFirst: Bool) throws -> Tensor {
        let w = try Tensor(uninitialized: [rest.shape[0], code.shape[0] + rest.shape[1], rest.shape[2], rest.shape[3]])
        copyReplicatedWeights(w: w, code: code, rest: rest, codeFirst: codeFirst, intoWeight: true)
        return w
    }

    /// Copies between w [O, Cc + Cr, kH, kW] and its split form (code [Cc, O·kk], rest
    /// [O, Cr, kH, kW]), in the direction `intoWeight` says.
    private static func copyReplicatedWeights(w: Tensor, code: Tensor, rest: Tensor, codeFirst: Bool, intoWeight: Bool) {
        let o = w.shape[0], cin = w.shape[1], kk = w.shape[2] * w.shape[3], cc = code.shape[0], cr = cin - cc
        let codeStart = codeFirst ? 0 : cr * kk, restStart = codeFirst ? cc * kk : 0
        func copy(_ wp: UnsafeMutablePointer<Float>, _ other: UnsafeMutablePointer<Float>, _ count: Int) {
            if intoWeight { wp.update(from: other, count: count) } else { other.update(from: wp, count: count) }
        }
        withExtendedLifetime((w, code, rest)) {
            for oc in 0..<o {
                let row = w.ptr + oc * cin * kk
                for c in 0..<cc { copy(row + codeStart + c * kk, code.ptr + c * o * kk + oc * kk, kk) }
                copy(row + restStart, rest.ptr + oc * cr * kk, cr * kk)
            }
        }
    }

    /// y [B, O, H', W'] = conv([replicate(code [B, Cc]); rest [B, Cr, H, W]], w) (+ bias), with the
    /// weight already split (`splitReplicatedWeights`); `g` is the whole conv's geometry.
    static func conv2dReplicatedKernel(code: Tensor, rest: Tensor, wCode: Tensor, wRest: Tensor,
                                       bias: Tensor?, _ g: ConvGeometry) throws -> Tensor {
        let out = try conv2dKernel(rest, wRest, bias, g.restricted(toChannels: rest.shape[1]))
        let cc = code.shape[1], taps = wCode.shape[1]
        // t [B, O·kk] = code [B, Cc] · wCode [Cc, O·kk]
        let t = try Tensor(uninitialized: [g.batch, taps])
        sgemm(transA: false, transB: false, m: g.batch, n: taps, k: cc, a: code.ptr, lda: cc, b: wCode.ptr, ldb: taps,
              c: t.ptr, ldc: taps)
        addWindowSums(t, g, into: out)
        return withExtendedLifetime((code, wCode)) { out }
    }

    /// out[b, o, y, x] += Σ_{ky valid at y, kx valid at x} t[b, o, ky, kx], plane by plane (tap
    /// (ky, kx) is valid at (y, x) when `inputRow(y, ky)` exists and x is in `validColumns(kx)`).
    private static func addWindowSums(_ t: Tensor, _ g: ConvGeometry, into out: Tensor) {
        let kh = g.kernelH, kw = g.kernelW, ow = g.outW, plane = g.outPlane
        let cols = (0..<kw).map { g.validColumns($0) }
        let tp = t.ptr, op = out.ptr
        parallelFor(g.batch * g.outChannels, costPerItem: plane * 2) { planes in
            // colSum [kH, W']: Σ_{kx valid at x} t[ky, kx]; line [W']: the row's total.
            var colSum = [Float](repeating: 0, count: kh * ow), line = [Float](repeating: 0, count: ow)
            for p in planes {
                let tap = tp + p * kh * kw
                for i in colSum.indices { colSum[i] = 0 }
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let v = tap[ky * kw + kx]
                        for x in cols[kx].lo..<cols[kx].hi { colSum[ky * ow + x] += v }
                    }
                }
                let dst = op + p * plane
                for y in 0..<g.outH {
                    for x in 0..<ow { line[x] = 0 }
                    for ky in 0..<kh where g.inputRow(y, ky) != nil { for x in 0..<ow { line[x] += colSum[ky * ow + x] } }
                    let row = dst + y * ow
                    for x in 0..<ow { row[x] += line[x] }
                }
            }
        }
        withExtendedLifetime((t, out)) {}
    }

    /// Gradients of `conv2dReplicatedKernel` for upstream gy [B, O, H', W']: (dcode [B, Cc],
    /// drest, dw [O, Cc + Cr, kH, kW], db).
    static func conv2dReplicatedBackward(code: Tensor, rest: Tensor, wCode: Tensor, wRest: Tensor, codeFirst: Bool, hasBias: Bool,
                                         _ g: ConvGeometry, _ gy: Tensor, needCode: Bool, needRest: Bool,
                                         needWeight: Bool) throws -> (Tensor?, Tensor?, Tensor?, Tensor?) {
        let (drest, dwRest, db) = try conv2dBackward(rest, wRest, hasBias: hasBias, g.restricted(toChannels: rest.shape[1]), gy,
                                                 needInput: needRest, needWeight: needWeight)
        guard needCode || needWeight else { return (nil, drest, nil, db) }
        let b = g.batch, cc = code.shape[1], taps = wCode.shape[1]
        let s = try windowSums(gy, g)
        var dcode: Tensor?
        if needCode {
            // dcode [B, Cc] = s [B, O·kk] · wCodeᵀ
            let d = try Tensor(uninitialized: [b, cc])
            sgemm(transA: false, transB: true, m: b, n: cc, k: taps, a: s.ptr, lda: taps, b: wCode.ptr, ldb: taps,
                  c: d.ptr, ldc: cc)
            dcode = d
        }
        var dw: Tensor?
        if needWeight, let dwRest {
            // dwCode [Cc, O·kk] = codeᵀ · s, then interleaved with dwRest into [O, Cc + Cr, kH, kW].
            let dwCode = try Tensor(uninitialized: [cc, taps])
            sgemm(transA: true, transB: false, m: cc, n: taps, k: b, a: code.ptr, lda: cc, b: s.ptr, ldb: taps,
                  c: dwCode.ptr, ldc: taps)
            dw = try joinReplicatedWeights(code: dwCode, rest: dwRest, codeFirst: codeFirst)
        }
        return withExtendedLifetime((code, wCode, s)) { (dcode, drest, dw, db) }
    }

    /// s [B, O·kk]: s[b, o, ky, kx] = Σ of gy[b, o] over the positions (y, x) where tap (ky, kx) is
    /// inside the input, from each row's prefix sums in Double.
    private static func windowSums(_ gy: Tensor, _ g: ConvGeometry) throws -> Tensor {
        let kh = g.kernelH, kw = g.kernelW, ow = g.outW, plane = g.outPlane
        let cols = (0..<kw).map { g.validColumns($0) }
        let s = try Tensor(uninitialized: [g.batch, g.outChannels * kh * kw])
        let gp = gy.ptr, sp = s.ptr
        parallelFor(g.batch * g.outChannels, costPerItem: plane) { planes in
            var prefix = [Double](repeating: 0, count: ow + 1), acc = [Double](repeating: 0, count: kh * kw)
            for p in planes {
                let src = gp + p * plane
                for i in acc.indices { acc[i] = 0 }
                for y in 0..<g.outH {
                    let row = src + y * ow
                    for x in 0..<ow { prefix[x + 1] = prefix[x] + Double(row[x]) }
                    for ky in 0..<kh where g.inputRow(y, ky) != nil {
                        for kx in 0..<kw { acc[ky * kw + kx] += prefix[cols[kx].hi] - prefix[cols[kx].lo] }
                    }
                }
                let dst = sp + p * kh * kw
                for i in 0..<kh * kw { dst[i] = Float(acc[i]) }
            }
        }
        return withExtendedLifetime(gy) { s }
    }
}
