// The StackGAN-v1 model: networks, optimisers, the training iteration of SPEC §4.1, sampling,
// and loading the trained Stage-I into a Stage-II model.
import Foundation
import ZooCore

/// One generator (STAGE1_G, or STAGE2_G with its frozen STAGE1_G), one discriminator, one Adam each.
public final class StackGANv1Model: ZooModel {
    public let config: StackGANv1Config
    /// `Stage1G` (stage 1) or `Stage2G` (stage 2).
    public let netG: Module
    public let netD: V1Discriminator
    /// Adam over G's trainable parameters (Stage-II: not the embedded Stage-I's).
    public let optG: Adam
    public let optD: Adam
    /// The file the embedded Stage-I's weights came from (Stage-II), if any.
    public private(set) var stage1Source: String?
    /// Set when `arch.stage1_checkpoint` names a file that is missing at build time; training and
    /// sampling then fail with this message unless a checkpoint restores the whole model first.
    private var stage1Problem: ZooError?

    public init(_ cfg: StackGANv1Config, generator: inout RandomGenerator) throws {
        try cfg.validate()
        config = cfg
        // Official order: G (with its Stage-I) built and initialised, the Stage-I loaded, then D.
        if cfg.stage == 1 {
            netG = try Stage1G(cfg)
        } else {
            netG = try Stage2G(cfg)
        }
        if cfg.initialize { try initializeV1(netG, flavour: cfg.flavour, generator: &generator) }
        netD = try V1Discriminator(cfg)
        if cfg.initialize { try initializeV1(netD, flavour: cfg.flavour, generator: &generator) }
        let betas = (cfg.beta1, cfg.beta2)
        optG = Adam((netG as? Stage2G)?.trainableParameters() ?? netG.parameters(), lr: cfg.lrG, betas: betas)
        optD = Adam(netD.parameters(), lr: cfg.lrD, betas: betas)
        textStandardizer = cfg.textStandardize ? try TextStandardizer(dimension: cfg.textDim) : nil
        if cfg.stage == 2 && !cfg.stage1Checkpoint.isEmpty {
            if FileManager.default.fileExists(atPath: cfg.stage1Checkpoint) {
                try loadStage1(from: cfg.stage1Checkpoint)
            } else {
                stage1Problem = .io(path: cfg.stage1Checkpoint, message: "arch.stage1_checkpoint: no such file (Stage-II needs the trained Stage-I generator: a stackgan-v1 Stage-I checkpoint or an official STAGE1_G state dict)")
            }
        }
    }

    /// Sampling runs the generator alone.
    public var samplingNetworks: [String] { ["netG"] }

    public private(set) var textStandardizer: TextStandardizer?

    /// The embeddings the model takes (G's CA, and the TF flavour's discriminator): standardised
    /// when the config says so.
    func modelText(_ text: Tensor) throws -> Tensor {
        try textStandardizer?.apply(text, op: "stackgan-v1") ?? text
    }

    public func stateTensors() -> [(String, Tensor)] { textStandardizer?.stateTensors ?? [] }
    public func loadStateTensors(_ tensors: [String: Tensor]) throws { try textStandardizer?.load(tensors) }

    public var networks: [(String, Module)] { [("netG", netG), ("netD", netD)] }
    public var optimizers: [(String, Adam)] { [("optG", optG), ("optD", optD)] }

    public var stage2: Stage2G? { netG as? Stage2G }

    /// What a trainer needs to assemble batches and noise: `real.64` (Stage-I) or `real.256`
    /// (Stage-II), `text` [B, T]; z [B, Z]; CA noise [B, c] (Stage-II draws one more for its Stage-I).
    public var imageSizes: [Int] { [config.imageSize] }
    public var textDimension: Int? { config.textDim }
    public var noiseDimension: Int? { config.zDim }
    public var conditionNoiseDimension: Int? { config.conditionDim }

    // MARK: - Stage-I weights

    /// Loads the trained Stage-I generator (weights and BN statistics) into Stage-II's STAGE1_G from
    /// a StackZoo checkpoint of a stackgan-v1 model (Stage-I: `netG.*`; Stage-II: `netG.STAGE1_G.*`)
    /// or from an official-layout state dict (STAGE1_G keys, optionally under `module.` and/or
    /// `STAGE1_G.`, as a converted `netG_epoch_*.pth` of either stage).
    public func loadStage1(from path: String) throws {
        guard let g = stage2 else {
            throw ZooError.invalidArgument(op: "stackgan-v1", message: "only Stage-II models (arch.stage = 2) embed a Stage-I generator")
        }
        let file = try SafeTensorsFile.read(path: path)
        let prefix = try StackGANv1Model.stage1Prefix(in: file, path: path, config: config)
        do {
            try g.stage1.loadStateDict(file, prefix: prefix, strict: true)
        } catch let e as ZooError {
            throw e.prefixed("Stage-I weights from \(path)")
        }
        stage1Source = path
        stage1Problem = nil
    }

    /// Where the STAGE1_G keys sit in `file`, after checking that a StackZoo checkpoint's model and
    /// sizes fit this Stage-II model.
    static func stage1Prefix(in file: SafeTensorsFile, path: String, config: StackGANv1Config) throws -> String {
        if file.metadata["stackzoo.format"] != nil {
            let (model, values) = try Checkpoint.config(of: file)
            guard model == StackGANv1Plugin.name else {
                throw ZooError.format(path: path, message: "a \(model) checkpoint; Stage-II needs a \(StackGANv1Plugin.name) Stage-I")
            }
            let theirs = ModelConfig(values: values, schema: StackGANv1Config.schema)
            let flavour = try theirs.string("arch.flavour")
            guard flavour == config.flavour.rawValue else {
                throw ZooError.format(path: path, message: "a \(flavour)-flavour checkpoint, but this Stage-II model is \(config.flavour.rawValue)-flavour")
            }
            for (key, mine) in [("arch.gf", config.gfDim), ("arch.z", config.zDim), ("arch.condition", config.conditionDim), ("arch.text", config.textDim)] {
                let v = try theirs.int(key)
                guard v == mine else {
                    throw ZooError.format(path: path, message: "the Stage-I checkpoint has \(key) = \(v), this Stage-II model \(mine)")
                }
            }
            return try theirs.int("arch.stage") == 2 ? "netG.STAGE1_G." : "netG."
        }
        var prefix = !file.names.isEmpty && file.names.allSatisfy({ $0.hasPrefix("module.") }) ? "module." : ""
        if file.names.contains(where: { $0.hasPrefix(prefix + "STAGE1_G.") }) { prefix += "STAGE1_G." }
        return prefix
    }

    /// A restored checkpoint holds the whole Stage-II generator, Stage-I included.
    public func restoredFromCheckpoint() {
        stage1Problem = nil
    }

    func checkStage1() throws {
        if let stage1Problem { throw stage1Problem }
    }

    // MARK: - Learning-rate schedule

    /// Sets both learning rates for `epoch` (0-based, counted within this stage): halved every
    /// `train.lr_decay_epochs` epochs (SPEC §5.1). The trainer calls this at each epoch start.
    public func setEpoch(_ epoch: Int) {
        optG.lr = config.learningRate(config.lrG, epoch: epoch)
        optD.lr = config.learningRate(config.lrD, epoch: epoch)
    }

    // MARK: - Training

    /// Hooks for parity checks: called after each backward, before the optimiser step.
    public var afterBackward: ((_ network: String, _ module: Module) throws -> Void)?

    /// BCE on the discriminator's output: PyTorch on sigmoid probabilities (nn.BCELoss, logs
    /// clamped at −100, as the official D applies the sigmoid); TensorFlow on the logits.
    func bce(_ logits: Variable, _ label: Float) throws -> Variable {
        switch config.flavour {
        case .pytorch: return try Loss.bce(logits.sigmoid(), label: label)
        case .tensorflow: return try Loss.bceWithLogits(logits, target: Tensor(shape: logits.shape, repeating: label))
        }
    }

    /// CA noise: standard normal (PyTorch) or truncated at ±2 (TensorFlow).
    func caNoise(_ batch: Int, generator: inout RandomGenerator) throws -> Tensor {
        config.flavour == .pytorch
            ? try Tensor.randn([batch, config.conditionDim], generator: &generator)
            : try Tensor.truncatedNormal([batch, config.conditionDim], generator: &generator)
    }

    /// Noise of one step: `z`, `eps` (and `eps_stage1` for Stage-II) from the batch when given
    /// (reproducing a reference run), otherwise drawn from the global generator in the order
    /// PyTorch consumes them: z, the Stage-I CA's ε, the Stage-II CA's ε.
    func noise(_ batch: [String: Tensor], batchSize b: Int) throws -> (z: Tensor, eps: Tensor, epsStage1: Tensor?) {
        let z = try batch["z"] ?? Tensor.randn([b, config.zDim])
        let e1 = config.stage == 2 ? try (batch["eps_stage1"] ?? caNoise(b, generator: &GlobalRandom.generator)) : nil
        let e = try batch["eps"] ?? caNoise(b, generator: &GlobalRandom.generator)
        return (z, e, e1)
    }

    /// Training mode everywhere, except the embedded Stage-I with `arch.stage1_bn = "eval"`.
    func setTrainingModes() {
        netG.train()
        netD.train()
        if let g = stage2, config.stage1BN == .eval { g.stage1.eval() }
    }

    /// One generator pass. Shapes: text (B, T), z (B, Z), eps / epsStage1 (B, c).
    public func generate(text: Variable, z: Variable, eps: Variable, epsStage1: Variable?) throws -> V1GeneratorOutput {
        if let g = stage2 {
            guard let epsStage1 else { throw ZooError.invalidArgument(op: "STAGE2_G", message: "Stage-II needs the Stage-I CA noise") }
            return try g(text: text, z: z, eps: eps, epsStage1: epsStage1)
        }
        return try (netG as! Stage1G)(text: text, z: z, eps: eps)
    }

    /// The discriminators' condition: the generator's μ, detached (PyTorch), or the raw text (TF).
    func dCondition(_ g: V1GeneratorOutput, text: Variable) -> Variable {
        config.flavour == .pytorch ? g.mu.detach() : text
    }

    func need(_ batch: [String: Tensor], _ key: String) throws -> Tensor {
        guard let t = batch[key] else {
            throw ZooError.invalidArgument(op: "stackgan-v1", message: "the batch has no '\(key)' (has: \(batch.keys.sorted().joined(separator: ", ")))")
        }
        return t
    }

    /// D's loss on real, wrong and (detached) fake images; separate passes, each its own BN statistics.
    /// PyTorch (SPEC §4.1): wrong = real[:B−1] with condition[1:] (in-batch); Stage-I
    /// `d_real + ½(d_fake + d_wrong)`, Stage-II `(d_real + u_real)/2 + (d_fake + d_wrong + u_fake)/3`.
    /// TensorFlow: `d_real + ½(d_wrong + d_fake)` with the batch's `wrong.<s>` images when given
    /// (the official mismatched dataset images), else the in-batch pairs.
    func discriminatorLoss(real: Variable, wrong: Variable?, fake: Variable, condition c: Variable) throws -> (Variable, [(String, Float)]) {
        let b = real.shape[0]
        let rf = try netD(real)
        let wf = try wrong.map { try netD($0) }
        let ff = try netD(fake)
        let head = netD.condHead
        let eReal = try bce(head(rf, condition: c), 1)
        let eWrong: Variable
        if let wf {
            eWrong = try bce(head(wf, condition: c), 0)
        } else {
            eWrong = try bce(head(rf.slice(axis: 0, start: 0, length: b - 1), condition: c.slice(axis: 0, start: 1, length: b - 1)), 0)
        }
        let eFake = try bce(head(ff, condition: c), 0)
        var parts = [("d_real", eReal.value.item), ("d_wrong", eWrong.value.item), ("d_fake", eFake.value.item)]
        if let u = netD.uncondHead {
            let uReal = try bce(u(rf, condition: nil), 1), uFake = try bce(u(ff, condition: nil), 0)
            parts += [("d_uncond_real", uReal.value.item), ("d_uncond_fake", uFake.value.item)]
            return (try (eReal + uReal) / 2 + (eFake + eWrong + uFake) / 3, parts)
        }
        return (try eReal + (eFake + eWrong) * 0.5, parts)
    }

    /// "G": text [B, T], z [B, Z], eps [B, c] (Stage-II also eps_stage1) → img<s>, mu, logvar,
    /// c_code (Stage-II also stage1_img). "D": image [B, 3, s, s], condition (μ, or the raw text in
    /// the TF flavour) → features, cond_logit, cond_prob (and uncond_* for Stage-II PyTorch).
    public func forward(_ network: String, inputs: [String: Tensor]) throws -> [(String, Tensor)] {
        func need(_ k: String) throws -> Variable { Variable(try self.need(inputs, k)) }
        switch network {
        case "G":
            let g = try generate(text: Variable(try modelText(try need("text").value)), z: try need("z"), eps: try need("eps"),
                                 epsStage1: stage2 == nil ? nil : try need("eps_stage1"))
            var out = [("img\(config.imageSize)", g.image.value), ("mu", g.mu.value), ("logvar", g.logvar.value), ("c_code", g.cCode.value)]
            if let s1 = g.stage1Image { out.append(("stage1_img", s1.value)) }
            return out
        case "D":
            let f = try netD(try need("image"))
            let cond = try netD.condHead(f, condition: try need("condition"))
            var out = [("features", f.value), ("cond_logit", cond.value), ("cond_prob", try cond.sigmoid().value)]
            if let u = netD.uncondHead {
                let l = try u(f, condition: nil)
                out += [("uncond_logit", l.value), ("uncond_prob", try l.sigmoid().value)]
            }
            return out
        default:
            throw ZooError.invalidArgument(op: "stackgan-v1", message: "no network '\(network)' (G, D)")
        }
    }

    /// One iteration (SPEC §4.1, the PT-v1 trainer): G forward once (Stage-II re-runs its frozen
    /// Stage-I); D updated on the detached fakes; then G updated once through the updated D, its
    /// adversarial terms conditioned on the detached μ (PyTorch), plus kl·KL.
    /// Batch: `real.64` (Stage-I) or `real.256` (Stage-II) [B, 3, s, s] in [-1, 1], `text` [B, T];
    /// optional `wrong.<s>` (TF flavour), `z`, `eps`, `eps_stage1`.
    /// Seconds per phase of the training steps so far (see ZooModel.phaseTimes).
    public var phaseTimes: [String: Double] { clock.times }
    private var clock = PhaseClock()

    public func trainStep(_ batch: [String: Tensor]) throws -> [(String, Float)] {
        try checkCanTrain("train")
        try checkStage1()
        let s = config.imageSize
        let real = Variable(try need(batch, "real.\(s)"))
        let b = real.shape.first ?? 0
        guard real.shape == [b, 3, s, s] else {
            throw ZooError.shape(op: "stackgan-v1", message: "'real.\(s)' must be [B, 3, \(s), \(s)], got \(shapeString(real.shape))")
        }
        var text = Variable(try need(batch, "text"))
        try checkText(text, batch: b, textDim: config.textDim, op: "stackgan-v1")
        text = Variable(try modelText(text.value))
        let wrong = config.flavour == .tensorflow ? batch["wrong.\(s)"].map { Variable($0) } : nil
        if let wrong, wrong.shape != real.shape {
            throw ZooError.shape(op: "stackgan-v1", message: "'wrong.\(s)' must be \(shapeString(real.shape)) like 'real.\(s)', got \(shapeString(wrong.shape))")
        }
        guard wrong != nil || b >= 2 else {
            throw ZooError.invalidArgument(op: "stackgan-v1", message: "training needs at least 2 images per batch (the wrong pairs shift the batch by one), got \(b)")
        }
        let n = try noise(batch, batchSize: b)
        setTrainingModes()
        clock.begin()
        let g = try generate(text: text, z: Variable(n.z), eps: Variable(n.eps), epsStage1: n.epsStage1.map { Variable($0) })
        let c = dCondition(g, text: text)
        clock.end("g_forward")

        netD.zeroGrad()
        let (errD, dParts) = try discriminatorLoss(real: real, wrong: wrong, fake: g.image.detach(), condition: c)
        try errD.backward()
        try afterBackward?("D0", netD)
        try optD.step()
        clock.end("d_steps")

        // G step through the updated D (its parameters need no gradients here).
        optG.zeroGrad()
        netD.requiresGrad(false)
        defer { netD.requiresGrad(true) }
        let ff = try netD(g.image)
        var adv = try bce(netD.condHead(ff, condition: c), 1)
        if let u = netD.uncondHead { adv = try adv + bce(u(ff, condition: nil), 1) }
        let kl = try Loss.kl(mu: g.mu, logvar: g.logvar)
        let errG = try adv + kl * config.klCoeff
        try errG.backward()
        try afterBackward?("G", netG)
        try optG.step()
        clock.end("g_step")
        return [("errD", errD.value.item), ("errG", errG.value.item)] + dParts
            + [("g_adv", adv.value.item), ("g_kl", kl.value.item)]
    }

    // MARK: - Sampling

    /// `n` images from text embeddings [n, T]: Stage-I `img64`; Stage-II `img64` (its Stage-I's
    /// image) and `img256`. z, then (Stage-II) the Stage-I CA's ε, then the CA's ε are drawn per
    /// image from a generator seeded with `seed`, so image k is the same whatever `n` is.
    /// Eval-mode BN by default. (StackGAN-v1 keeps no parameter average; `useAverage` is ignored.)
    public func sample(_ request: SampleRequest) throws -> [(String, Tensor)] {
        try checkStage1()
        guard let text = request.condition, text.shape == [request.n, config.textDim] else {
            throw ZooError.invalidArgument(op: "stackgan-v1", message: "sampling needs text embeddings [\(request.n), \(config.textDim)]\(request.condition.map { ", got \(shapeString($0.shape))" } ?? "")")
        }
        var plan = config.stage1Plan
        if config.stage == 2 { plan.add(config.stage2Plan) }
        try plan.checkSampling(request.n, keptPerImage: config.zDim + 2 * config.conditionDim + 3 * 64 * 64
                               + (config.stage == 2 ? 3 * 256 * 256 : 0))
        var gen = RandomGenerator(seed: request.seed)
        var zs: [Float] = [], e1s: [Float] = [], es: [Float] = []
        for _ in 0..<request.n {
            zs += try Tensor.randn([config.zDim], generator: &gen).scalars
            if config.stage == 2 { e1s += try caNoise(1, generator: &gen).scalars }
            es += try caNoise(1, generator: &gen).scalars
        }
        let z = try request.noise ?? Tensor(shape: [request.n, config.zDim], data: zs)
        let eps = try Tensor(shape: [request.n, config.conditionDim], data: es)
        let eps1 = config.stage == 2 ? try Tensor(shape: [request.n, config.conditionDim], data: e1s) : nil
        let wasTraining = netG.isTraining
        if request.evalMode { netG.eval() } else { setTrainingModes() }
        defer { netG.train(wasTraining) }
        let out = try withNoGrad {
            try generate(text: Variable(try modelText(text)), z: Variable(z), eps: Variable(eps), epsStage1: eps1.map { Variable($0) })
        }
        if let s1 = out.stage1Image { return [("img64", s1.value), ("img256", out.image.value)] }
        return [("img64", out.image.value)]
    }
}
