// Losses: BCE on probabilities, BCE with logits, MSE, the conditioning-augmentation KL term, colour statistics.

public enum Loss {
    /// torch.nn.BCELoss (mean), logs clamped at −100. `target` is a constant.
    public static func bce(_ prob: Variable, target: Tensor) throws -> Variable {
        try Variable.bceLoss(prob, target: target)
    }

    /// BCE against a constant label (1 = real, 0 = fake) for every element.
    public static func bce(_ prob: Variable, label: Float) throws -> Variable {
        try Variable.bceLoss(prob, target: Tensor(shape: prob.shape, repeating: label))
    }

    /// torch.nn.BCEWithLogitsLoss (mean), computed stably.
    public static func bceWithLogits(_ logits: Variable, target: Tensor) throws -> Variable {
        try Variable.bceWithLogitsLoss(logits, target: target)
    }

    /// torch.nn.MSELoss (mean): mean((a − b)²).
    public static func mse(_ a: Variable, _ b: Variable) throws -> Variable {
        guard a.shape == b.shape else {
            throw ZooError.shape(op: "mse", message: "shapes \(shapeString(a.shape)) and \(shapeString(b.shape)) differ")
        }
        let d = try a - b
        return try (d * d).mean().reshaped([1])
    }

    /// Conditioning-augmentation KL: −½·mean(1 + logvar − μ² − exp(logvar)) over batch and dims.
    public static func kl(mu: Variable, logvar: Variable) throws -> Variable {
        guard mu.shape == logvar.shape else {
            throw ZooError.shape(op: "kl", message: "mu \(shapeString(mu.shape)) and logvar \(shapeString(logvar.shape)) differ")
        }
        let inner = try (logvar + 1) - mu * mu - logvar.exp()
        return try (inner.mean() * -0.5).reshaped([1])
    }

    /// Per-image channel mean [B, C, 1, 1] and biased covariance Σ (x−μ)(x−μ)ᵀ/(H·W) [B, C, C]
    /// of images [B, C, H, W] (StackGAN-v2's colour-consistency statistics).
    public static func colourStatistics(_ img: Variable) throws -> (mean: Variable, covariance: Variable) {
        guard img.shape.count == 4 else {
            throw ZooError.shape(op: "colour_statistics", message: "expects [B, C, H, W], got \(shapeString(img.shape))")
        }
        let b = img.shape[0], c = img.shape[1], hw = img.shape[2] * img.shape[3]
        let mu = try img.mean(axes: [2, 3], keepDims: true)          // [B, C, 1, 1]
        let centred = try (img - mu).reshaped([b, c, hw])            // [B, C, HW]
        let cov = try centred.bmm(centred.transposed()) / Float(hw)  // [B, C, C]
        return (mu, cov)
    }
}
