// Up-front memory estimates of a model config, checked against the memory gate before a network is built.

/// A network's sizes added up layer by layer, without allocating anything: its parameters, and
/// the floats per image of the layer outputs a forward pass produces (what training keeps for the
/// backward pass). Plugins describe their default networks with it, mirroring their constructors
/// (tests compare `parameters` with the built networks' counts).
public struct NetworkPlan {
    /// Trainable and frozen parameters.
    public private(set) var parameters = 0.0
    /// Floats of the layer outputs of one image's forward pass.
    public private(set) var activationsPerImage = 0.0
    /// Floats of the largest single layer output per image.
    public private(set) var largestActivation = 0.0

    public init() {}

    /// Linear(in → out); its output is one vector per image.
    public mutating func linear(_ inFeatures: Int, _ outFeatures: Int, bias: Bool) {
        parameters += Double(inFeatures) * Double(outFeatures) + (bias ? Double(outFeatures) : 0)
        activationsPerImage += Double(outFeatures)
    }

    /// Conv2d(in → out, k×k) whose output planes are `size`×`size`.
    public mutating func conv(_ cin: Int, _ cout: Int, kernel k: Int, bias: Bool = false, size: Int) {
        parameters += Double(cin) * Double(cout) * Double(k * k) + (bias ? Double(cout) : 0)
        activation(cout, size: size)
    }

    /// BatchNorm over `channels` planes of `size`×`size` (size 1 for BatchNorm1d): γ and β.
    public mutating func batchNorm(_ channels: Int, size: Int) {
        parameters += 2 * Double(channels)
        activation(channels, size: size)
    }

    /// A weightless layer's output (upsample, concat, activation, replicate): `channels` planes.
    public mutating func activation(_ channels: Int, size: Int) {
        let floats = Double(channels) * Double(size) * Double(size)
        activationsPerImage += floats
        largestActivation = max(largestActivation, floats)
    }

    /// Both plans' sizes together (a sub-network).
    public mutating func add(_ other: NetworkPlan) {
        parameters += other.parameters
        activationsPerImage += other.activationsPerImage
        largestActivation = max(largestActivation, other.largestActivation)
    }

    /// Throws unless a no-grad forward of `n` images fits in memory: each layer's output is freed
    /// once the next is made (about two of the largest at a time), and `keptPerImage` floats per
    /// image stay (the noise and the images of every branch).
    public func checkSampling(_ n: Int, keptPerImage: Int) throws {
        try MemoryGate.check(bytes: 4 * Double(n) * (2 * largestActivation + Double(keptPerImage)), for: "sampling \(n) images")
    }
}

/// The bytes training a model needs, estimated from its plans: every parameter with its gradient
/// and Adam's two moments (4 floats; frozen ones 1), `extraCopies` more floats per trained
/// generator parameter (an EMA average), and the activations of `batch` images over each
/// network's passes per step. A coarse lower bound (temporaries and the backward pass's own
/// buffers come on top); every allocation is still checked by the memory gate as it happens.
public struct TrainingFootprint {
    public var trainedParameters = 0.0, frozenParameters = 0.0, extraCopies = 0.0
    public var activationFloats = 0.0

    public init() {}

    /// Adds a network trained by Adam (`frozen`: kept constant, its value only), run `passes`
    /// times per step on `batch` images, and carrying `copies` extra floats per parameter.
    public mutating func add(_ plan: NetworkPlan, batch: Int, passes: Int, frozen: Bool = false, copies: Int = 0) {
        if frozen { frozenParameters += plan.parameters } else { trainedParameters += plan.parameters }
        extraCopies += Double(copies) * plan.parameters
        activationFloats += Double(batch) * Double(passes) * plan.activationsPerImage
    }

    public var parameterBytes: Double { 4 * (4 * trainedParameters + frozenParameters + extraCopies) }
    public var activationBytes: Double { 4 * activationFloats }
    public var bytes: Double { parameterBytes + activationBytes }
    public var parameters: Double { trainedParameters + frozenParameters }
}

/// Throws for the first size above its maximum (a plugin checks its own minimums): sizes beyond
/// these are typos, and products of them could overflow the kernels' integers. `model` names the plugin.
public func checkSizeRanges(_ sizes: [(key: String, value: Int, max: Int)], model: String) throws {
    for (key, value, max) in sizes where value > max {
        throw ZooError.invalidArgument(op: model, message: "\(key) = \(value) is out of range: at most \(max)")
    }
}

extension ModelConfig {
    /// Throws unless the training footprint `estimate` computes for this config fits under the
    /// memory gate's limits. The error names the config key most responsible: of `keys`, the
    /// one whose reset to its default shrinks the estimate most ("arch.gf = 1000: the networks
    /// would need 65.3 GB to train ...").
    public func checkTrainingMemory(keys: [String], batchKey: String = "train.batch",
                                    _ estimate: (ModelConfig) throws -> TrainingFootprint) throws {
        let need = try estimate(self)
        do {
            try MemoryGate.check(bytes: need.bytes, for: "training")
        } catch ZooError.outOfMemory(_, _, let limit) {
            var culprit: (key: String, saved: Double)?
            for key in keys {
                guard let value = values[key], let field = schema.first(where: { $0.key == key }),
                      let fallback = field.defaultValue, "\(fallback)" != "\(value)" else { continue }
                var reset = self
                reset.values[key] = fallback
                guard let smaller = try? estimate(reset).bytes else { continue }
                if need.bytes - smaller > (culprit?.saved ?? 0) { culprit = (key, need.bytes - smaller) }
            }
            let batch = (try? int(batchKey)).map { " at \(batchKey) = \($0)" } ?? ""
            let what = culprit.map { "\($0.key) = \(values[$0.key]!)" } ?? "this config"
            throw ZooError.invalidArgument(
                op: what,
                message: "the networks would need \(formatBytes(need.bytes)) to train: \(formatCount(need.parameters)) parameters "
                    + "(\(formatBytes(need.parameterBytes)) with their gradients and optimiser state) and "
                    + "\(formatBytes(need.activationBytes)) of activations\(batch), more than the memory limit (\(limit))")
        }
    }
}
