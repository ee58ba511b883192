// StackGAN-v2 hyper-parameters (the official YAML's GAN/TREE/TEXT/TRAIN keys) and block slots.
import ZooCore

/// Every knob of StackGAN-v2; defaults are birds_3stages.yml (SPEC §6.2).
public struct StackGANv2Config {
    public var gfDim = 64            // GAN.GF_DIM: h1 has 16·gf channels at 4×4
    public var dfDim = 64            // GAN.DF_DIM
    public var zDim = 100            // GAN.Z_DIM
    public var embeddingDim = 128    // GAN.EMBEDDING_DIM: CA output, the D condition size
    public var textDim = 1024        // TEXT.DIMENSION
    public var rNum = 2              // GAN.R_NUM: residual blocks per later stage
    public var branchNum = 3         // TREE.BRANCH_NUM: 1...3 (64, 128, 256)
    public var conditional = true    // GAN.B_CONDITION
    public var klCoeff: Float = 2.0          // TRAIN.COEFF.KL
    public var uncondLoss: Float = 1.0       // TRAIN.COEFF.UNCOND_LOSS
    public var colorLoss: Float = 0.0        // TRAIN.COEFF.COLOR_LOSS
    public var lrG: Float = 2e-4, lrD: Float = 2e-4
    public var beta1: Float = 0.5, beta2: Float = 0.999
    public var emaDecay: Float = 0.999
    /// Ramp the EMA decay up as min(decay, (1 + t)/(10 + t)) over the first updates (TensorFlow's
    /// ExponentialMovingAverage with num_updates), so short runs' averages are not mostly the
    /// initial weights. Off in the official configs.
    public var emaWarmup = false
    /// The official code copies the EMA weights into the live G at every snapshot (SPEC §10.1).
    public var emaIntoLiveAtSnapshot = false
    /// Standardise text embeddings per dimension with training-split statistics before the CA
    /// (not in the official code, whose char-CNN-RNN embeddings have unit-scale dimensions).
    public var textStandardize = false
    /// Official orthogonal init; off only to build networks quickly (parameter counts).
    public var initialize = true
    public var slots = BlockSlots()

    public init() {}

    /// The vector re-injected at every later stage: ĉ (conditional) or z (unconditional).
    public var efDim: Int { conditional ? embeddingDim : zDim }
    public var imageSizes: [Int] { (0..<branchNum).map { 64 << $0 } }

    public func validate() throws {
        func bad(_ m: String) -> ZooError { .invalidArgument(op: "stackgan-v2", message: m) }
        guard (1...3).contains(branchNum) else {
            throw bad("arch.branches must be 1, 2 or 3 (64/128/256); got \(branchNum) (the official 4- and 5-branch trees are untested or broken)")
        }
        guard gfDim >= 4, gfDim % 4 == 0 else { throw bad("arch.gf must be a positive multiple of 4 (the 256 branch has gf/4 channels), got \(gfDim)") }
        guard dfDim >= 1, zDim >= 1, embeddingDim >= 1, textDim >= 1, rNum >= 0 else {
            throw bad("arch sizes must be positive (df \(dfDim), z \(zDim), condition \(embeddingDim), text \(textDim), residual \(rNum))")
        }
        try checkSizeRanges([("arch.gf", gfDim, 4096), ("arch.df", dfDim, 4096), ("arch.z", zDim, 65536),
                             ("arch.condition", embeddingDim, 65536), ("arch.text", textDim, 1 << 20), ("arch.residual", rNum, 64)],
                            model: "stackgan-v2")
        guard emaDecay >= 0, emaDecay <= 1 else { throw bad("train.ema_decay must be in [0, 1], got \(emaDecay)") }
    }
}

/// Named places where a config may put its own block (built by a Lua function from zoo.nn).
/// Each builder receives the sizes listed and must keep the block's input/output shapes.
public struct BlockSlots {
    /// (in, out): [B, in, H, W] → [B, out, 2H, 2W]. Default: nearest ×2, conv3×3(in→2out), BN, GLU.
    public var upBlock: BlockBuilder?
    /// (channels): [B, c, H, W] → [B, c, H, W], the whole residual unit. Default: x + BN(conv(GLU(BN(conv x)))).
    public var resBlock: BlockBuilder?
    /// (in, out): [B, in, H, W] → [B, out, H, W] joining condition and features. Default: conv3×3, BN, GLU.
    public var joinBlock: BlockBuilder?
    /// (in, out): [B, in, H, W] → [B, out, H/2, W/2] in the discriminators. Default: conv4×4/2, BN, LReLU.
    public var downBlock: BlockBuilder?
    /// (in): [B, in, 4, 4] → [B, 1, 1, 1] logits of a discriminator head. Default: conv4×4/4 with bias.
    public var logitHead: BlockBuilder?
    public init() {}
}

extension StackGANv2Config {
    /// The config schema (dotted keys, types, defaults, docs) `zoo.config` checks entries against.
    public static let schema: [ConfigField] = [
        ConfigField("arch.branches", .integer, 3, "TREE.BRANCH_NUM: branches (1: 64; 2: 64/128; 3: 64/128/256)"),
        ConfigField("arch.gf", .integer, 64, "GAN.GF_DIM: generator width (16·gf channels at 4×4)"),
        ConfigField("arch.df", .integer, 64, "GAN.DF_DIM: discriminator width"),
        ConfigField("arch.z", .integer, 100, "GAN.Z_DIM: noise dimension"),
        ConfigField("arch.condition", .integer, 128, "GAN.EMBEDDING_DIM: conditioning-augmentation output size"),
        ConfigField("arch.text", .integer, 1024, "TEXT.DIMENSION: sentence-embedding size"),
        ConfigField("arch.residual", .integer, 2, "GAN.R_NUM: residual blocks per later stage"),
        ConfigField("arch.conditional", .boolean, true, "GAN.B_CONDITION: text-conditioned (false: unconditional tree)"),
        ConfigField("arch.text_standardize", .boolean, false, "standardise each text dimension with training-split statistics (kept in checkpoints) before the CA; on for unit-norm sentence embeddings (MiniLM)"),
        ConfigField("arch.up_block", .function, nil, "block slot (in, out): the generator's ×2 upsampling block"),
        ConfigField("arch.res_block", .function, nil, "block slot (channels): the generator's residual unit"),
        ConfigField("arch.join_block", .function, nil, "block slot (in, out): the block joining condition and features"),
        ConfigField("arch.down_block", .function, nil, "block slot (in, out): the discriminators' ×½ block"),
        ConfigField("arch.logit_head", .function, nil, "block slot (in): a discriminator head, [B, in, 4, 4] → [B, 1, 1, 1] logits"),
        ConfigField("loss.kl", .number, 2.0, "TRAIN.COEFF.KL: weight of the CA KL term"),
        ConfigField("loss.uncond", .number, 1.0, "TRAIN.COEFF.UNCOND_LOSS: weight of the unconditional D heads"),
        ConfigField("loss.colour", .number, 0.0, "TRAIN.COEFF.COLOR_LOSS: colour-consistency weight (50 unconditional)"),
        ConfigField("train.batch", .integer, 24, "TRAIN.BATCH_SIZE: images per step"),
        ConfigField("train.epochs", .integer, 600, "TRAIN.MAX_EPOCH"),
        ConfigField("train.lr_g", .number, 2e-4, "TRAIN.GENERATOR_LR"),
        ConfigField("train.lr_d", .number, 2e-4, "TRAIN.DISCRIMINATOR_LR"),
        ConfigField("train.beta1", .number, 0.5, "Adam β1"),
        ConfigField("train.beta2", .number, 0.999, "Adam β2"),
        ConfigField("train.ema", .number, 0.999, "decay of the generator's parameter average"),
        ConfigField("train.ema_warmup", .boolean, false, "ramp the EMA decay up as min(ema, (1+t)/(10+t)) (short runs; off in the official code)"),
        ConfigField("train.ema_into_live", .boolean, false, "official quirk: copy the average into the live G at every snapshot"),
        ConfigField("train.snapshot_every", .integer, 2000, "TRAIN.SNAPSHOT_INTERVAL (iterations)"),
    ]

    public init(_ c: ModelConfig) throws {
        self.init()
        branchNum = try c.int("arch.branches")
        gfDim = try c.int("arch.gf")
        dfDim = try c.int("arch.df")
        zDim = try c.int("arch.z")
        embeddingDim = try c.int("arch.condition")
        textDim = try c.int("arch.text")
        rNum = try c.int("arch.residual")
        conditional = try c.bool("arch.conditional")
        textStandardize = try c.bool("arch.text_standardize")
        slots.upBlock = try c.block("arch.up_block")
        slots.resBlock = try c.block("arch.res_block")
        slots.joinBlock = try c.block("arch.join_block")
        slots.downBlock = try c.block("arch.down_block")
        slots.logitHead = try c.block("arch.logit_head")
        klCoeff = try c.float("loss.kl")
        uncondLoss = try c.float("loss.uncond")
        colorLoss = try c.float("loss.colour")
        lrG = try c.float("train.lr_g")
        lrD = try c.float("train.lr_d")
        beta1 = try c.float("train.beta1")
        beta2 = try c.float("train.beta2")
        emaDecay = try c.float("train.ema")
        emaIntoLiveAtSnapshot = try c.bool("train.ema_into_live")
        emaWarmup = try c.bool("train.ema_warmup")
        try c.checkTrainingKnobs(minimumBatch: 2, why: " (batch norm needs batch statistics)")
        try validate()
    }
}
