// StackGAN-v2 building blocks (SPEC §3.1), named as the official code so state-dict keys match.
import ZooCore

func conv3x3(_ cin: Int, _ cout: Int) throws -> Conv2d { try Conv2d(cin, cout, kernelSize: 3, stride: 1, padding: 1, bias: false) }
func conv4x4s2(_ cin: Int, _ cout: Int) throws -> Conv2d { try Conv2d(cin, cout, kernelSize: 4, stride: 2, padding: 1, bias: false) }

/// A slot's replacement, or the default block.
func slot(_ builder: BlockBuilder?, _ sizes: [Int], _ name: String, _ fallback: () throws -> Module) throws -> Module {
    guard let builder else { return try fallback() }
    do { return try builder(sizes) } catch let e as ZooError { throw e.prefixed("block slot \(name)\(sizes)") }
}

/// upBlock: nearest ×2 → conv3×3(in → 2·out) → BN → GLU. Keys .1.weight, .2.*.
func upBlock(_ cin: Int, _ cout: Int) throws -> Module {
    Sequential(Upsample(scaleFactor: 2), try conv3x3(cin, 2 * cout), try BatchNorm2d(2 * cout), GLU())
}

/// joinBlock (official Block3x3_relu, a GLU block): conv3×3(in → 2·out) → BN → GLU.
func joinBlock(_ cin: Int, _ cout: Int) throws -> Module {
    Sequential(try conv3x3(cin, 2 * cout), try BatchNorm2d(2 * cout), GLU())
}

/// x + BN(conv3×3(GLU(BN(conv3×3(x → 2c))))), no activation after the sum. Key .block.*.
final class ResBlock: Module {
    init(_ c: Int) throws {
        super.init()
        register(module: Sequential(try conv3x3(c, 2 * c), try BatchNorm2d(2 * c), GLU(), try conv3x3(c, c), try BatchNorm2d(c)), named: "block")
    }
    override func forward(_ x: Variable) throws -> Variable { try x + child("block")!(x) }
}

/// downBlock: conv4×4/2/1 → BN → LReLU(0.2).
func downBlock(_ cin: Int, _ cout: Int) throws -> Module {
    Sequential(try conv4x4s2(cin, cout), try BatchNorm2d(cout), LeakyReLU(0.2))
}

/// Block3x3_leakRelu: conv3×3 → BN → LReLU(0.2).
func conv3LeakyBlock(_ cin: Int, _ cout: Int) throws -> Module {
    Sequential(try conv3x3(cin, cout), try BatchNorm2d(cout), LeakyReLU(0.2))
}

/// The logit conv: 4×4 stride 4 with bias (the only biased conv).
func logitConv(_ cin: Int) throws -> Module { try Conv2d(cin, 1, kernelSize: 4, stride: 4, padding: 0, bias: true) }

/// PT-v2 init (`weights_init`): conv and linear weights orthogonal (gain 1), linear bias 0,
/// BN γ ~ N(1, 0.02), β = 0; the logit conv's bias keeps PyTorch's default. Applied children first.
func initializeV2(_ net: Module, generator: inout RandomGenerator) throws {
    try net.apply { m in
        if let c = m as? Conv2d { try Init.orthogonal(c.weight, gain: 1, generator: &generator) }
        else if let bn = m as? BatchNorm { try Init.stackganBatchNorm(bn, generator: &generator) }
        else if let l = m as? Linear {
            try Init.orthogonal(l.weight, gain: 1, generator: &generator)
            if let b = l.bias { try Init.constant(b, 0) }
        }
    }
}
