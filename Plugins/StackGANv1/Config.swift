// StackGAN-v1 hyper-parameters (the official configs' GAN/TEXT/TRAIN keys), the stage and the flavour.
import ZooCore

/// Which reference code base the networks follow (SPEC §0, §2).
public enum StackGANv1Flavour: String, CaseIterable, Sendable {
    /// hanzhanggit/StackGAN-Pytorch (COCO): ReLU CA on logvar, [z, c] input, plain up blocks,
    /// discriminators conditioned on the generator's μ, 3×3 joint convs, Stage-II unconditional head.
    case pytorch
    /// hanzhanggit/StackGAN (TensorFlow; birds and flowers): LReLU CA on log σ with truncated-normal
    /// ε, [c, z] input, bottleneck residual blocks in the Stage-I generator and in both
    /// discriminators, discriminators with their own text FC on the raw embedding, 1×1 joint convs.
    case tensorflow
}

/// BN mode of the frozen Stage-I generator inside Stage-II (SPEC §2.3, §10.4).
public enum StackGANv1Stage1BN: String, CaseIterable, Sendable {
    /// Official: the Stage-I runs in training mode (batch statistics; its running statistics keep
    /// drifting although its weights are frozen).
    case train
    /// Eval mode: the Stage-I checkpoint's running statistics, no drift.
    case eval
}

/// Every knob of StackGAN-v1; defaults are the PyTorch code's (`miscc/config.py`, SPEC §6.1).
public struct StackGANv1Config {
    public var stage = 1                   // 1: Stage-I (64×64); 2: Stage-II (256×256)
    public var flavour = StackGANv1Flavour.pytorch
    public var gfDim = 128                 // GAN.GF_DIM: Stage-I has 8·gf channels at 4×4
    public var dfDim = 64                  // GAN.DF_DIM
    public var zDim = 100                  // Z_DIM
    public var conditionDim = 128          // GAN.CONDITION_DIM (TF: GAN.EMBEDDING_DIM)
    public var textDim = 1024              // TEXT.DIMENSION
    public var rNum = 4                    // GAN.R_NUM: Stage-II residual blocks (TF: 4, hard-coded)
    /// Stage-II: where the trained Stage-I generator comes from ("" = keep its initial weights).
    public var stage1Checkpoint = ""
    public var stage1BN = StackGANv1Stage1BN.train
    public var klCoeff: Float = 2.0        // TRAIN.COEFF.KL
    public var lrG: Float = 2e-4, lrD: Float = 2e-4
    public var beta1: Float = 0.5, beta2: Float = 0.999
    /// TRAIN.LR_DECAY_EPOCH: both learning rates halve every this many epochs (0: never).
    public var lrDecayEpochs = 600
    /// Official initialisation; off only to build networks quickly (parameter counts).
    /// Standardise text embeddings per dimension with training-split statistics (see StackGAN-v2's).
    public var textStandardize = false
    public var initialize = true

    public init() {}

    public init(stage: Int, flavour: StackGANv1Flavour = .pytorch) {
        self.init()
        self.stage = stage
        self.flavour = flavour
    }

    public var imageSize: Int { stage == 1 ? 64 : 256 }

    /// Learning rate after `epoch` whole epochs of this stage: `base`·0.5^⌊epoch / lr_decay_epochs⌋
    /// (the official `if epoch % LR_DECAY_EPOCH == 0: lr *= 0.5`, SPEC §5.1).
    public func learningRate(_ base: Float, epoch: Int) -> Float {
        guard lrDecayEpochs > 0, epoch > 0 else { return base }
        let halvings = epoch / lrDecayEpochs
        return base * Float(sign: .plus, exponent: -halvings, significand: 1)
    }

    public func validate() throws {
        func bad(_ m: String) -> ZooError { .invalidArgument(op: "stackgan-v1", message: m) }
        guard stage == 1 || stage == 2 else {
            throw bad("arch.stage must be 1 (Stage-I, 64×64) or 2 (Stage-II, 256×256), got \(stage)")
        }
        guard gfDim >= 2, gfDim % 2 == 0, stage == 1 || gfDim % 4 == 0 else {
            throw bad("arch.gf must be a positive multiple of \(stage == 1 ? 2 : 4) (the last \(stage == 1 ? "Stage-I" : "Stage-II") block has gf/\(stage == 1 ? 2 : 4) channels), got \(gfDim)")
        }
        guard dfDim >= 1, zDim >= 1, conditionDim >= 1, textDim >= 1, rNum >= 0 else {
            throw bad("arch sizes must be positive (df \(dfDim), z \(zDim), condition \(conditionDim), text \(textDim), residual \(rNum))")
        }
        try checkSizeRanges([("arch.gf", gfDim, 4096), ("arch.df", dfDim, 4096), ("arch.z", zDim, 65536),
                             ("arch.condition", conditionDim, 65536), ("arch.text", textDim, 1 << 20), ("arch.residual", rNum, 64)],
                            model: "stackgan-v1")
        guard lrDecayEpochs >= 0 else { throw bad("train.lr_decay_epochs must be ≥ 0 (0: never), got \(lrDecayEpochs)") }
        guard lrG > 0, lrD > 0 else { throw bad("train.lr_g and train.lr_d must be positive, got \(lrG) and \(lrD)") }
        if stage == 1 && !stage1Checkpoint.isEmpty {
            throw bad("arch.stage1_checkpoint is for Stage-II models (arch.stage = 2)")
        }
    }
}

extension StackGANv1Config {
    /// The config schema (dotted keys, types, defaults, docs) `zoo.config` checks entries against.
    public static let schema: [ConfigField] = [
        ConfigField("arch.stage", .integer, 1, "1: Stage-I (64×64 from text); 2: Stage-II (256×256 from the frozen Stage-I's image and the text)"),
        ConfigField("arch.flavour", .string, "pytorch", "\"pytorch\" (StackGAN-Pytorch, COCO) or \"tensorflow\" (the authors' TF birds/flowers networks)"),
        ConfigField("arch.gf", .integer, 128, "GAN.GF_DIM: generator width (Stage-I 8·gf channels at 4×4, Stage-II 4·gf at 16×16)"),
        ConfigField("arch.df", .integer, 64, "GAN.DF_DIM: discriminator width (8·df channels at 4×4)"),
        ConfigField("arch.z", .integer, 100, "Z_DIM: noise dimension"),
        ConfigField("arch.condition", .integer, 128, "GAN.CONDITION_DIM: conditioning-augmentation output size (and the discriminators' text code)"),
        ConfigField("arch.text", .integer, 1024, "TEXT.DIMENSION: sentence-embedding size"),
        ConfigField("arch.text_standardize", .boolean, false, "standardise each text dimension with training-split statistics (kept in checkpoints) before the CA; on for unit-norm sentence embeddings (MiniLM)"),
        ConfigField("arch.residual", .integer, 4, "GAN.R_NUM: Stage-II residual blocks (TF: 4; COCO: 2)"),
        ConfigField("arch.stage1_checkpoint", .string, "", "Stage-II: the trained Stage-I — a StackZoo stackgan-v1 checkpoint or an official STAGE1_G state dict (.safetensors); empty: initial weights"),
        ConfigField("arch.stage1_bn", .string, "train", "Stage-II: BN of the frozen Stage-I — \"train\" (official: batch statistics, running stats drift) or \"eval\""),
        ConfigField("loss.kl", .number, 2.0, "TRAIN.COEFF.KL: weight of the CA KL term"),
        ConfigField("train.batch", .integer, 64, "TRAIN.BATCH_SIZE: images per step"),
        ConfigField("train.epochs", .integer, 600, "TRAIN.MAX_EPOCH (of this stage)"),
        ConfigField("train.lr_g", .number, 2e-4, "TRAIN.GENERATOR_LR"),
        ConfigField("train.lr_d", .number, 2e-4, "TRAIN.DISCRIMINATOR_LR"),
        ConfigField("train.beta1", .number, 0.5, "Adam β1"),
        ConfigField("train.beta2", .number, 0.999, "Adam β2"),
        ConfigField("train.lr_decay_epochs", .integer, 600, "TRAIN.LR_DECAY_EPOCH: both learning rates halve every this many epochs of the stage (0: never)"),
        ConfigField("train.snapshot_every", .integer, 2000, "TRAIN.SNAPSHOT_INTERVAL (iterations)"),
    ]

    public init(_ c: ModelConfig) throws {
        self.init()
        stage = try c.int("arch.stage")
        let f = try c.string("arch.flavour")
        guard let flavour = StackGANv1Flavour(rawValue: f) else {
            throw ZooError.invalidArgument(op: "stackgan-v1", message: "arch.flavour must be \"pytorch\" or \"tensorflow\", got \"\(f)\"")
        }
        self.flavour = flavour
        gfDim = try c.int("arch.gf")
        dfDim = try c.int("arch.df")
        zDim = try c.int("arch.z")
        conditionDim = try c.int("arch.condition")
        textDim = try c.int("arch.text")
        textStandardize = try c.bool("arch.text_standardize")
        rNum = try c.int("arch.residual")
        stage1Checkpoint = try c.string("arch.stage1_checkpoint")
        let bn = try c.string("arch.stage1_bn")
        guard let stage1BN = StackGANv1Stage1BN(rawValue: bn) else {
            throw ZooError.invalidArgument(op: "stackgan-v1", message: "arch.stage1_bn must be \"train\" or \"eval\", got \"\(bn)\"")
        }
        self.stage1BN = stage1BN
        klCoeff = try c.float("loss.kl")
        lrG = try c.float("train.lr_g")
        lrD = try c.float("train.lr_d")
        beta1 = try c.float("train.beta1")
        beta2 = try c.float("train.beta2")
        lrDecayEpochs = try c.int("train.lr_decay_epochs")
        try c.checkTrainingKnobs(minimumBatch: 2, why: " (the wrong pairs shift the batch by one, and batch norm needs batch statistics)")
        try validate()
    }
}
