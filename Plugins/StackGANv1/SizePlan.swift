// StackGAN-v1's networks as size plans (parameters, activations) from the config alone, checked before building.
import ZooCore

extension StackGANv1Config {
    /// The size keys a config may set (their ranges in `validate`; `checkMemory` names the culprit among them).
    static let sizeKeys = ["arch.gf", "arch.df", "arch.z", "arch.condition", "arch.text", "arch.residual", "train.batch"]

    /// STAGE1_G as `Stage1G.init` builds it, for either flavour.
    var stage1Plan: NetworkPlan {
        var p = NetworkPlan()
        let gf = gfDim, ngf = 8 * gfDim
        p.linear(textDim, 2 * conditionDim, bias: true)                                     // ca_net.fc
        p.linear(zDim + conditionDim, ngf * 16, bias: flavour == .tensorflow)               // fc
        p.batchNorm(ngf * 16, size: 1)
        switch flavour {
        case .pytorch:
            for (i, c) in [ngf, ngf / 2, ngf / 4, ngf / 8].enumerated() { up(&p, c, c / 2, to: 8 << i) }
            p.conv(ngf / 16, 3, kernel: 3, size: 64)                                         // img
        case .tensorflow:
            bottleneck(&p, 8 * gf, mid: 2 * gf, size: 4)                                     // residual1
            up(&p, 8 * gf, 4 * gf, to: 8)                                                    // upsample1
            bottleneck(&p, 4 * gf, mid: gf, size: 8)                                         // residual2
            up(&p, 4 * gf, 2 * gf, to: 16)
            up(&p, 2 * gf, gf, to: 32)
            p.activation(gf, size: 64)
            p.conv(gf, 3, kernel: 3, size: 64)                                               // img
        }
        return p
    }

    /// STAGE2_G without its embedded STAGE1_G, as `Stage2G.init` builds it.
    var stage2Plan: NetworkPlan {
        var p = NetworkPlan()
        let gf = gfDim
        p.linear(textDim, 2 * conditionDim, bias: true)                                     // ca_net.fc
        p.conv(3, gf, kernel: 3, size: 64)                                                   // encoder
        p.conv(gf, 2 * gf, kernel: 4, size: 32)
        p.batchNorm(2 * gf, size: 32)
        p.conv(2 * gf, 4 * gf, kernel: 4, size: 16)
        p.batchNorm(4 * gf, size: 16)
        p.activation(conditionDim + 4 * gf, size: 16)                                        // [encoding; code]
        p.conv(conditionDim + 4 * gf, 4 * gf, kernel: 3, size: 16)                           // hr_joint
        p.batchNorm(4 * gf, size: 16)
        for _ in 0..<rNum {
            for _ in 0..<2 { p.conv(4 * gf, 4 * gf, kernel: 3, size: 16); p.batchNorm(4 * gf, size: 16) }
        }
        for (i, c) in [4 * gf, 2 * gf, gf, gf / 2].enumerated() { up(&p, c, c / 2, to: 32 << i) }
        p.conv(gf / 4, 3, kernel: 3, size: 256)                                              // img
        return p
    }

    /// upBlock(in, out): nearest ×2, conv3×3, BN (then ReLU).
    private func up(_ p: inout NetworkPlan, _ cin: Int, _ cout: Int, to size: Int) {
        p.activation(cin, size: size)
        p.conv(cin, cout, kernel: 3, size: size)
        p.batchNorm(cout, size: size)
    }

    /// BottleneckBlock(c, mid): conv1×1 (c → mid), conv3×3 (mid → mid), conv3×3 (mid → c), each with BN.
    private func bottleneck(_ p: inout NetworkPlan, _ c: Int, mid: Int, size: Int) {
        for (cin, cout, k) in [(c, mid, 1), (mid, mid, 3), (mid, c, 3)] {
            p.conv(cin, cout, kernel: k, size: size)
            p.batchNorm(cout, size: size)
        }
    }

    /// STAGE1_D or STAGE2_D with its heads, as `V1Discriminator.init` builds it.
    var discriminatorPlan: NetworkPlan {
        var p = NetworkPlan()
        let d = dfDim
        var size = imageSize / 2, ch = d
        p.conv(3, d, kernel: 4, size: size)
        for _ in 0..<(stage == 1 ? 3 : 5) {
            size /= 2
            p.conv(ch, 2 * ch, kernel: 4, size: size)
            p.batchNorm(2 * ch, size: size)
            ch *= 2
        }
        if stage == 2 {
            let k = flavour == .pytorch ? 3 : 1
            p.conv(32 * d, 16 * d, kernel: k, size: 4)
            p.batchNorm(16 * d, size: 4)
            p.conv(16 * d, 8 * d, kernel: k, size: 4)
            p.batchNorm(8 * d, size: 4)
        }
        if flavour == .tensorflow { bottleneck(&p, 8 * d, mid: 2 * d, size: 4) }
        // get_cond_logits: [code; condition] → conv → BN → logit conv (TF: its own text FC first).
        if flavour == .tensorflow { p.linear(textDim, conditionDim, bias: true) }
        p.activation(8 * d + conditionDim, size: 4)
        p.conv(8 * d + conditionDim, 8 * d, kernel: flavour == .pytorch ? 3 : 1, size: 4)
        p.batchNorm(8 * d, size: 4)
        p.conv(8 * d, 1, kernel: 4, bias: flavour == .pytorch, size: 1)
        if stage == 2 && flavour == .pytorch { p.conv(8 * d, 1, kernel: 4, bias: true, size: 1) }   // get_uncond_logits
        return p
    }

    /// One training step's footprint at `batch`: G once (Stage-II: with its frozen Stage-I run
    /// alongside), D on real, wrong and fake images, then on G's.
    func trainingFootprint(batch: Int) -> TrainingFootprint {
        var f = TrainingFootprint()
        if stage == 2 {
            f.add(stage1Plan, batch: batch, passes: 1, frozen: true)
            f.add(stage2Plan, batch: batch, passes: 1)
        } else {
            f.add(stage1Plan, batch: batch, passes: 1)
        }
        f.add(discriminatorPlan, batch: batch, passes: 4)
        return f
    }

    /// Throws when training this config would not fit in memory, naming the key responsible (see
    /// `ModelConfig.checkTrainingMemory`); `c` holds the values `self` was read from.
    static func checkMemory(_ c: ModelConfig) throws {
        try c.checkTrainingMemory(keys: sizeKeys) { c in
            try StackGANv1Config(c).trainingFootprint(batch: max(1, try c.int("train.batch")))
        }
    }
}
