// Fused loss ops: binary cross-entropy on probabilities (PyTorch's clamp) and on logits (stable form).
import Foundation

extension Variable {
    /// mean(−[t·max(log p, −100) + (1−t)·max(log(1−p), −100)]), as torch.nn.BCELoss. Output shape [1].
    public static func bceLoss(_ p: Variable, target: Tensor) throws -> Variable {
        guard p.value.count == target.count else {
            throw ZooError.shape(op: "bce", message: "prediction \(shapeString(p.shape)) and target \(shapeString(target.shape)) differ in size")
        }
        var acc = 0.0
        let pp = p.value.ptr, tp = target.ptr
        for i in 0..<target.count {
            let lp = max(Double(logf(pp[i])), -100), l1p = max(Double(logf(1 - pp[i])), -100)
            acc -= Double(tp[i]) * lp + (1 - Double(tp[i])) * l1p
        }
        let out = try Tensor(shape: [1], repeating: Float(acc / Double(max(target.count, 1))))
        return withExtendedLifetime((p, target)) { result(out, [p], .bceProbs(p: p.value, target: target)) }
    }

    /// mean(max(x, 0) − x·t + log(1 + exp(−|x|))), as torch.nn.BCEWithLogitsLoss. Output shape [1].
    public static func bceWithLogitsLoss(_ x: Variable, target: Tensor) throws -> Variable {
        guard x.value.count == target.count else {
            throw ZooError.shape(op: "bce_with_logits", message: "logits \(shapeString(x.shape)) and target \(shapeString(target.shape)) differ in size")
        }
        var acc = 0.0
        let xp = x.value.ptr, tp = target.ptr
        for i in 0..<target.count {
            let v = Double(xp[i]), t = Double(tp[i])
            acc += max(v, 0) - v * t + Foundation.log1p(Foundation.exp(-abs(v)))
        }
        let out = try Tensor(shape: [1], repeating: Float(acc / Double(max(target.count, 1))))
        return withExtendedLifetime((x, target)) { result(out, [x], .bceLogits(x: x.value, target: target)) }
    }
}
