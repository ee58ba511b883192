// The StackGAN-v1 generators (SPEC §1, §2.1, §2.3): CA_NET, STAGE1_G, and STAGE2_G with its frozen STAGE1_G.
import ZooCore

/// Conditioning augmentation: FC(text → 2·c, bias) → act → [μ | second half].
/// PyTorch: act = ReLU, the second half is logvar, σ = exp(logvar/2).
/// TensorFlow: act = LReLU(0.2), the second half is log σ; reported here as logvar = 2·log σ, so
/// c = μ + σ·ε and the KL term take the same form in both flavours (SPEC §1).
final class CANet: Module {
    let cDim: Int
    let flavour: StackGANv1Flavour

    init(textDim: Int, cDim: Int, flavour: StackGANv1Flavour) throws {
        self.cDim = cDim
        self.flavour = flavour
        super.init()
        register(module: try Linear(textDim, 2 * cDim, bias: true), named: "fc")
        register(module: flavour == .pytorch ? ReLU() as Module : LeakyReLU(0.2), named: "relu")
    }

    override var typeName: String { "CA_NET" }

    /// Shapes: text (B, T), eps (B, c) → c, μ, logvar (B, c).
    func callAsFunction(_ text: Variable, eps: Variable) throws -> (c: Variable, mu: Variable, logvar: Variable) {
        let h = try child("relu")!(child("fc")!(text))
        let parts = try h.split(sizes: [cDim, cDim], axis: 1)
        let mu = parts[0]
        let logvar = flavour == .pytorch ? parts[1] : try parts[1] * 2
        guard eps.shape == mu.shape else {
            throw ZooError.shape(op: "CA_NET", message: "noise \(shapeString(eps.shape)) does not match μ \(shapeString(mu.shape))")
        }
        let c = try mu + (logvar * 0.5).exp() * eps
        return (c, mu, logvar)
    }
}

/// What a generator pass returns: the image, the CA statistics, and (Stage-II) the Stage-I image.
public struct V1GeneratorOutput {
    public var image: Variable
    public var mu: Variable, logvar: Variable, cCode: Variable
    public var stage1Image: Variable?
}

func checkText(_ text: Variable, batch: Int, textDim: Int, op: String) throws {
    guard text.shape == [batch, textDim] else {
        throw ZooError.shape(op: op, message: "text embeddings must be [\(batch), \(textDim)], got \(shapeString(text.shape))")
    }
}

/// Stage-I: text + z → 64×64.
/// PyTorch (SPEC §2.1.b): [z, c] → FC (no bias) → BN1d → ReLU → (8·gf, 4, 4) → 4 up blocks → conv3×3 → tanh.
/// TensorFlow (§2.1.a): [c, z] → FC (bias) → BN1d → (8·gf, 4, 4) → bottleneck residual (ReLU) →
/// up + conv3×3 + BN → bottleneck residual → 2 up blocks → up + conv3×3 → tanh.
public final class Stage1G: Module {
    public let config: StackGANv1Config
    let ngf: Int

    public init(_ cfg: StackGANv1Config) throws {
        config = cfg
        ngf = 8 * cfg.gfDim
        super.init()
        let gf = cfg.gfDim, inDim = cfg.zDim + cfg.conditionDim
        register(module: try CANet(textDim: cfg.textDim, cDim: cfg.conditionDim, flavour: cfg.flavour), named: "ca_net")
        switch cfg.flavour {
        case .pytorch:
            register(module: Sequential(try Linear(inDim, ngf * 16, bias: false), try BatchNorm1d(ngf * 16), ReLU()), named: "fc")
            register(module: try upBlock(ngf, ngf / 2), named: "upsample1")
            register(module: try upBlock(ngf / 2, ngf / 4), named: "upsample2")
            register(module: try upBlock(ngf / 4, ngf / 8), named: "upsample3")
            register(module: try upBlock(ngf / 8, ngf / 16), named: "upsample4")
            register(module: Sequential(try conv3x3(ngf / 16, 3), Tanh()), named: "img")
        case .tensorflow:
            register(module: Sequential(try Linear(inDim, ngf * 16, bias: true), try BatchNorm1d(ngf * 16)), named: "fc")
            register(module: try BottleneckBlock(8 * gf, mid: 2 * gf, leaky: false), named: "residual1")
            register(module: Sequential(Upsample(scaleFactor: 2), try conv3x3(8 * gf, 4 * gf), try BatchNorm2d(4 * gf)), named: "upsample1")
            register(module: try BottleneckBlock(4 * gf, mid: gf, leaky: false), named: "residual2")
            register(module: try upBlock(4 * gf, 2 * gf), named: "upsample2")
            register(module: try upBlock(2 * gf, gf), named: "upsample3")
            register(module: Sequential(Upsample(scaleFactor: 2), try conv3x3(gf, 3), Tanh()), named: "img")
        }
    }

    public override var typeName: String { "STAGE1_G" }

    var ca: CANet { child("ca_net") as! CANet }

    /// Shapes: text (B, T), z (B, Z), eps (B, c) → image (B, 3, 64, 64).
    public func callAsFunction(text: Variable, z: Variable, eps: Variable) throws -> V1GeneratorOutput {
        guard z.shape.count == 2, z.shape[1] == config.zDim else {
            throw ZooError.shape(op: typeName, message: "noise must be [B, \(config.zDim)], got \(shapeString(z.shape))")
        }
        try checkText(text, batch: z.shape[0], textDim: config.textDim, op: typeName)
        let (c, mu, logvar) = try ca(text, eps: eps)
        let input = try Variable.concat(config.flavour == .pytorch ? [z, c] : [c, z], axis: 1)
        var h = try child("fc")!(input).reshaped([z.shape[0], ngf, 4, 4])
        let order = config.flavour == .pytorch
            ? ["upsample1", "upsample2", "upsample3", "upsample4", "img"]
            : ["residual1", "upsample1", "residual2", "upsample2", "upsample3", "img"]
        for n in order { h = try child(n)!(h) }
        return V1GeneratorOutput(image: h, mu: mu, logvar: logvar, cCode: c)
    }
}

/// Stage-II (SPEC §2.3): the frozen Stage-I's 64×64 image, encoded to 16×16, joined with the
/// Stage-II CA code, residual blocks, four up blocks → 256×256. The Stage-I is re-run every
/// pass (fresh z and Stage-I CA noise) and its output is a constant.
public final class Stage2G: Module {
    public let config: StackGANv1Config

    public init(_ cfg: StackGANv1Config) throws {
        config = cfg
        super.init()
        let gf = cfg.gfDim
        let stage1 = register(module: try Stage1G(cfg), named: "STAGE1_G")
        stage1.requiresGrad(false)
        register(module: try CANet(textDim: cfg.textDim, cDim: cfg.conditionDim, flavour: cfg.flavour), named: "ca_net")
        register(module: Sequential(try conv3x3(3, gf), ReLU(),
                                    try conv4x4s2(gf, 2 * gf), try BatchNorm2d(2 * gf), ReLU(),
                                    try conv4x4s2(2 * gf, 4 * gf), try BatchNorm2d(4 * gf), ReLU()), named: "encoder")
        register(module: Sequential(try conv3x3(cfg.conditionDim + 4 * gf, 4 * gf), try BatchNorm2d(4 * gf), ReLU()), named: "hr_joint")
        let res = Sequential()
        for _ in 0..<cfg.rNum { res.add(try ResBlock(4 * gf)) }
        register(module: res, named: "residual")
        register(module: try upBlock(4 * gf, 2 * gf), named: "upsample1")
        register(module: try upBlock(2 * gf, gf), named: "upsample2")
        register(module: try upBlock(gf, gf / 2), named: "upsample3")
        register(module: try upBlock(gf / 2, gf / 4), named: "upsample4")
        register(module: Sequential(try conv3x3(gf / 4, 3), Tanh()), named: "img")
    }

    public override var typeName: String { "STAGE2_G" }

    public var stage1: Stage1G { child("STAGE1_G") as! Stage1G }

    /// The trainable parameters (everything but the embedded Stage-I).
    public func trainableParameters() -> [Variable] {
        namedParameters().filter { !$0.0.hasPrefix("STAGE1_G.") }.map(\.1)
    }

    /// Shapes: text (B, T), z (B, Z), eps and epsStage1 (B, c) → image (B, 3, 256, 256) and the
    /// Stage-I image (B, 3, 64, 64); μ and logvar are the Stage-II CA's.
    public func callAsFunction(text: Variable, z: Variable, eps: Variable, epsStage1: Variable) throws -> V1GeneratorOutput {
        let s1 = try withNoGrad { try stage1(text: text, z: z, eps: epsStage1).image }.detach()
        let enc = try child("encoder")!(s1)
        let (c, mu, logvar) = try (child("ca_net") as! CANet)(text, eps: eps)
        var h = try child("hr_joint")!(Variable.concat([enc, c.replicate(height: enc.shape[2], width: enc.shape[3])], axis: 1))
        h = try child("residual")!(h)
        for n in ["upsample1", "upsample2", "upsample3", "upsample4", "img"] { h = try child(n)!(h) }
        return V1GeneratorOutput(image: h, mu: mu, logvar: logvar, cCode: c, stage1Image: s1)
    }
}
