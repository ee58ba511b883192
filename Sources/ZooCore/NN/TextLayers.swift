// The layers of transformer text encoders: LayerNorm and Embedding (PyTorch names, defaults and state-dict keys).

/// Layer norm over the last axis with learned γ (`weight`, init 1) and β (`bias`, init 0).
/// Shapes: (..., C) → (..., C).
public final class LayerNorm: Module {
    public let normalizedShape: Int
    public var eps: Float
    public var weight: Variable { parameter("weight")! }
    public var bias: Variable { parameter("bias")! }

    public init(_ normalizedShape: Int, eps: Float = 1e-5) throws {
        self.normalizedShape = normalizedShape
        self.eps = eps
        super.init()
        try attributingMemory(to: "LayerNorm(\(normalizedShape)) weight [\(normalizedShape)]") {
            register(parameter: Variable(try Tensor(shape: [normalizedShape], repeating: 1)), named: "weight")
            register(parameter: Variable(try Tensor(zeros: [normalizedShape])), named: "bias")
        }
    }

    public override func forward(_ x: Variable) throws -> Variable { try x.layerNorm(gamma: weight, beta: bias, eps: eps) }

    public override var extraDescription: String { "(\(normalizedShape),), eps=\(eps), elementwise_affine=True" }
}

/// A lookup table of `count` rows of width `dim` (`weight` [count, dim], init N(0, 1) as PyTorch).
/// Shapes: indices (S...) (integer-valued floats in 0..<count) → (S..., dim).
public final class Embedding: Module {
    public let count: Int, dim: Int
    public var weight: Variable { parameter("weight")! }

    public init(_ count: Int, _ dim: Int) throws {
        self.count = count
        self.dim = dim
        super.init()
        try attributingMemory(to: "Embedding(\(count), \(dim)) weight [\(count), \(dim)]") {
            let w = Variable(try Tensor(zeros: [count, dim]))
            try Init.normal(w, std: 1)
            register(parameter: w, named: "weight")
        }
    }

    public override func forward(_ x: Variable) throws -> Variable { try Variable.embedding(table: weight, indices: x) }

    public override var extraDescription: String { "\(count), \(dim)" }
}
