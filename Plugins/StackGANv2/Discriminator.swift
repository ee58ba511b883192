// The StackGAN-v2 discriminators D64/D128/D256 (SPEC §3.3) with conditional and unconditional heads.
import ZooCore

/// Image → 8·DF × 4 × 4 code → heads. Conditional models return (cond, uncond) logits; the
/// unconditional model returns its single head's logits as `cond` = nil, `uncond`.
public final class V2Discriminator: Module {
    public let size: Int
    let conditional: Bool
    private var trunk: [String] = []

    public init(size: Int, _ cfg: StackGANv2Config) throws {
        self.size = size
        conditional = cfg.conditional
        super.init()
        let d = cfg.dfDim
        let down = { (i: Int, o: Int) throws -> Module in try slot(cfg.slots.downBlock, [i, o], "down_block") { try downBlock(i, o) } }
        // img_code_s16 keys: 0 conv; 2 conv, 3 BN; 5 conv, 6 BN; 8 conv, 9 BN (LReLUs between).
        let enc = Sequential(try conv4x4s2(3, d), LeakyReLU(0.2))
        for (i, o) in [(d, 2 * d), (2 * d, 4 * d), (4 * d, 8 * d)] {
            if let b = cfg.slots.downBlock {
                enc.add(try slot(b, [i, o], "down_block") { try downBlock(i, o) })
            } else {
                enc.add(try conv4x4s2(i, o)).add(try BatchNorm2d(o)).add(LeakyReLU(0.2))
            }
        }
        register(module: enc, named: "img_code_s16")
        let stages: [(String, Module)]
        switch size {
        case 64: stages = []
        case 128: stages = [("img_code_s32", try down(8 * d, 16 * d)), ("img_code_s32_1", try conv3LeakyBlock(16 * d, 8 * d))]
        case 256:
            stages = [("img_code_s32", try down(8 * d, 16 * d)), ("img_code_s64", try down(16 * d, 32 * d)),
                      ("img_code_s64_1", try conv3LeakyBlock(32 * d, 16 * d)), ("img_code_s64_2", try conv3LeakyBlock(16 * d, 8 * d))]
        default: throw ZooError.invalidArgument(op: "stackgan-v2", message: "no discriminator for size \(size)")
        }
        for (n, m) in stages { register(module: m, named: n); trunk.append(n) }
        let head = { () throws -> Module in Sequential(try slot(cfg.slots.logitHead, [8 * d], "logit_head") { try logitConv(8 * d) }, Sigmoid()) }
        register(module: try head(), named: "logits")
        if conditional {
            register(module: try conv3LeakyBlock(8 * d + cfg.embeddingDim, 8 * d), named: "jointConv")
            register(module: try head(), named: "uncond_logits")
        }
    }

    public override var typeName: String { "D_NET\(size)" }

    /// Logits (pre-sigmoid) of the heads, each [B]; `cond` is nil for unconditional models.
    public struct Output {
        public var cond: Variable?
        public var uncond: Variable
    }

    /// Shapes: x (B, 3, s, s), c (B, ef) → logits (B).
    public func callAsFunction(_ x: Variable, condition c: Variable?) throws -> Output {
        guard x.shape.count == 4, x.shape[1] == 3, x.shape[2] == size, x.shape[3] == size else {
            throw ZooError.shape(op: typeName, message: "expects images [B, 3, \(size), \(size)], got \(shapeString(x.shape))")
        }
        var code = try child("img_code_s16")!(x)
        for n in trunk { code = try child(n)!(code) }                        // (B, 8·DF, 4, 4)
        func logits(_ head: String, _ h: Variable) throws -> Variable {
            try (child(head) as! Sequential)[0](h).reshaped([x.shape[0]])
        }
        guard conditional else { return Output(cond: nil, uncond: try logits("logits", code)) }
        guard let c else { throw ZooError.invalidArgument(op: typeName, message: "a conditional discriminator needs the condition μ") }
        let joint = try child("jointConv")!(Variable.concat([c.replicate(height: 4, width: 4), code], axis: 1))
        return Output(cond: try logits("logits", joint), uncond: try logits("uncond_logits", code))
    }
}
