// StackGAN-v2's networks as size plans (parameters, activations) from the config alone, checked before building.
import ZooCore

extension StackGANv2Config {
    /// The size keys a config may set (their ranges in `validate`; `checkMemory` names the culprit among them).
    static let sizeKeys = ["arch.gf", "arch.df", "arch.z", "arch.condition", "arch.text", "arch.residual", "arch.branches", "train.batch"]

    /// G_NET with the default blocks, as `GNet.init` builds it (a filled block slot is sized as the default).
    var generatorPlan: NetworkPlan {
        var p = NetworkPlan()
        let gf = gfDim, ef = efDim
        if conditional { p.linear(textDim, 4 * embeddingDim, bias: true) }                  // ca_net.fc, then GLU
        // h_net1: FC → BN1d → GLU → (16·gf, 4, 4), then four up blocks halving the channels.
        let ngf = 16 * gf
        p.linear(zDim + (conditional ? embeddingDim : 0), ngf * 32, bias: false)
        p.batchNorm(ngf * 32, size: 1)
        var c = ngf, size = 4
        for _ in 1...4 {
            up(&p, c, c / 2, to: 2 * size)
            c /= 2
            size *= 2
        }
        p.conv(gf, 3, kernel: 3, size: 64)                                                   // img_net1
        // h_net2, h_net3: join [c; h] → residual units → up block; then the image head.
        for (i, ngf) in [gf, gf / 2].enumerated() where i + 2 <= branchNum {
            let s = 64 << i
            p.activation(ef + ngf, size: s)                                                  // replicate + concat
            p.conv(ngf + ef, 2 * ngf, kernel: 3, size: s)
            p.batchNorm(2 * ngf, size: s)
            for _ in 0..<rNum {
                p.conv(ngf, 2 * ngf, kernel: 3, size: s)
                p.batchNorm(2 * ngf, size: s)
                p.conv(ngf, ngf, kernel: 3, size: s)
                p.batchNorm(ngf, size: s)
            }
            up(&p, ngf, ngf / 2, to: 2 * s)
            p.conv(ngf / 2, 3, kernel: 3, size: 2 * s)
        }
        return p
    }

    /// upBlock(in, out): nearest ×2, conv3×3 (in → 2·out), BN, GLU.
    private func up(_ p: inout NetworkPlan, _ cin: Int, _ cout: Int, to size: Int) {
        p.activation(cin, size: size)
        p.conv(cin, 2 * cout, kernel: 3, size: size)
        p.batchNorm(2 * cout, size: size)
    }

    /// D_NET<size> with the default blocks, as `V2Discriminator.init` builds it.
    func discriminatorPlan(size: Int) -> NetworkPlan {
        var p = NetworkPlan()
        let d = dfDim
        p.conv(3, d, kernel: 4, size: size / 2)
        for (i, (cin, cout)) in [(d, 2 * d), (2 * d, 4 * d), (4 * d, 8 * d)].enumerated() {
            p.conv(cin, cout, kernel: 4, size: size >> (i + 2))
            p.batchNorm(cout, size: size >> (i + 2))
        }
        func down(_ cin: Int, _ cout: Int, _ s: Int) { p.conv(cin, cout, kernel: 4, size: s); p.batchNorm(cout, size: s) }
        func leaky3(_ cin: Int, _ cout: Int) { p.conv(cin, cout, kernel: 3, size: 4); p.batchNorm(cout, size: 4) }
        switch size {
        case 128: down(8 * d, 16 * d, 4); leaky3(16 * d, 8 * d)
        case 256: down(8 * d, 16 * d, 8); down(16 * d, 32 * d, 4); leaky3(32 * d, 16 * d); leaky3(16 * d, 8 * d)
        default: break
        }
        p.conv(8 * d, 1, kernel: 4, bias: true, size: 1)                                      // logits
        if conditional {
            p.activation(8 * d + embeddingDim, size: 4)
            leaky3(8 * d + embeddingDim, 8 * d)                                              // jointConv
            p.conv(8 * d, 1, kernel: 4, bias: true, size: 1)                                  // uncond_logits
        }
        return p
    }

    /// One training step's footprint at `batch`: G with its EMA copy (one forward, kept through the
    /// D steps and its own step), each D run on real, wrong (conditional) and fake images, then on G's.
    func trainingFootprint(batch: Int) -> TrainingFootprint {
        var f = TrainingFootprint()
        f.add(generatorPlan, batch: batch, passes: 1, copies: 1)
        for s in imageSizes { f.add(discriminatorPlan(size: s), batch: batch, passes: conditional ? 4 : 3) }
        return f
    }

    /// Throws when training this config would not fit in memory, naming the key responsible (see
    /// `ModelConfig.checkTrainingMemory`); `c` holds the values `self` was read from.
    static func checkMemory(_ c: ModelConfig) throws {
        try c.checkTrainingMemory(keys: sizeKeys) { c in
            try StackGANv2Config(c).trainingFootprint(batch: max(1, try c.int("train.batch")))
        }
    }
}
