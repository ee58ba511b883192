// The model registry: compiled plugins and Lua-defined models register a name, a summary and a factory.

/// What a model plugin (a library target under Plugins/) provides to register itself.
public protocol ModelPlugin {
    /// Registry name, e.g. "stackgan-v2".
    static var name: String { get }
    /// One line for `stackzoo list`.
    static var summary: String { get }
    static func register(into registry: ModelRegistry)
}

/// A built model, the contract every model (compiled plugin or Lua) fulfils.
public protocol ZooModel: AnyObject {
    /// Named networks ("netG", "netsD.0", ...): their parameters are saved under these prefixes.
    var networks: [(String, Module)] { get }
    /// Named optimisers ("optG", "optsD.0", ...).
    var optimizers: [(String, Adam)] { get }
    /// One training iteration on a batch (named tensors, e.g. "real.64", "wrong.64", "text");
    /// returns the named losses.
    func trainStep(_ batch: [String: Tensor]) throws -> [(String, Float)]
    /// Generates images; returns named image batches [N, 3, H, W] in [-1, 1] (e.g. "img64").
    func sample(_ request: SampleRequest) throws -> [(String, Tensor)]
    /// State outside the networks' state dicts, saved in checkpoints (e.g. `netG_ema.*`).
    func stateTensors() -> [(String, Tensor)]
    func loadStateTensors(_ tensors: [String: Tensor]) throws
    /// The image sizes a batch must hold (`real.<s>` for each), smallest first.
    var imageSizes: [Int] { get }
    /// The text-embedding size of a conditional model (its batches hold `text` and `wrong.<s>`), else nil.
    var textDimension: Int? { get }
    /// Sizes of the sampling noise z and of the conditioning-augmentation noise (nil: none).
    var noiseDimension: Int? { get }
    var conditionNoiseDimension: Int? { get }
    /// One network's forward pass on named inputs (e.g. "G" with z, text, eps; "D0" with image,
    /// condition), returning named outputs; gradient recording follows the caller's grad mode.
    func forward(_ network: String, inputs: [String: Tensor]) throws -> [(String, Tensor)]
    /// Seconds spent in each phase of the training steps so far ("g_forward", "d_steps", "g_step"),
    /// for `stackzoo bench`; empty for models that do not time their phases.
    var phaseTimes: [String: Double] { get }
    /// Called when `Checkpoint.restore` has loaded the whole model (e.g. so a StackGAN-v1
    /// Stage-II no longer needs the Stage-I file its config names).
    func restoredFromCheckpoint()
    /// The networks `sample` uses (default: all); `releaseTrainingState` frees the others.
    var samplingNetworks: [String] { get }
    /// The standardisation a text model applies to its embeddings (nil: none); its statistics
    /// come from the training split and are saved with the model's state tensors.
    var textStandardizer: TextStandardizer? { get }
}

extension ZooModel {
    public var imageSizes: [Int] { [] }
    public var textDimension: Int? { nil }
    public var noiseDimension: Int? { nil }
    public var conditionNoiseDimension: Int? { nil }
    public func stateTensors() -> [(String, Tensor)] { [] }
    public func loadStateTensors(_ tensors: [String: Tensor]) throws {}
    public func restoredFromCheckpoint() {}
    public var phaseTimes: [String: Double] { [:] }
    public var samplingNetworks: [String] { networks.map(\.0) }
    public var textStandardizer: TextStandardizer? { nil }

    /// For a model that will only sample: frees the weights of the networks sampling does not use
    /// (the discriminators) and the optimisers' moments. It can no longer train or be saved.
    public func releaseTrainingState() throws {
        let keep = Set(samplingNetworks)
        for (name, net) in networks where !keep.contains(name) { try net.releaseWeights() }
        for (_, opt) in optimizers { opt.states = Array(repeating: nil, count: opt.states.count) }
        releaseFreedMemory()
    }

    /// The networks `releaseTrainingState` freed (empty for a model that can train).
    public var releasedNetworks: [String] { networks.filter { $0.1.weightsReleased }.map(\.0) }

    /// Throws when `releaseTrainingState` has made this a sampling-only model; `what` is the
    /// refused action ("train", "save").
    public func checkCanTrain(_ what: String) throws {
        guard let n = releasedNetworks.first else { return }
        throw ZooError.invalidArgument(op: what, message: "this model was made sampling-only (its '\(n)' weights were released); load it again to \(what) it")
    }
    public func forward(_ network: String, inputs: [String: Tensor]) throws -> [(String, Tensor)] {
        throw ZooError.unsupported("this model has no named forward passes")
    }
}

/// What to generate: `n` images from noise drawn with `seed`, optionally conditioned on
/// embeddings [n, T]; `useAverage` picks EMA weights where a model keeps them.
public struct SampleRequest {
    public var n: Int
    public var seed: UInt64
    public var condition: Tensor?
    public var noise: Tensor?
    /// Noise of the conditioning augmentation [n, condition] (text models), to hold it fixed.
    public var conditionNoise: Tensor?
    public var useAverage: Bool
    public var evalMode: Bool

    public init(n: Int, seed: UInt64 = 0, condition: Tensor? = nil, noise: Tensor? = nil, useAverage: Bool = true, evalMode: Bool = true) {
        self.n = n
        self.seed = seed
        self.condition = condition
        self.noise = noise
        self.useAverage = useAverage
        self.evalMode = evalMode
    }
}

/// Name → factory map for models, filled at start-up from the built-in plugin list.
public final class ModelRegistry {
    public struct Entry {
        public var name: String
        public var summary: String
        /// "compiled" for Swift plugins, or the script path for Lua-registered models.
        public var origin: String
        /// The documented config fields (empty for models that declare theirs elsewhere).
        public var schema: [ConfigField]
        public var make: (ModelConfig) throws -> ZooModel
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// The process-wide registry the CLI and the Lua bridge share.
    nonisolated(unsafe) public static let shared = ModelRegistry()

    public func register(name: String, summary: String, origin: String = "compiled", schema: [ConfigField] = [],
                         make: @escaping (ModelConfig) throws -> ZooModel) {
        let entry = Entry(name: name, summary: summary, origin: origin, schema: schema, make: make)
        if let i = entries.firstIndex(where: { $0.name == name }) { entries[i] = entry } else { entries.append(entry) }
    }

    public func contains(_ name: String) -> Bool { entries.contains { $0.name == name } }
    public var names: [String] { entries.map(\.name) }

    public func entry(_ name: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name }) else {
            let known = names.isEmpty ? "none registered" : names.joined(separator: ", ")
            throw ZooError.invalidArgument(op: "model", message: "unknown model '\(name)' (known: \(known))")
        }
        return e
    }

    /// Builds a registered model from resolved values (dotted keys); unknown names list the known ones.
    public func make(_ name: String, values: [String: Any] = [:]) throws -> ZooModel {
        let e = try entry(name)
        defer { releaseFreedMemory() }
        return try e.make(ModelConfig(values: values, schema: e.schema))
    }
}

/// The engine's version, shown by `stackzoo --version` and written into checkpoints.
public enum StackZooVersion {
    public static let string = "0.1.0"
}
