// Differentiable ops of transformer text encoders: layer norm, GELU, masked softmax, embedding, permute.
// Shapes are checked (and memory attributed) by the Tensor kernels these record.

extension Variable {
    /// Layer norm over the last axis, `Tensor.layerNorm`; gradients reach x, gamma and beta.
    /// Shapes: (..., C), gamma (C), beta (C) → (..., C).
    public func layerNorm(gamma: Variable, beta: Variable, eps: Float) throws -> Variable {
        let (out, mean, rstd) = try value.layerNormForward(gamma: gamma.value, beta: beta.value, eps: eps)
        return Variable.result(out, [self, gamma, beta], .layerNorm(x: value, gamma: gamma.value, mean: mean, rstd: rstd))
    }

    /// Exact GELU, `Tensor.gelu`: 0.5·x·(1 + erf(x/√2)).
    public func gelu() throws -> Variable {
        Variable.result(try value.gelu(), [self], .gelu(x: value))
    }

    /// Softmax over the last axis, `Tensor.softmax`: masked keys (0 in `keyMask` [B, L]) get
    /// probability 0 and no gradient. Shapes: (B, ..., L), keyMask (B, L) → (B, ..., L).
    public func softmax(keyMask: Tensor? = nil) throws -> Variable {
        let out = try value.softmax(keyMask: keyMask)
        return Variable.result(out, [self], .softmax(out: out))
    }

    /// Rows of `table` picked by `indices`, `Tensor.embedding`; the gradient is scatter-added to
    /// the table, and none flows to the indices. Shapes: table (V, D), indices (S...) → (S..., D).
    public static func embedding(table: Variable, indices: Variable) throws -> Variable {
        let out = try Tensor.embedding(table: table.value, indices: indices.value)
        return result(out, [table], .embedding(indices: indices.value, vocabulary: table.shape[0]))
    }

    /// The axes reordered as `Tensor.permute` (output axis i is input axis `axes[i]`).
    public func permute(_ axes: [Int]) throws -> Variable {
        let perm = try Tensor.checkedPermutation(axes, rank: shape.count)
        return Variable.result(try value.permute(perm), [self], .permute(axes: perm))
    }
}
