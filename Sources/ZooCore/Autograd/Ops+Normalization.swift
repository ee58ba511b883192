// The batch-norm op (train: batch statistics; eval: given running statistics), optionally fused with
// the activation that follows it, and its statistics.

/// Batch statistics a training-mode batch norm computed, for the running-stat update.
public struct BatchStatistics {
    /// Per-channel mean and sum of squared deviations of the batch; n = elements per channel.
    public var mean: [Float], varianceSum: [Float], n: Int
}

/// An activation applied inside the batch-norm op to its normalised values y, which are then
/// neither stored nor kept for the backward (it recomputes them from the input): one activation-
/// sized tensor and one pass over memory less per batch norm. Same values as the separate ops.
public enum FusedActivation: Equatable, Sendable {
    case none, relu, leakyRelu(Float)
    /// y[:, :C/2] · sigmoid(y[:, C/2:]) (halves the channels).
    case glu
}

extension Variable {
    /// Batch normalisation over axis 1 of (B, C) or (B, C, H, W), then `activation`.
    /// - training: normalise with the batch mean and biased variance, and return them;
    ///   otherwise normalise with `runningMean`/`runningVar` (required then).
    public func batchNorm(weight: Variable?, bias: Variable?, runningMean: Tensor?, runningVar: Tensor?,
                          training: Bool, eps: Float = 1e-5, activation: FusedActivation = .none) throws -> (Variable, BatchStatistics?) {
        guard shape.count == 2 || shape.count == 4 else {
            throw ZooError.shape(op: "batch_norm", message: "expects [B, C] or [B, C, H, W], got \(shapeString(shape))")
        }
        if activation == .glu, shape[1] % 2 != 0 {
            throw ZooError.shape(op: "glu", message: "needs an even channel count on axis 1, got shape \(shapeString(shape))")
        }
        let b = shape[0], c = shape[1], s = shape.count == 4 ? shape[2] * shape[3] : 1
        for (name, p) in [("weight", weight?.value), ("bias", bias?.value), ("running_mean", runningMean), ("running_var", runningVar)] {
            if let p, p.shape != [c] {
                throw ZooError.shape(op: "batch_norm", message: "\(name) \(shapeString(p.shape)) does not match \(c) channels of input \(shapeString(shape))")
            }
        }
        var mean = [Float](repeating: 0, count: c), invstd = [Float](repeating: 0, count: c)
        var stats: BatchStatistics?
        if training {
            guard b * s > 1 else {
                throw ZooError.shape(op: "batch_norm", message: "expected more than 1 value per channel when training, got input \(shapeString(shape))")
            }
            let (m, v) = channelStatistics(value.ptr, batch: b, channels: c, spatial: s)
            // As PyTorch on the CPU: invstd = 1/sqrt(var + eps) in Double, var = var_sum/n in Float.
            for i in 0..<c {
                mean[i] = m[i]
                invstd[i] = Float(1 / (Double(v[i] / Float(b * s)) + Double(eps)).squareRoot())
            }
            stats = BatchStatistics(mean: m, varianceSum: v, n: b * s)
        } else {
            guard let runningMean, let runningVar else {
                throw ZooError.invalidArgument(op: "batch_norm", message: "eval mode needs running_mean and running_var")
            }
            for i in 0..<c {
                mean[i] = runningMean.ptr[i]
                invstd[i] = 1 / (runningVar.ptr[i] + eps).squareRoot()
            }
        }
        let (alpha, shift) = batchNormCoefficients(mean: mean, invstd: invstd, gamma: weight?.value, beta: bias?.value)
        var outShape = shape
        if activation == .glu { outShape[1] /= 2 }
        let out = try attributingMemory(to: "batch_norm \(shapeString(shape))") { try Tensor(uninitialized: outShape) }
        batchNormApply(value.ptr, batch: b, channels: c, spatial: s, alpha: alpha, shift: shift, activation: activation, out: out.ptr)
        let inputs = [self] + [weight, bias].compactMap { $0 }
        // The record keeps x (alive anyway as this op's input) rather than a normalised copy.
        let result = withExtendedLifetime((value, weight, bias)) {
            Variable.result(out, inputs, .batchNorm(x: value, mean: mean, invstd: invstd, alpha: alpha, shift: shift,
                                                    affine: weight != nil, training: training, activation: activation))
        }
        return (result, stats)
    }
}
