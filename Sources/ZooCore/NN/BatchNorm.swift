// Batch normalisation layers with PyTorch's running statistics (momentum 0.1, unbiased running var).

/// BatchNorm over axis 1. Train: batch statistics, running stats updated with `momentum`
/// (running_var with the unbiased variance n/(n−1)), `num_batches_tracked` += 1.
/// Eval: running statistics. Parameters `weight` (γ, init 1), `bias` (β, init 0);
/// buffers `running_mean`, `running_var`, `num_batches_tracked`.
public class BatchNorm: Module {
    public let numFeatures: Int
    public var eps: Float, momentum: Float
    /// Expected input rank: 2 for BatchNorm1d, 4 for BatchNorm2d.
    let inputRank: Int

    public var weight: Variable? { parameter("weight") }
    public var bias: Variable? { parameter("bias") }
    public var runningMean: Buffer { buffer("running_mean")! }
    public var runningVar: Buffer { buffer("running_var")! }
    public var numBatchesTracked: Buffer { buffer("num_batches_tracked")! }

    init(_ numFeatures: Int, eps: Float, momentum: Float, affine: Bool, inputRank: Int) throws {
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.inputRank = inputRank
        super.init()
        register(parameter: affine ? Variable(try Tensor(shape: [numFeatures], repeating: 1)) : nil, named: "weight")
        register(parameter: affine ? Variable(try Tensor(zeros: [numFeatures])) : nil, named: "bias")
        register(buffer: Buffer(try Tensor(zeros: [numFeatures])), named: "running_mean")
        register(buffer: Buffer(try Tensor(shape: [numFeatures], repeating: 1)), named: "running_var")
        register(buffer: Buffer(try Tensor(scalar: 0), isInteger: true), named: "num_batches_tracked")
    }

    public override func forward(_ x: Variable) throws -> Variable { try forward(x, activation: .none) }

    /// The batch norm followed by `activation`, fused (Sequential does this for BN → ReLU,
    /// LeakyReLU or GLU).
    public func forward(_ x: Variable, activation: FusedActivation) throws -> Variable {
        guard x.shape.count == inputRank else {
            throw ZooError.shape(op: typeName, message: "expected a \(inputRank)-D input, got \(shapeString(x.shape))")
        }
        let (y, stats) = try x.batchNorm(weight: weight, bias: bias, runningMean: runningMean.value,
                                         runningVar: runningVar.value, training: isTraining, eps: eps, activation: activation)
        if let stats { try updateRunningStatistics(stats) }
        return y
    }

    /// running = m·batch + (1 − m)·running in Double (as PyTorch's CPU kernel), the running
    /// variance taking the unbiased batch variance var_sum/(n − 1) computed in Float.
    func updateRunningStatistics(_ s: BatchStatistics) throws {
        let m = Double(momentum)
        try runningMean.value.withUnsafeMutableBufferPointer { rm in
            for c in 0..<numFeatures { rm[c] = Float(m * Double(s.mean[c]) + (1 - m) * Double(rm[c])) }
        }
        try runningVar.value.withUnsafeMutableBufferPointer { rv in
            for c in 0..<numFeatures {
                let unbiased = s.n > 1 ? s.varianceSum[c] / Float(s.n - 1) : s.varianceSum[c]
                rv[c] = Float(m * Double(unbiased) + (1 - m) * Double(rv[c]))
            }
        }
        try numBatchesTracked.value.set(flat: 0, to: numBatchesTracked.value[flat: 0] + 1)
    }

    public override var extraDescription: String {
        "\(numFeatures), eps=\(eps), momentum=\(momentum), affine=\(weight != nil ? "True" : "False"), track_running_stats=True"
    }
}

/// Shapes: (B, C) → (B, C).
public final class BatchNorm1d: BatchNorm {
    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) throws {
        try super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, inputRank: 2)
    }
}

/// Shapes: (B, C, H, W) → (B, C, H, W).
public final class BatchNorm2d: BatchNorm {
    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) throws {
        try super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, inputRank: 4)
    }
}
