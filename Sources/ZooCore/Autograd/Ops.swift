// Differentiable ops on Variables: shape checks, the forward kernel, and the record for backward.
import Foundation

// MARK: - Elementwise arithmetic (broadcasting)

extension Variable {
    public static func + (a: Variable, b: Variable) throws -> Variable {
        let v = try Tensor.broadcastBinary(a.value, b.value, op: "add") { $0 + $1 }
        return result(v, [a, b], .add(aShape: a.shape, bShape: b.shape))
    }

    public static func - (a: Variable, b: Variable) throws -> Variable {
        let v = try Tensor.broadcastBinary(a.value, b.value, op: "sub") { $0 - $1 }
        return result(v, [a, b], .sub(aShape: a.shape, bShape: b.shape))
    }

    public static func * (a: Variable, b: Variable) throws -> Variable {
        let v = try Tensor.broadcastBinary(a.value, b.value, op: "mul") { $0 * $1 }
        return result(v, [a, b], .mul(a: a.value, b: b.value))
    }

    public static func / (a: Variable, b: Variable) throws -> Variable {
        let v = try Tensor.broadcastBinary(a.value, b.value, op: "div") { $0 / $1 }
        return result(v, [a, b], .div(a: a.value, b: b.value))
    }

    public static func + (a: Variable, s: Float) throws -> Variable {
        result(try a.unary("add") { try $0.map { $0 + s } }, [a], .addScalar)
    }

    public static func - (a: Variable, s: Float) throws -> Variable { try a + (-s) }
    public static func + (s: Float, a: Variable) throws -> Variable { try a + s }
    public static func - (s: Float, a: Variable) throws -> Variable { try (a * -1) + s }

    public static func * (a: Variable, s: Float) throws -> Variable {
        result(try a.unary("mul") { try $0.map { $0 * s } }, [a], .mulScalar(s))
    }

    public static func * (s: Float, a: Variable) throws -> Variable { try a * s }
    public static func / (a: Variable, s: Float) throws -> Variable { try a * (1 / s) }
    public static prefix func - (a: Variable) throws -> Variable { try a * -1 }

    /// x^p elementwise.
    public func pow(_ p: Float) throws -> Variable {
        let out = try unary("pow") { x in p == 2 ? try x.map { $0 * $0 } : try x.map(cost: 8) { powf($0, p) } }
        return Variable.result(out, [self], .powScalar(x: value, exponent: p))
    }

    public func exp() throws -> Variable {
        let out = try unary("exp") { try $0.map(cost: 8) { expf($0) } }
        return Variable.result(out, [self], .exp(out: out))
    }

    public func log() throws -> Variable {
        Variable.result(try unary("log") { try $0.map(cost: 8) { logf($0) } }, [self], .log(x: value))
    }

    public func sqrt() throws -> Variable {
        let out = try unary("sqrt") { try $0.map(cost: 4) { $0.squareRoot() } }
        return Variable.result(out, [self], .sqrt(out: out))
    }

    /// `kernel(value)`, with a refused allocation reported as `op` on this shape.
    @inline(__always)
    func unary(_ op: String, _ kernel: (Tensor) throws -> Tensor) throws -> Tensor {
        try attributingMemory(to: "\(op) \(shapeString(shape))") { try kernel(value) }
    }
}

// MARK: - Activations

extension Variable {
    public func relu() throws -> Variable {
        Variable.result(try unary("relu") { try $0.map { reluScalar($0) } }, [self], .relu(x: value))
    }

    /// max(x, 0) + slope·min(x, 0); the derivative at 0 is `slope` (as PyTorch).
    public func leakyRelu(_ slope: Float = 0.01) throws -> Variable {
        Variable.result(try unary("leaky_relu") { try $0.map { leakyReluScalar($0, slope) } }, [self], .leakyRelu(x: value, slope: slope))
    }

    public func sigmoid() throws -> Variable {
        let out = try unary("sigmoid") { x in
            let out = try Tensor(uninitialized: x.shape)
            let src = x.ptr, dst = out.ptr
            parallelFor(out.count, costPerItem: 4) { r in sigmoidRow(src + r.lowerBound, dst + r.lowerBound, count: r.count) }
            return out
        }
        return Variable.result(out, [self], .sigmoid(out: out))
    }

    public func tanh() throws -> Variable {
        let out = try unary("tanh") { try $0.map(cost: 8) { tanhf($0) } }
        return Variable.result(out, [self], .tanh(out: out))
    }

    /// Gated linear unit over axis 1: x[:, :C] · sigmoid(x[:, C:]).
    /// Shapes: (B, 2C, ...) → (B, C, ...).
    public func glu() throws -> Variable {
        guard shape.count >= 2, shape[1] % 2 == 0 else {
            throw ZooError.shape(op: "glu", message: "needs an even channel count on axis 1, got shape \(shapeString(shape))")
        }
        let half = shape[1] / 2
        var outShape = shape
        outShape[1] = half
        let out = try unary("glu") { _ in try Tensor(uninitialized: outShape) }
        let inner = shape[2...].reduce(1, *)
        let block = half * inner
        let src = value.ptr, dst = out.ptr
        parallelFor(shape[0], costPerItem: block * 8) { r in
            for b in r {
                let a = src + b * 2 * block, g = a + block, o = dst + b * block
                gluRow(a, g, count: block, out: o)
            }
        }
        return withExtendedLifetime(value) { Variable.result(out, [self], .glu(x: value)) }
    }
}

// MARK: - Linear algebra

extension Variable {
    /// Shapes: (M, K) × (K, N) → (M, N).
    public func matmul(_ other: Variable) throws -> Variable {
        guard shape.count == 2, other.shape.count == 2, shape[1] == other.shape[0] else {
            throw ZooError.shape(op: "matmul", message: "cannot multiply \(shapeString(shape)) by \(shapeString(other.shape))")
        }
        FlopCounter.add(m: shape[0], n: other.shape[1], k: shape[1])
        let out = try attributingMemory(to: "matmul \(shapeString(shape)) x \(shapeString(other.shape))") {
            try Tensor.matmulKernel(value, other.value)
        }
        return Variable.result(out, [self, other], .matmul(a: value, b: other.value))
    }

    /// Shapes: (B, M, K) × (B, K, N) → (B, M, N).
    public func bmm(_ other: Variable) throws -> Variable {
        guard shape.count == 3, other.shape.count == 3, shape[0] == other.shape[0], shape[2] == other.shape[1] else {
            throw ZooError.shape(op: "bmm", message: "cannot batch-multiply \(shapeString(shape)) by \(shapeString(other.shape))")
        }
        FlopCounter.add(m: shape[0] * shape[1], n: other.shape[2], k: shape[2])
        let out = try attributingMemory(to: "bmm \(shapeString(shape)) x \(shapeString(other.shape))") {
            try Tensor.bmmKernel(value, other.value)
        }
        return Variable.result(out, [self, other], .bmm(a: value, b: other.value))
    }

    /// x·Wᵀ + b over the last axis. Shapes: (*, in), W (out, in), b (out) → (*, out).
    public func linear(weight: Variable, bias: Variable?) throws -> Variable {
        guard weight.shape.count == 2, let inF = shape.last, shape.count >= 1, inF == weight.shape[1] else {
            throw ZooError.shape(op: "linear", message: "input \(shapeString(shape)) does not match weight \(shapeString(weight.shape)) (expected last dim \(weight.shape.count == 2 ? weight.shape[1] : -1))")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw ZooError.shape(op: "linear", message: "bias \(shapeString(bias.shape)) does not match weight \(shapeString(weight.shape))")
        }
        let rows = value.count / max(inF, 1)
        FlopCounter.add(m: rows, n: weight.shape[0], k: inF)
        let out = try attributingMemory(to: "linear \(shapeString(shape)) x weight \(shapeString(weight.shape))ᵀ") {
            try Tensor.linearKernel(value, rows: rows, weight.value, bias?.value)
        }
        let outShape = Array(shape.dropLast()) + [weight.shape[0]]
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Variable.result(try out.reshaped(outShape), inputs,
                               .linear(x: value, w: weight.value, hasBias: bias != nil, inShape: shape))
    }

    /// 2-D convolution with zero padding. Shapes: (B, C, H, W), W (O, C, kH, kW), b (O) → (B, O, H', W').
    public func conv2d(weight: Variable, bias: Variable?, stride: Int = 1, padding: Int = 0) throws -> Variable {
        guard shape.count == 4, weight.shape.count == 4, shape[1] == weight.shape[1] else {
            throw ZooError.shape(op: "conv2d", message: "input \(shapeString(shape)) does not match weight \(shapeString(weight.shape)) (expected [B, \(weight.shape.count == 4 ? weight.shape[1] : -1), H, W])")
        }
        guard stride >= 1, padding >= 0 else {
            throw ZooError.invalidArgument(op: "conv2d", message: "stride must be ≥ 1 and padding ≥ 0 (got \(stride), \(padding))")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw ZooError.shape(op: "conv2d", message: "bias \(shapeString(bias.shape)) does not match weight \(shapeString(weight.shape))")
        }
        let g = ConvGeometry(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                             outChannels: weight.shape[0], kernelH: weight.shape[2], kernelW: weight.shape[3],
                             stride: stride, padding: padding)
        guard g.height + 2 * padding >= g.kernelH, g.width + 2 * padding >= g.kernelW else {
            throw ZooError.shape(op: "conv2d", message: "input \(shapeString(shape)) is smaller than the kernel \(g.kernelH)×\(g.kernelW) (padding \(padding))")
        }
        return try attributingMemory(to: "conv2d \(shapeString(shape)) * weight \(shapeString(weight.shape)) (stride \(stride), padding \(padding))") {
            // The output's size first: geometry products below must not overflow.
            _ = try Tensor.checkedElementCount([g.batch, g.outChannels, g.outH, g.outW], op: "conv2d output")
            return try conv2dRecorded(weight: weight, bias: bias, g)
        }
    }

    private func conv2dRecorded(weight: Variable, bias: Variable?, _ g: ConvGeometry) throws -> Variable {
        FlopCounter.add(m: g.outChannels, n: g.colCols, k: g.colRows)
        if case .joinedWithReplicated(let code, let rest, let codeFirst)? = provenance {
            // [replicate(code); rest] or [rest; replicate(code)]: the constant planes' taps are summed
            // instead of convolved.
            let (wCode, wRest) = try Tensor.splitReplicatedWeights(weight.value, codeChannels: code.shape[1], codeFirst: codeFirst)
            let out = try Tensor.conv2dReplicatedKernel(code: code.value, rest: rest.value, wCode: wCode, wRest: wRest,
                                                    bias: bias?.value, g)
            let inputs = [code, rest, weight] + (bias.map { [$0] } ?? [])
            return Variable.result(out, inputs, .conv2dReplicated(code: code.value, rest: rest.value, wCode: wCode,
                                                                  wRest: wRest, codeFirst: codeFirst, hasBias: bias != nil, geometry: g))
        }
        let out = try Tensor.conv2dKernel(value, weight.value, bias?.value, g)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Variable.result(out, inputs, .conv2d(x: value, w: weight.value, hasBias: bias != nil, geometry: g))
    }
}

// MARK: - Spatial and layout

extension Variable {
    /// Nearest-neighbour upsampling. Shapes: (B, C, H, W) → (B, C, s·H, s·W).
    public func upsampleNearest(scale: Int = 2) throws -> Variable {
        guard shape.count == 4, scale >= 1 else {
            throw ZooError.shape(op: "upsample", message: "expects [B, C, H, W] and scale ≥ 1, got \(shapeString(shape)) and \(scale)")
        }
        let out = try unary("upsample") { x in
            _ = try Tensor.checkedElementCount(x.shape + [scale, scale], op: "upsample output")
            return try x.upsampledNearest(scale)
        }
        return Variable.result(out, [self], .upsampleNearest(scale: scale))
    }

    /// Spatial replicate. Shapes: (B, C) → (B, C, H, W).
    public func replicate(height: Int, width: Int) throws -> Variable {
        guard shape.count == 2, height >= 1, width >= 1 else {
            throw ZooError.shape(op: "replicate", message: "expects [B, C] and positive sizes, got \(shapeString(shape)) to \(height)×\(width)")
        }
        let t = try attributingMemory(to: "replicate \(shapeString(shape)) to \(height)×\(width)") {
            _ = try Tensor.checkedElementCount(shape + [height, width], op: "replicate output")
            return try value.replicatedSpatially(height: height, width: width)
        }
        let out = Variable.result(t, [self], .replicate)
        out.provenance = .replicated(code: self)
        return out
    }

    /// Swaps the last two axes. Shapes: (..., M, N) → (..., N, M).
    public func transposed() throws -> Variable {
        guard shape.count >= 2 else {
            throw ZooError.shape(op: "transpose", message: "needs at least 2 dimensions, got \(shapeString(shape))")
        }
        return Variable.result(try unary("transpose") { try $0.transposedLast2() }, [self], .transpose)
    }

    /// Same elements in a new shape (one dimension may be -1).
    public func reshaped(_ newShape: [Int]) throws -> Variable {
        Variable.result(try value.reshaped(newShape), [self], .reshape(inShape: shape))
    }

    /// Elements `start..<start+length` along `axis` (negative axes count from the end).
    public func slice(axis: Int, start: Int, length: Int) throws -> Variable {
        let ax = try normalizeAxis(axis, rank: shape.count, op: "slice")
        guard start >= 0, length >= 0, start + length <= shape[ax] else {
            throw ZooError.shape(op: "slice", message: "range \(start)..<\(start + length) out of bounds for axis \(ax) of \(shapeString(shape))")
        }
        return Variable.result(try unary("slice") { try $0.sliceKernel(axis: ax, start: start, length: length) }, [self],
                               .slice(inShape: shape, axis: ax, start: start))
    }

    /// Splits along `axis` into pieces of the given sizes (which must add up to the axis length).
    public func split(sizes: [Int], axis: Int) throws -> [Variable] {
        let ax = try normalizeAxis(axis, rank: shape.count, op: "split")
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[ax] else {
            throw ZooError.shape(op: "split", message: "sizes \(sizes) do not add up to \(shape[ax]) (axis \(ax) of \(shapeString(shape)))")
        }
        var start = 0
        return try sizes.map { n in defer { start += n }; return try slice(axis: ax, start: start, length: n) }
    }

    /// Concatenation along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Variable], axis: Int) throws -> Variable {
        guard let first = parts.first else {
            throw ZooError.invalidArgument(op: "concat", message: "needs at least one tensor")
        }
        let ax = try normalizeAxis(axis, rank: first.shape.count, op: "concat")
        var outShape = first.shape
        outShape[ax] = 0
        for p in parts {
            var a = p.shape, b = first.shape
            guard a.count == b.count else {
                throw ZooError.shape(op: "concat", message: "shapes \(shapeString(first.shape)) and \(shapeString(p.shape)) differ in rank")
            }
            a[ax] = 0
            b[ax] = 0
            guard a == b else {
                throw ZooError.shape(op: "concat", message: "shapes \(shapeString(first.shape)) and \(shapeString(p.shape)) differ outside axis \(ax)")
            }
            outShape[ax] += p.shape[ax]
        }
        let joined = try attributingMemory(to: "concat \(parts.map { shapeString($0.shape) }.joined(separator: ", ")) along axis \(ax)") {
            try Tensor.concatKernel(parts.map(\.value), axis: ax, outShape: outShape)
        }
        let out = result(joined, parts,
                         .concat(axis: ax, sizes: parts.map { $0.shape[ax] }))
        if ax == 1, outShape.count == 4, parts.count == 2 {
            if case .replicated(let code)? = parts[0].provenance {
                out.provenance = .joinedWithReplicated(code: code, rest: parts[1], codeFirst: true)
            } else if case .replicated(let code)? = parts[1].provenance {
                out.provenance = .joinedWithReplicated(code: code, rest: parts[0], codeFirst: false)
            }
        }
        return out
    }
}

// MARK: - Reductions

extension Variable {
    /// Sum over `axes` (all axes when nil). `keepDims` keeps reduced axes as size 1.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) throws -> Variable {
        let (kept, out) = try reductionShapes(axes, keepDims: keepDims, op: "sum")
        let s = try unary("sum") { try $0.sum(toShape: kept) }.reshaped(out)
        return Variable.result(s, [self], .sum(inShape: shape, keptShape: kept))
    }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Variable {
        let (kept, out) = try reductionShapes(axes, keepDims: keepDims, op: "mean")
        let n = value.count / max(Tensor.elementCount(kept), 1)
        let s = try unary("mean") { try $0.sum(toShape: kept).map { $0 / Float(n) } }
        return Variable.result(try s.reshaped(out), [self], .mean(inShape: shape, keptShape: kept, count: n))
    }

    func reductionShapes(_ axes: [Int]?, keepDims: Bool, op: String) throws -> (kept: [Int], out: [Int]) {
        let list = try (axes ?? Array(0..<shape.count)).map { try normalizeAxis($0, rank: shape.count, op: op) }
        guard Set(list).count == list.count else {
            throw ZooError.invalidArgument(op: op, message: "repeated axis in \(axes ?? [])")
        }
        var kept = shape
        for a in list { kept[a] = 1 }
        let out = keepDims ? kept : shape.enumerated().filter { !list.contains($0.offset) }.map(\.element)
        return (kept, out)
    }
}

/// Resolves a possibly negative axis, or throws naming the op and the rank.
func normalizeAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0, a < rank else {
        throw ZooError.invalidArgument(op: op, message: "axis \(axis) out of range for a tensor of rank \(rank)")
    }
    return a
}
