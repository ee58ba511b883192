// The StackGAN-v1 discriminators (SPEC §2.2, §2.4): STAGE1_D, STAGE2_D and their D_GET_LOGITS heads.
import ZooCore

/// A head on the 8·DF × 4 × 4 image code.
/// PyTorch conditional: [code, repeat(μ)] → conv3×3 → BN → LReLU → conv4×4/4 (bias) → sigmoid.
/// PyTorch unconditional: conv4×4/4 (bias) → sigmoid.
/// TensorFlow conditional: the raw text → FC (bias) → LReLU (`text_fc`, the head's own weights),
/// [code, tile(text code)] → conv1×1 → BN → LReLU → conv4×4/4 (no bias), raw logits.
/// `callAsFunction` returns the pre-sigmoid logits [B] in every case.
public final class DGetLogits: Module {
    public let conditional: Bool
    let flavour: StackGANv1Flavour
    let hasSigmoid: Bool

    init(ndf: Int, nef: Int, textDim: Int, conditional: Bool, flavour: StackGANv1Flavour) throws {
        self.conditional = conditional
        self.flavour = flavour
        hasSigmoid = flavour == .pytorch
        super.init()
        let out = Sequential()
        if conditional {
            if flavour == .tensorflow {
                register(module: Sequential(try Linear(textDim, nef, bias: true), LeakyReLU(0.2)), named: "text_fc")
                out.add(try conv1x1(8 * ndf + nef, 8 * ndf))
            } else {
                out.add(try conv3x3(8 * ndf + nef, 8 * ndf))
            }
            out.add(try BatchNorm2d(8 * ndf)).add(LeakyReLU(0.2))
        }
        out.add(try logitConv(8 * ndf, bias: flavour == .pytorch))
        if hasSigmoid { out.add(Sigmoid()) }
        register(module: out, named: "outlogits")
    }

    public override var typeName: String { "D_GET_LOGITS" }

    /// Shapes: code (B, 8·DF, 4, 4), condition (B, c) — μ (PyTorch) or the raw text (B, T)
    /// (TensorFlow); nil for the unconditional head → logits (B).
    public func callAsFunction(_ code: Variable, condition: Variable?) throws -> Variable {
        var h = code
        if conditional {
            guard let condition else { throw ZooError.invalidArgument(op: typeName, message: "the conditional head needs a condition") }
            guard condition.shape.count == 2, condition.shape[0] == code.shape[0] else {
                throw ZooError.shape(op: typeName, message: "condition must be [\(code.shape[0]), C], got \(shapeString(condition.shape))")
            }
            let c = flavour == .tensorflow ? try child("text_fc")!(condition) : condition
            h = try Variable.concat([code, c.replicate(height: code.shape[2], width: code.shape[3])], axis: 1)   // image first
        }
        let seq = child("outlogits") as! Sequential
        for i in 0..<(seq.count - (hasSigmoid ? 1 : 0)) { h = try seq[i](h) }
        return try h.reshaped([code.shape[0]])
    }
}

/// STAGE1_D (64×64) or STAGE2_D (256×256): `encode_img` → 8·DF × 4 × 4 code; `get_cond_logits`;
/// `get_uncond_logits` (PyTorch Stage-II only).
public final class V1Discriminator: Module {
    public let stage: Int
    public let flavour: StackGANv1Flavour
    public var size: Int { stage == 1 ? 64 : 256 }

    public init(_ cfg: StackGANv1Config) throws {
        stage = cfg.stage
        flavour = cfg.flavour
        super.init()
        let d = cfg.dfDim
        let enc = Sequential(try conv4x4s2(3, d), LeakyReLU(0.2))
        let downs = stage == 1 ? 3 : 5
        var ch = d
        for i in 0..<downs {
            enc.add(try conv4x4s2(ch, 2 * ch)).add(try BatchNorm2d(2 * ch))
            // TF Stage-I: no activation after the last two down convs (SPEC §2.2).
            if !(flavour == .tensorflow && stage == 1 && i >= 1) { enc.add(LeakyReLU(0.2)) }
            ch *= 2
        }
        if stage == 2 {
            // Channel reduction at 4×4: 32·DF → 16·DF → 8·DF (PyTorch 3×3, TF 1×1).
            let conv = flavour == .pytorch ? conv3x3 : conv1x1
            enc.add(try conv(32 * d, 16 * d)).add(try BatchNorm2d(16 * d)).add(LeakyReLU(0.2))
            enc.add(try conv(16 * d, 8 * d)).add(try BatchNorm2d(8 * d))
            if flavour == .pytorch { enc.add(LeakyReLU(0.2)) }
        }
        if flavour == .tensorflow { enc.add(try BottleneckBlock(8 * d, mid: 2 * d, leaky: true)) }
        register(module: enc, named: "encode_img")
        register(module: try DGetLogits(ndf: d, nef: cfg.conditionDim, textDim: cfg.textDim, conditional: true, flavour: flavour), named: "get_cond_logits")
        if stage == 2 && flavour == .pytorch {
            register(module: try DGetLogits(ndf: d, nef: cfg.conditionDim, textDim: cfg.textDim, conditional: false, flavour: flavour), named: "get_uncond_logits")
        }
    }

    public override var typeName: String { stage == 1 ? "STAGE1_D" : "STAGE2_D" }

    public var condHead: DGetLogits { child("get_cond_logits") as! DGetLogits }
    public var uncondHead: DGetLogits? { child("get_uncond_logits") as? DGetLogits }

    /// The image code. Shapes: (B, 3, s, s) → (B, 8·DF, 4, 4).
    public override func forward(_ x: Variable) throws -> Variable {
        guard x.shape.count == 4, x.shape[1] == 3, x.shape[2] == size, x.shape[3] == size else {
            throw ZooError.shape(op: typeName, expects: "images [B, 3, \(size), \(size)]", got: x.shape)
        }
        return try child("encode_img")!(x)
    }
}

extension ZooError {
    static func shape(op: String, expects: String, got: [Int]) -> ZooError {
        .shape(op: op, message: "expects \(expects), got \(shapeString(got))")
    }
}
