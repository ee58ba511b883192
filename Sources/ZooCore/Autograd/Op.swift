// The differentiable ops: their names (Op) and what each saves for its backward rule (OpRecord).

/// Every differentiable op, by name. Tests iterate `allCases` so no op escapes a gradient check.
public enum Op: String, CaseIterable, Sendable {
    case add, sub, mul, div, addScalar, mulScalar, powScalar, exp, log, sqrt
    case matmul, bmm, linear, conv2d, conv2dReplicated, upsampleNearest, batchNorm
    case relu, leakyRelu, sigmoid, tanh, glu
    case sum, mean, concat, slice, reshape, replicate, transpose
    case bceProbs, bceLogits
    case layerNorm, gelu, softmax, embedding, permute
}

/// What a recorded op keeps for its backward rule (tensors share storage; nothing is copied).
enum OpRecord {
    case add(aShape: [Int], bShape: [Int])
    case sub(aShape: [Int], bShape: [Int])
    case mul(a: Tensor, b: Tensor)
    case div(a: Tensor, b: Tensor)
    case addScalar
    case mulScalar(Float)
    case powScalar(x: Tensor, exponent: Float)
    case exp(out: Tensor)
    case log(x: Tensor)
    case sqrt(out: Tensor)
    case matmul(a: Tensor, b: Tensor)
    case bmm(a: Tensor, b: Tensor)
    /// x [R, in] (the input viewed as rows), w [out, in]; `inShape` restores x's shape.
    case linear(x: Tensor, w: Tensor, hasBias: Bool, inShape: [Int])
    case conv2d(x: Tensor, w: Tensor, hasBias: Bool, geometry: ConvGeometry)
    /// conv2d of [replicate(code); rest] (or [rest; replicate(code)] when not `codeFirst`; inputs
    /// code, rest, weight, bias?), with the weight split as `Tensor.splitReplicatedWeights` does;
    /// `geometry` is the whole conv's.
    case conv2dReplicated(code: Tensor, rest: Tensor, wCode: Tensor, wRest: Tensor, codeFirst: Bool, hasBias: Bool,
                          geometry: ConvGeometry)
    case upsampleNearest(scale: Int)
    /// The input x and the per-channel mean and invstd it was normalised with (x̂ = (x − mean)·invstd
    /// is recomputed in the backward); y = x·α + shift with α = γ·invstd, to which the fused
    /// activation was applied (recomputed too); `affine`: γ and β are inputs that take gradients.
    case batchNorm(x: Tensor, mean: [Float], invstd: [Float], alpha: [Float], shift: [Float],
                   affine: Bool, training: Bool, activation: FusedActivation)
    case relu(x: Tensor)
    case leakyRelu(x: Tensor, slope: Float)
    case sigmoid(out: Tensor)
    case tanh(out: Tensor)
    case glu(x: Tensor)
    /// Reductions keep the input shape and the output shape with reduced axes kept as 1.
    case sum(inShape: [Int], keptShape: [Int])
    case mean(inShape: [Int], keptShape: [Int], count: Int)
    case concat(axis: Int, sizes: [Int])
    case slice(inShape: [Int], axis: Int, start: Int)
    case reshape(inShape: [Int])
    case replicate
    case transpose
    case bceProbs(p: Tensor, target: Tensor)
    case bceLogits(x: Tensor, target: Tensor)
    /// Inputs x, gamma, beta; each row's mean and rstd = 1/sqrt(var + eps) [R] (x̂ is recomputed).
    case layerNorm(x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor)
    case gelu(x: Tensor)
    /// The probabilities (masked keys hold 0, which is all the backward needs of the mask).
    case softmax(out: Tensor)
    /// Input: the table [V, D] only; the indices take no gradient.
    case embedding(indices: Tensor, vocabulary: Int)
    case permute(axes: [Int])

    var op: Op {
        switch self {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .addScalar: return .addScalar
        case .mulScalar: return .mulScalar
        case .powScalar: return .powScalar
        case .exp: return .exp
        case .log: return .log
        case .sqrt: return .sqrt
        case .matmul: return .matmul
        case .bmm: return .bmm
        case .linear: return .linear
        case .conv2d: return .conv2d
        case .conv2dReplicated: return .conv2dReplicated
        case .upsampleNearest: return .upsampleNearest
        case .batchNorm: return .batchNorm
        case .relu: return .relu
        case .leakyRelu: return .leakyRelu
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        case .glu: return .glu
        case .sum: return .sum
        case .mean: return .mean
        case .concat: return .concat
        case .slice: return .slice
        case .reshape: return .reshape
        case .replicate: return .replicate
        case .transpose: return .transpose
        case .bceProbs: return .bceProbs
        case .bceLogits: return .bceLogits
        case .layerNorm: return .layerNorm
        case .gelu: return .gelu
        case .softmax: return .softmax
        case .embedding: return .embedding
        case .permute: return .permute
        }
    }
}
