// The StackGAN-v2 generator tree (SPEC §3.2): CA, initial stage, next stages, image heads.
import ZooCore

/// Conditioning augmentation: FC(text → 4·ef, bias) → GLU → [μ | logvar]; c = μ + exp(logvar/2)·ε.
final class CANet: Module {
    let efDim: Int
    init(textDim: Int, efDim: Int) throws {
        self.efDim = efDim
        super.init()
        register(module: try Linear(textDim, 4 * efDim, bias: true), named: "fc")
        register(module: GLU(), named: "relu")   // the official attribute name (it is a GLU)
    }

    override var typeName: String { "CA_NET" }

    /// Shapes: text (B, T), eps (B, ef) → c, μ, logvar (B, ef).
    func callAsFunction(_ text: Variable, eps: Variable) throws -> (Variable, Variable, Variable) {
        let h = try child("relu")!(child("fc")!(text))                     // (B, 2·ef)
        let parts = try h.split(sizes: [efDim, efDim], axis: 1)
        let (mu, logvar) = (parts[0], parts[1])
        guard eps.shape == mu.shape else {
            throw ZooError.shape(op: "CA_NET", message: "noise \(shapeString(eps.shape)) does not match μ \(shapeString(mu.shape))")
        }
        let c = try mu + (logvar * 0.5).exp() * eps
        return (c, mu, logvar)
    }
}

/// h1: FC(in → 16·gf·4·4·2, no bias) → BN1d → GLU → view (16·gf, 4, 4) → four up blocks.
final class InitStageG: Module {
    let ngf: Int
    init(ngf: Int, inDim: Int, slots: BlockSlots) throws {
        self.ngf = ngf
        super.init()
        register(module: Sequential(try Linear(inDim, ngf * 4 * 4 * 2, bias: false), try BatchNorm1d(ngf * 4 * 4 * 2), GLU()), named: "fc")
        var c = ngf
        for i in 1...4 {
            register(module: try slot(slots.upBlock, [c, c / 2], "up_block") { try upBlock(c, c / 2) }, named: "upsample\(i)")
            c /= 2
        }
    }

    override var typeName: String { "INIT_STAGE_G" }

    /// Shapes: x (B, in) → (B, gf, 64, 64).
    override func forward(_ x: Variable) throws -> Variable {
        var h = try child("fc")!(x).reshaped([x.shape[0], ngf, 4, 4])
        for i in 1...4 { h = try child("upsample\(i)")!(h) }
        return h
    }
}

/// h_{i+1}: concat [replicate(cond), h] → join → R residual units → up block.
final class NextStageG: Module {
    init(ngf: Int, efDim: Int, residual: Int, slots: BlockSlots) throws {
        super.init()
        register(module: try slot(slots.joinBlock, [ngf + efDim, ngf], "join_block") { try joinBlock(ngf + efDim, ngf) }, named: "jointConv")
        let res = Sequential()
        for _ in 0..<residual { res.add(try slot(slots.resBlock, [ngf], "res_block") { try ResBlock(ngf) }) }
        register(module: res, named: "residual")
        register(module: try slot(slots.upBlock, [ngf, ngf / 2], "up_block") { try upBlock(ngf, ngf / 2) }, named: "upsample")
    }

    override var typeName: String { "NEXT_STAGE_G" }

    /// Shapes: h (B, ngf, s, s), c (B, ef) → (B, ngf/2, 2s, 2s).
    func callAsFunction(_ h: Variable, _ c: Variable) throws -> Variable {
        let cond = try c.replicate(height: h.shape[2], width: h.shape[3])
        let x = try Variable.concat([cond, h], axis: 1)
        return try child("upsample")!(child("residual")!(child("jointConv")!(x)))
    }
}

/// img: conv3×3(ngf → 3) → tanh.
final class GetImageG: Module {
    init(ngf: Int) throws {
        super.init()
        register(module: Sequential(try conv3x3(ngf, 3), Tanh()), named: "img")
    }
    override var typeName: String { "GET_IMAGE_G" }
    override func forward(_ x: Variable) throws -> Variable { try child("img")!(x) }
}

/// G_NET: the whole tree. Conditional: images from (z, text, ε); unconditional: from z alone.
public final class GNet: Module {
    public let config: StackGANv2Config

    public init(_ cfg: StackGANv2Config) throws {
        config = cfg
        super.init()
        if cfg.conditional { register(module: try CANet(textDim: cfg.textDim, efDim: cfg.embeddingDim), named: "ca_net") }
        let gf = cfg.gfDim
        register(module: try InitStageG(ngf: gf * 16, inDim: cfg.zDim + (cfg.conditional ? cfg.embeddingDim : 0), slots: cfg.slots), named: "h_net1")
        register(module: try GetImageG(ngf: gf), named: "img_net1")
        if cfg.branchNum > 1 {
            register(module: try NextStageG(ngf: gf, efDim: cfg.efDim, residual: cfg.rNum, slots: cfg.slots), named: "h_net2")
            register(module: try GetImageG(ngf: gf / 2), named: "img_net2")
        }
        if cfg.branchNum > 2 {
            register(module: try NextStageG(ngf: gf / 2, efDim: cfg.efDim, residual: cfg.rNum, slots: cfg.slots), named: "h_net3")
            register(module: try GetImageG(ngf: gf / 4), named: "img_net3")
        }
    }

    public override var typeName: String { "G_NET" }

    /// Output of one generator pass: images per branch (64, 128, 256) and the CA statistics.
    public struct Output {
        public var images: [Variable]
        public var mu: Variable?, logvar: Variable?, cCode: Variable?
    }

    /// Shapes: z (B, Z), text (B, T), eps (B, ef) → images (B, 3, 64·2^i, 64·2^i).
    public func callAsFunction(z: Variable, text: Variable?, eps: Variable?) throws -> Output {
        guard z.shape.count == 2, z.shape[1] == config.zDim else {
            throw ZooError.shape(op: "G_NET", message: "noise must be [B, \(config.zDim)], got \(shapeString(z.shape))")
        }
        var out = Output(images: [])
        let c: Variable, h1: Variable
        if config.conditional {
            guard let text, let eps else {
                throw ZooError.invalidArgument(op: "G_NET", message: "a conditional generator needs text embeddings and CA noise")
            }
            guard text.shape == [z.shape[0], config.textDim] else {
                throw ZooError.shape(op: "G_NET", message: "text embeddings must be [\(z.shape[0]), \(config.textDim)], got \(shapeString(text.shape))")
            }
            let (code, mu, logvar) = try (child("ca_net") as! CANet)(text, eps: eps)
            (out.mu, out.logvar, out.cCode) = (mu, logvar, code)
            c = code
            h1 = try child("h_net1")!(try Variable.concat([code, z], axis: 1))
        } else {
            c = z
            h1 = try child("h_net1")!(z)
        }
        var h = h1
        out.images.append(try child("img_net1")!(h))
        for i in [2, 3] where i <= config.branchNum {
            h = try (child("h_net\(i)") as! NextStageG)(h, c)
            out.images.append(try child("img_net\(i)")!(h))
        }
        return out
    }
}
