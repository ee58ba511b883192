// `stackzoo parity` for StackGAN-v2 fixtures: rebuild, load weights, replay the reference protocol.
import Foundation
import ZooCore

enum StackGANv2Parity {
    /// Tolerances of the fixture README.
    static let forwardTolerance = ParityTolerance.forward, dGradTolerance = ParityTolerance.dGradient
    static let gGradTolerance = ParityTolerance.gGradient

    /// The fixture config (JSON with the official YAML names) as a StackGANv2Config.
    static func config(from io: SafeTensorsFile, path: String) throws -> StackGANv2Config {
        let json = try ParityConfig(io, path: path)
        let int = json.int, float = json.float
        var c = StackGANv2Config()
        c.gfDim = try int("gf_dim"); c.dfDim = try int("df_dim"); c.zDim = try int("z_dim")
        c.embeddingDim = try int("embedding_dim"); c.textDim = try int("text_dim"); c.rNum = try int("r_num")
        c.branchNum = try int("branch_num")
        c.conditional = try json.bool("b_condition")
        c.klCoeff = try float("kl_coeff"); c.uncondLoss = try float("uncond_loss"); c.colorLoss = try float("color_loss")
        c.lrG = try float("lr_g"); c.lrD = try float("lr_d"); c.emaDecay = try float("ema_decay")
        c.initialize = false
        try c.validate()
        return c
    }

    /// A model with the fixture's initial weights and buffers.
    static func model(_ cfg: StackGANv2Config, prefix: String) throws -> StackGANv2Model {
        var gen = RandomGenerator(seed: 0)
        let m = try StackGANv2Model(cfg, generator: &gen)
        try m.netG.load(from: prefix + ".G.safetensors")
        for (k, d) in m.netsD.enumerated() { try d.load(from: prefix + ".D\(k).safetensors") }
        return m
    }

    /// Images stored as U8 u with x = (u − 128)/128, or as float32.
    static func image(_ io: SafeTensorsFile, _ kind: String, _ size: Int) throws -> Tensor {
        if io["in.\(kind)_u8.\(size)"] != nil { return try io.tensor("in.\(kind)_u8.\(size)").mapped { ($0 - 128) / 128 } }
        return try io.tensor("in.\(kind).\(size)")
    }

    static func compute(prefix: String) throws -> [ParityCheck] {
        let ioPath = prefix + ".io.safetensors"
        let io = try SafeTensorsFile.read(path: ioPath)
        let cfg = try config(from: io, path: ioPath)
        var checks: [ParityCheck] = []
        let z = try io.tensor("in.z")
        let text = cfg.conditional ? try io.tensor("in.text") : nil
        let eps = cfg.conditional ? try io.tensor("in.eps") : nil
        let reals = try cfg.imageSizes.map { try image(io, "real", $0) }
        let wrongs = cfg.conditional ? try cfg.imageSizes.map { try image(io, "wrong", $0) } : nil

        // Forward outputs in eval and train mode, each from fresh weights.
        for mode in ["eval", "train"] {
            let m = try model(cfg, prefix: prefix)
            m.netG.train(mode == "train")
            for d in m.netsD { d.train(mode == "train") }
            try withNoGrad {
                let g = try m.netG(z: Variable(z), text: text.map { Variable($0) }, eps: eps.map { Variable($0) })
                for (s, img) in zip(cfg.imageSizes, g.images) {
                    checks.append(ParityCheck("\(mode).G.img\(s)", img.value, try io.tensor("\(mode).G.img\(s)"), tolerance: forwardTolerance))
                }
                if cfg.conditional {
                    for (n, v) in [("mu", g.mu), ("logvar", g.logvar), ("c_code", g.cCode)] {
                        checks.append(ParityCheck("\(mode).G.\(n)", v!.value, try io.tensor("\(mode).G.\(n)"), tolerance: forwardTolerance))
                    }
                }
                if mode == "train" {
                    for (k, b) in m.netG.namedBuffers() {
                        checks.append(ParityCheck("train.G.buffers.\(k)", b.value.reshapedScalar(), try io.tensor("train.G.buffers.\(k)").reshapedScalar(), tolerance: forwardTolerance))
                    }
                }
                for (k, d) in m.netsD.enumerated() {
                    for pass in ["fake", "real"] {
                        let x = pass == "fake" ? g.images[k] : Variable(reals[k])
                        let out = try d(x, condition: g.mu)
                        var heads: [(String, Variable)] = [("uncond", out.uncond)]
                        if let c = out.cond { heads.insert(("cond", c), at: 0) }
                        for (h, logit) in heads {
                            let base = "\(mode).D\(k).\(pass).\(h)"
                            checks.append(ParityCheck(base + "_logit", logit.value, try io.tensor(base + "_logit"), tolerance: forwardTolerance))
                            checks.append(ParityCheck(base + "_prob", try logit.sigmoid().value, try io.tensor(base + "_prob"), tolerance: forwardTolerance))
                        }
                        if mode == "train" && pass == "fake" {
                            for (key, b) in d.namedBuffers() {
                                let ref = "train.D\(k).buffers_after_fake.\(key)"
                                checks.append(ParityCheck(ref, b.value.reshapedScalar(), try io.tensor(ref).reshapedScalar(), tolerance: forwardTolerance))
                            }
                        }
                    }
                }
            }
        }

        // Two training iterations from the initial state, with gradients of the first.
        let m = try model(cfg, prefix: prefix)
        var batch: [String: Tensor] = [:]
        for (i, s) in cfg.imageSizes.enumerated() {
            batch["real.\(s)"] = reals[i]
            if let wrongs { batch["wrong.\(s)"] = wrongs[i] }
        }
        if let text { batch["text"] = text }
        var capture = true
        m.afterBackward = { network, module in
            guard capture else { return }
            let tolerance = network == "G" ? gGradTolerance : dGradTolerance
            for (name, p) in module.namedParameters() where p.requiresGrad {
                let ref = "step0.grad.\(network).\(name)"
                guard io[ref] != nil, let refTensor = try? io.tensor(ref) else { continue }
                checks.append(ParityCheck(ref, try p.grad ?? Tensor(zeros: p.shape), refTensor, tolerance: tolerance, scale: .referenceMax))
            }
        }
        for step in 0...1 {
            batch["z"] = try io.tensor(step == 0 ? "in.z" : "in.step1.z")
            if cfg.conditional { batch["eps"] = try io.tensor(step == 0 ? "in.eps" : "in.step1.eps") }
            let losses = try m.trainStep(batch)
            capture = false
            checks += try ParityTolerance.losses(losses, step: step, io: io)
        }
        return checks
    }
}
