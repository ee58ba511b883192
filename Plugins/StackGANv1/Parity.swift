// `stackzoo parity` for StackGAN-v1 fixtures (kinds v1s1, v1s2): rebuild, load weights, replay the protocol.
import Foundation
import ZooCore

enum StackGANv1Parity {
    /// Tolerances of the fixture README.
    static let forwardTolerance = ParityTolerance.forward, dGradTolerance = ParityTolerance.dGradient
    static let gGradTolerance = ParityTolerance.gGradient

    /// The fixture config (JSON with the official YAML names) as a StackGANv1Config (PyTorch flavour).
    static func config(from io: SafeTensorsFile, path: String, stage: Int) throws -> StackGANv1Config {
        let json = try ParityConfig(io, path: path)
        let int = json.int, float = json.float
        var c = StackGANv1Config(stage: stage, flavour: .pytorch)
        c.gfDim = try int("gf_dim"); c.dfDim = try int("df_dim"); c.zDim = try int("z_dim")
        c.conditionDim = try int("condition_dim"); c.textDim = try int("text_dim"); c.rNum = try int("r_num")
        c.klCoeff = try float("kl_coeff"); c.lrG = try float("lr_g"); c.lrD = try float("lr_d")
        c.initialize = false
        try c.validate()
        return c
    }

    /// A model with the fixture's initial weights and buffers.
    static func model(_ cfg: StackGANv1Config, prefix: String) throws -> StackGANv1Model {
        var gen = RandomGenerator(seed: 0)
        let m = try StackGANv1Model(cfg, generator: &gen)
        try m.netG.load(from: prefix + ".G.safetensors")
        try m.netD.load(from: prefix + ".D0.safetensors")
        return m
    }

    /// Images stored as U8 u with x = (u − 128)/128, or as float32.
    static func image(_ io: SafeTensorsFile, _ kind: String, _ size: Int) throws -> Tensor {
        if io["in.\(kind)_u8.\(size)"] != nil { return try io.tensor("in.\(kind)_u8.\(size)").mapped { ($0 - 128) / 128 } }
        return try io.tensor("in.\(kind).\(size)")
    }

    static func computeStage1(prefix: String) throws -> [ParityCheck] { try compute(prefix: prefix, stage: 1) }
    static func computeStage2(prefix: String) throws -> [ParityCheck] { try compute(prefix: prefix, stage: 2) }

    static func compute(prefix: String, stage: Int) throws -> [ParityCheck] {
        let ioPath = prefix + ".io.safetensors"
        let io = try SafeTensorsFile.read(path: ioPath)
        let cfg = try config(from: io, path: ioPath, stage: stage)
        let size = cfg.imageSize
        var checks: [ParityCheck] = []
        func check(_ name: String, _ value: Tensor, tolerance: Float = forwardTolerance) throws {
            checks.append(ParityCheck(name, value.reshapedScalar(), try io.tensor(name).reshapedScalar(), tolerance: tolerance))
        }
        let z = try io.tensor("in.z"), text = try io.tensor("in.text"), eps = try io.tensor("in.eps")
        let eps1 = stage == 2 ? try io.tensor("in.eps_stage1") : nil
        let real = try image(io, "real", size)

        // Forward outputs in eval and train mode, each from fresh weights.
        for mode in ["eval", "train"] {
            let m = try model(cfg, prefix: prefix)
            if mode == "train" { m.setTrainingModes() } else { m.netG.eval(); m.netD.eval() }
            try withNoGrad {
                let g = try m.generate(text: Variable(text), z: Variable(z), eps: Variable(eps), epsStage1: eps1.map { Variable($0) })
                try check("\(mode).G.img\(size)", g.image.value)
                try check("\(mode).G.mu", g.mu.value)
                try check("\(mode).G.logvar", g.logvar.value)
                try check("\(mode).G.c_code", g.cCode.value)
                if let s1 = g.stage1Image { try check("\(mode).G.stage1_img", s1.value) }
                if mode == "train" {
                    for (k, b) in m.netG.namedBuffers() { try check("train.G.buffers.\(k)", b.value) }
                }
                for pass in ["fake", "real"] {
                    let features = try m.netD(pass == "fake" ? g.image : Variable(real))
                    let base = "\(mode).D0.\(pass)"
                    try check(base + ".features", features.value)
                    var heads = [("cond", try m.netD.condHead(features, condition: g.mu))]
                    if let u = m.netD.uncondHead { heads.append(("uncond", try u(features, condition: nil))) }
                    for (h, logit) in heads {
                        try check("\(base).\(h)_logit", logit.value)
                        try check("\(base).\(h)_prob", logit.sigmoid().value)
                    }
                    if mode == "train" && pass == "fake" {
                        for (k, b) in m.netD.namedBuffers() { try check("train.D0.buffers_after_fake.\(k)", b.value) }
                    }
                }
            }
        }

        // Two training iterations from the initial state, with gradients of the first.
        let m = try model(cfg, prefix: prefix)
        var batch: [String: Tensor] = ["real.\(size)": real, "text": text]
        var capture = true
        m.afterBackward = { network, module in
            guard capture else { return }
            let tolerance = network == "G" ? gGradTolerance : dGradTolerance
            for (name, p) in module.namedParameters() where p.requiresGrad {
                let ref = "step0.grad.\(network).\(name)"
                guard io[ref] != nil, let refTensor = try? io.tensor(ref) else {
                    // Every trainable parameter has a reference gradient; a missing one is a naming error.
                    checks.append(ParityCheck(ref + " (no reference)", try Tensor(zeros: [1]), try Tensor(zeros: [2]), tolerance: tolerance))
                    continue
                }
                checks.append(ParityCheck(ref, try p.grad ?? Tensor(zeros: p.shape), refTensor, tolerance: tolerance, scale: .referenceMax))
            }
        }
        for step in 0...1 {
            let pre = step == 0 ? "in" : "in.step1"
            batch["z"] = try io.tensor("\(pre).z")
            batch["eps"] = try io.tensor("\(pre).eps")
            if stage == 2 { batch["eps_stage1"] = try io.tensor("\(pre).eps_stage1") }
            let losses = try m.trainStep(batch)
            capture = false
            checks += try ParityTolerance.losses(losses, step: step, io: io)
        }
        return checks
    }
}
