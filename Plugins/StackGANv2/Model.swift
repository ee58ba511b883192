// The StackGAN-v2 model: networks, optimisers, the training iteration of SPEC §5.9, EMA, sampling.
import Foundation
import ZooCore

/// G, one D per branch, one Adam each, and the generator's parameter average (EMA).
public final class StackGANv2Model: ZooModel {
    public let config: StackGANv2Config
    public let netG: GNet
    public let netsD: [V2Discriminator]
    public let optG: Adam
    public let optsD: [Adam]
    /// avg ← decay·avg + (1 − decay)·θ after every G step, one tensor per G parameter.
    public private(set) var averageG: [Tensor]

    public init(_ cfg: StackGANv2Config, generator: inout RandomGenerator) throws {
        try cfg.validate()
        config = cfg
        netG = try GNet(cfg)
        if cfg.initialize { try initializeV2(netG, generator: &generator) }
        netsD = try cfg.imageSizes.map { try V2Discriminator(size: $0, cfg) }
        if cfg.initialize { for d in netsD { try initializeV2(d, generator: &generator) } }
        let betas = (cfg.beta1, cfg.beta2)
        optG = Adam(netG.parameters(), lr: cfg.lrG, betas: betas)
        optsD = netsD.map { Adam($0.parameters(), lr: cfg.lrD, betas: betas) }
        averageG = netG.parameters().map(\.value)
        textStandardizer = cfg.conditional && cfg.textStandardize ? try TextStandardizer(dimension: cfg.textDim) : nil
    }

    public let textStandardizer: TextStandardizer?

    /// The embeddings G's CA takes: standardised when the config says so.
    func modelText(_ text: Tensor) throws -> Tensor {
        try textStandardizer?.apply(text, op: "stackgan-v2") ?? text
    }

    public var imageSizes: [Int] { config.imageSizes }
    public var textDimension: Int? { config.conditional ? config.textDim : nil }
    public var noiseDimension: Int? { config.zDim }
    public var conditionNoiseDimension: Int? { config.conditional ? config.embeddingDim : nil }

    /// Sampling runs the generator alone.
    public var samplingNetworks: [String] { ["netG"] }

    public var networks: [(String, Module)] {
        [("netG", netG)] + netsD.enumerated().map { ("netsD.\($0.offset)", $0.element as Module) }
    }

    public var optimizers: [(String, Adam)] {
        [("optG", optG)] + optsD.enumerated().map { ("optsD.\($0.offset)", $0.element) }
    }

    // MARK: - Training

    /// Probabilities as the official D outputs them (sigmoid of the logits).
    func bce(_ logits: Variable, _ label: Float) throws -> Variable { try Loss.bce(logits.sigmoid(), label: label) }

    /// D_i's loss from separate real / wrong / fake passes (each its own BN statistics).
    func discriminatorLoss(_ d: V2Discriminator, real: Variable, wrong: Variable?, fake: Variable, mu: Variable?) throws -> Variable {
        let cfg = config
        guard cfg.conditional else {
            return try bce(d(real, condition: nil).uncond, 1) + bce(d(fake, condition: nil).uncond, 0)
        }
        guard let wrong, let mu else { throw ZooError.invalidArgument(op: "stackgan-v2", message: "conditional training needs wrong images and μ") }
        let r = try d(real, condition: mu), w = try d(wrong, condition: mu), f = try d(fake, condition: mu)
        var eReal = try bce(r.cond!, 1), eWrong = try bce(w.cond!, 0), eFake = try bce(f.cond!, 0)
        guard cfg.uncondLoss > 0 else { return try eReal + (eWrong + eFake) * 0.5 }
        eReal = try eReal + (try bce(r.uncond, 1)) * cfg.uncondLoss
        eWrong = try eWrong + (try bce(w.uncond, 1)) * cfg.uncondLoss   // wrong images are real images
        eFake = try eFake + (try bce(f.uncond, 0)) * cfg.uncondLoss
        return try eReal + eWrong + eFake
    }

    /// Noise for one step: `z` and `eps` from the batch when given (reproducing a reference run),
    /// otherwise drawn from the global generator (z first, then ε).
    func noise(_ batch: [String: Tensor], batchSize: Int) throws -> (Tensor, Tensor?) {
        let z = try batch["z"] ?? Tensor.randn([batchSize, config.zDim])
        guard config.conditional else { return (z, nil) }
        return (z, try batch["eps"] ?? Tensor.randn([batchSize, config.embeddingDim]))
    }

    /// Inputs per branch: `real.<s>` (and `wrong.<s>` when conditional) [B, 3, s, s], `text` [B, T].
    func inputs(_ batch: [String: Tensor]) throws -> (reals: [Variable], wrongs: [Variable]?, text: Variable?) {
        func need(_ key: String) throws -> Tensor {
            guard let t = batch[key] else {
                throw ZooError.invalidArgument(op: "stackgan-v2", message: "the batch has no '\(key)' (has: \(batch.keys.sorted().joined(separator: ", ")))")
            }
            return t
        }
        let reals = try config.imageSizes.map { Variable(try need("real.\($0)")) }
        guard config.conditional else { return (reals, nil, nil) }
        return (reals, try config.imageSizes.map { Variable(try need("wrong.\($0)")) }, Variable(try modelText(try need("text"))))
    }

    /// Seconds per phase of the training steps so far (see ZooModel.phaseTimes).
    public var phaseTimes: [String: Double] { clock.times }
    private var clock = PhaseClock()

    /// Hooks for parity checks: called after each backward, before the optimiser step.
    public var afterBackward: ((_ network: String, _ module: Module) throws -> Void)?

    /// One iteration (SPEC §5.9): G forward once; each D_i updated on detached fakes with its own
    /// Adam; then G updated once through the updated Ds (μ not detached); then the EMA.
    public func trainStep(_ batch: [String: Tensor]) throws -> [(String, Float)] {
        try checkCanTrain("train")
        let (reals, wrongs, text) = try inputs(batch)
        let (z, eps) = try noise(batch, batchSize: reals[0].shape[0])
        netG.train()
        for d in netsD { d.train() }
        clock.begin()
        let g = try netG(z: Variable(z), text: text, eps: eps.map { Variable($0) })
        clock.end("g_forward")
        var losses: [(String, Float)] = []
        let muD = g.mu?.detach()
        for (i, (d, opt)) in zip(netsD, optsD).enumerated() {
            d.zeroGrad()
            let err = try discriminatorLoss(d, real: reals[i], wrong: wrongs?[i], fake: g.images[i].detach(), mu: muD)
            try err.backward()
            try afterBackward?("D\(i)", d)
            try opt.step()
            losses.append(("errD.\(i)", err.value.item))
        }
        clock.end("d_steps")
        // G step: D parameters need no gradients here (the next D step zeroes them anyway).
        netG.zeroGrad()
        for d in netsD { d.requiresGrad(false) }
        defer { for d in netsD { d.requiresGrad(true) } }
        var total: Variable?
        func add(_ v: Variable) throws { total = try total.map { try $0 + v } ?? v }
        for (i, d) in netsD.enumerated() {
            let out = try d(g.images[i], condition: g.mu)
            var e = try bce(out.cond ?? out.uncond, 1)
            if config.conditional && config.uncondLoss > 0 { e = try e + (try bce(out.uncond, 1)) * config.uncondLoss }
            losses.append(("adv\(i)", e.value.item))
            try add(e)
        }
        if config.colorLoss > 0 && netsD.count > 1 {
            var colour: Float = 0
            for hi in stride(from: netsD.count - 1, through: 1, by: -1) {
                let (mu1, cov1) = try Loss.colourStatistics(g.images[hi])
                let (mu2, cov2) = try Loss.colourStatistics(g.images[hi - 1].detach())
                let termMean = try Loss.mse(mu1, mu2) * config.colorLoss
                let termCov = try Loss.mse(cov1, cov2) * (config.colorLoss * 5)
                try add(termMean)
                try add(termCov)
                colour += termMean.value.item + termCov.value.item
            }
            losses.append(("color", colour))
        }
        if let mu = g.mu, let logvar = g.logvar {
            let kl = try Loss.kl(mu: mu, logvar: logvar) * config.klCoeff
            losses.append(("kl", kl.value.item))
            try add(kl)
        }
        try total!.backward()
        try afterBackward?("G", netG)
        try optG.step()
        try updateAverage()
        clock.end("g_step")
        losses.insert(("errG", total!.value.item), at: netsD.count)
        return losses
    }

    /// avg ← decay·avg + (1 − decay)·θ; with `emaWarmup`, decay = min(ema, (1 + t)/(10 + t)) where t
    /// counts the G updates so far (the G optimiser's step, restored with checkpoints).
    func updateAverage() throws {
        var decay = config.emaDecay
        if config.emaWarmup, let t = optG.states.first??.step {
            decay = min(decay, Float(1 + t) / Float(10 + t))
        }
        let rate = 1 - decay
        for (i, p) in netG.parameters().enumerated() {
            try averageG[i].withUnsafeMutableBufferPointer { avg in
                p.value.withUnsafeBufferPointer { w in
                    for j in 0..<avg.count { avg[j] = avg[j] * decay + w[j] * rate }
                }
            }
        }
    }

    /// Runs `body` with the averaged weights in G, restoring the live ones afterwards.
    public func withAverageWeights<R>(_ body: () throws -> R) rethrows -> R {
        let params = netG.parameters()
        let live = params.map(\.value)
        for (p, a) in zip(params, averageG) { p.value = a }
        defer { for (p, l) in zip(params, live) { p.value = l } }
        return try body()
    }

    /// The official snapshot quirk (SPEC §10.1), when enabled: the live G takes the average.
    public func didSnapshot() {
        guard config.emaIntoLiveAtSnapshot else { return }
        for (p, a) in zip(netG.parameters(), averageG) { p.value = a }
    }

    // MARK: - Sampling

    /// `n` images per branch. z (then ε) are drawn from a generator seeded with `seed`, one
    /// sample at a time, so image k is the same whatever `n` is. Eval-mode BN by default.
    public func sample(_ request: SampleRequest) throws -> [(String, Tensor)] {
        if config.conditional {
            guard let c = request.condition, c.shape == [request.n, config.textDim] else {
                throw ZooError.invalidArgument(op: "stackgan-v2", message: "sampling needs text embeddings [\(request.n), \(config.textDim)]\(request.condition.map { ", got \(shapeString($0.shape))" } ?? "")")
            }
        }
        try config.generatorPlan.checkSampling(request.n, keptPerImage: config.zDim + config.embeddingDim
                                                   + config.imageSizes.reduce(0) { $0 + 3 * $1 * $1 })
        var gen = RandomGenerator(seed: request.seed)
        var zs: [Float] = [], es: [Float] = []
        for _ in 0..<request.n {
            zs += try Tensor.randn([config.zDim], generator: &gen).scalars
            if config.conditional { es += try Tensor.randn([config.embeddingDim], generator: &gen).scalars }
        }
        let z = try request.noise ?? Tensor(shape: [request.n, config.zDim], data: zs)
        let eps = config.conditional ? try request.conditionNoise ?? Tensor(shape: [request.n, config.embeddingDim], data: es) : nil
        if let z = request.noise, z.shape != [request.n, config.zDim] {
            throw ZooError.shape(op: "stackgan-v2", message: "noise must be [\(request.n), \(config.zDim)], got \(shapeString(z.shape))")
        }
        if let e = eps, e.shape != [request.n, config.embeddingDim] {
            throw ZooError.shape(op: "stackgan-v2", message: "condition noise must be [\(request.n), \(config.embeddingDim)], got \(shapeString(e.shape))")
        }
        let wasTraining = netG.isTraining
        if request.evalMode { netG.eval() } else { netG.train() }
        defer { netG.train(wasTraining) }
        let text = try request.condition.map(modelText)
        let out = try withNoGrad {
            try (request.useAverage ? withAverageWeights { try generate(z, eps, text) } : generate(z, eps, text))
        }
        return zip(config.imageSizes, out).map { ("img\($0.0)", $0.1) }
    }

    func generate(_ z: Tensor, _ eps: Tensor?, _ text: Tensor?) throws -> [Tensor] {
        try netG(z: Variable(z), text: text.map { Variable($0) }, eps: eps.map { Variable($0) }).images.map(\.value)
    }

    // MARK: - Forward passes by name

    /// "G": inputs z [B, Z] (and text [B, T], optionally eps [B, condition], when conditional) → img<s> per
    /// branch, mu, logvar, c_code. "D<k>": image [B, 3, s, s] (and condition [B, condition]) →
    /// cond_logit, cond_prob (conditional), uncond_logit, uncond_prob [B]. Modes stay as they are.
    public func forward(_ network: String, inputs: [String: Tensor]) throws -> [(String, Tensor)] {
        func need(_ k: String) throws -> Variable {
            guard let t = inputs[k] else { throw ZooError.invalidArgument(op: "stackgan-v2", message: "forward \(network) needs '\(k)'") }
            return Variable(t)
        }
        if network == "G" {
            // The CA noise ε is optional: without it, it is drawn from the global generator.
            let z = try need("z")
            let eps = config.conditional ? Variable(try inputs["eps"] ?? Tensor.randn([z.shape[0], config.embeddingDim])) : nil
            let g = try netG(z: z, text: config.conditional ? Variable(try modelText(try need("text").value)) : nil, eps: eps)
            var out = zip(config.imageSizes, g.images).map { ("img\($0.0)", $0.1.value) }
            for (n, v) in [("mu", g.mu), ("logvar", g.logvar), ("c_code", g.cCode)] { if let v { out.append((n, v.value)) } }
            return out
        }
        if network.hasPrefix("D"), let k = Int(network.dropFirst()), netsD.indices.contains(k) {
            let o = try netsD[k](try need("image"), condition: config.conditional ? try need("condition") : nil)
            var out: [(String, Tensor)] = []
            if let c = o.cond { out += [("cond_logit", c.value), ("cond_prob", try c.sigmoid().value)] }
            return out + [("uncond_logit", o.uncond.value), ("uncond_prob", try o.uncond.sigmoid().value)]
        }
        throw ZooError.invalidArgument(op: "stackgan-v2", message: "no network '\(network)' (G, D0…D\(netsD.count - 1))")
    }

    // MARK: - Extra state (for checkpoints)

    /// The parameter average, keyed as `netG_ema.<parameter>`.
    public func stateTensors() -> [(String, Tensor)] {
        zip(netG.namedParameters(), averageG).map { ("netG_ema." + $0.0.0, $0.1) } + (textStandardizer?.stateTensors ?? [])
    }

    public func loadStateTensors(_ tensors: [String: Tensor]) throws {
        try textStandardizer?.load(tensors)
        for (i, (name, p)) in netG.namedParameters().enumerated() {
            guard let t = tensors["netG_ema." + name] else { throw ZooError.stateDict(message: "missing key 'netG_ema.\(name)'") }
            guard t.shape == p.shape else {
                throw ZooError.stateDict(message: "'netG_ema.\(name)' has shape \(shapeString(t.shape)) but the model expects \(shapeString(p.shape))")
            }
            averageG[i] = t
        }
    }
}
