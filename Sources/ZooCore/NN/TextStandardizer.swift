// Per-dimension standardisation of text embeddings, with statistics saved in checkpoints.

/// (e − mean) / std for each dimension of text embeddings [B, T], the statistics taken from a
/// training split. Sentence encoders such as MiniLM give unit-norm vectors (per-dimension std
/// ≈ 0.05 at T = 384): fed as they are into StackGAN's conditioning augmentation, whose layer
/// starts at an output of that size against its unit noise, the KL term keeps μ at 0 and the
/// code carries no text. Standardised, each dimension has unit variance as the CA expects.
public final class TextStandardizer {
    public let dimension: Int
    /// [T] each; identity (0 and 1) until `set` is called.
    public private(set) var mean: Tensor
    public private(set) var std: Tensor
    /// False until statistics were set or restored: a model must not train or sample without them.
    public private(set) var isSet = false

    /// The checkpoint keys of the statistics.
    public static let meanKey = "text_stats.mean", stdKey = "text_stats.std"

    public init(dimension: Int) throws {
        self.dimension = dimension
        mean = try Tensor(zeros: [dimension])
        std = try Tensor(shape: [dimension], repeating: 1)
    }

    /// Sets the statistics: mean and std [T], std > 0 and every value finite.
    public func set(mean: Tensor, std: Tensor) throws {
        guard mean.shape == [dimension], std.shape == [dimension] else {
            throw ZooError.shape(op: "text_statistics", message: "mean and std must be [\(dimension)], got \(shapeString(mean.shape)) and \(shapeString(std.shape))")
        }
        guard mean.scalars.allSatisfy(\.isFinite), std.scalars.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw ZooError.invalidArgument(op: "text_statistics", message: "mean must be finite and std finite and positive in every dimension")
        }
        self.mean = mean
        self.std = std
        isSet = true
    }

    /// Standardised embeddings [B, T]; throws when no statistics were set.
    public func apply(_ text: Tensor, op: String) throws -> Tensor {
        guard isSet else {
            throw ZooError.invalidArgument(op: op, message: "arch.text_standardize is on but the model has no text statistics yet (the trainer sets them from the training split; in Lua model:set_text_statistics(mean, std), e.g. from ds:text_statistics())")
        }
        guard text.shape.count == 2, text.shape[1] == dimension else {
            throw ZooError.shape(op: op, message: "text embeddings must be [B, \(dimension)], got \(shapeString(text.shape))")
        }
        let out = try Tensor(uninitialized: text.shape)
        let m = mean.scalars, inv = std.scalars.map { 1 / $0 }
        text.withUnsafeBufferPointer { x in
            for r in 0..<text.shape[0] {
                for j in 0..<dimension { out.ptr[r * dimension + j] = (x[r * dimension + j] - m[j]) * inv[j] }
            }
        }
        return out
    }

    /// The statistics as checkpoint state tensors.
    public var stateTensors: [(String, Tensor)] { [(Self.meanKey, mean), (Self.stdKey, std)] }

    /// Restores the statistics from checkpoint state tensors.
    public func load(_ tensors: [String: Tensor]) throws {
        guard let m = tensors[Self.meanKey], let s = tensors[Self.stdKey] else {
            throw ZooError.stateDict(message: "missing key '\(Self.meanKey)' or '\(Self.stdKey)' (a model with arch.text_standardize saves its text statistics)")
        }
        try set(mean: m, std: s)
    }
}
