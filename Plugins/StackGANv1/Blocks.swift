// StackGAN-v1 building blocks (SPEC §2), named as the official PyTorch code so state-dict keys match.
import ZooCore

func conv1x1(_ cin: Int, _ cout: Int) throws -> Conv2d { try Conv2d(cin, cout, kernelSize: 1, stride: 1, padding: 0, bias: false) }
func conv3x3(_ cin: Int, _ cout: Int) throws -> Conv2d { try Conv2d(cin, cout, kernelSize: 3, stride: 1, padding: 1, bias: false) }
func conv4x4s2(_ cin: Int, _ cout: Int) throws -> Conv2d { try Conv2d(cin, cout, kernelSize: 4, stride: 2, padding: 1, bias: false) }

/// The 4×4 stride-4 logit conv; biased in the PyTorch discriminators, unbiased in TF.
func logitConv(_ cin: Int, bias: Bool) throws -> Conv2d { try Conv2d(cin, 1, kernelSize: 4, stride: 4, padding: 0, bias: bias) }

/// PT-v1 upBlock: nearest ×2 → conv3×3 → BN → ReLU. Keys .1.weight, .2.*.
func upBlock(_ cin: Int, _ cout: Int) throws -> Sequential {
    try Sequential(Upsample(scaleFactor: 2), conv3x3(cin, cout), BatchNorm2d(cout), ReLU())
}

/// ReLU(x + BN(conv3×3(ReLU(BN(conv3×3(x)))))): the Stage-II residual block (both flavours).
/// Keys .block.0.weight, .block.1.*, .block.3.weight, .block.4.*.
final class ResBlock: Module {
    init(_ c: Int) throws {
        super.init()
        register(module: try Sequential(conv3x3(c, c), BatchNorm2d(c), ReLU(), conv3x3(c, c), BatchNorm2d(c)), named: "block")
        register(module: ReLU(), named: "relu")
    }
    override var typeName: String { "ResBlock" }
    override func forward(_ x: Variable) throws -> Variable { try child("relu")!(x + child("block")!(x)) }
}

/// TF-v1 bottleneck residual unit: act(x + BN(conv3×3(act(BN(conv3×3(act(BN(conv1×1(x)))))))))
/// with the middle width `mid`; act = ReLU in the generator, LReLU(0.2) in the discriminators.
/// Keys .block.0/3/6.weight (convs), .block.1/4/7.* (BN).
final class BottleneckBlock: Module {
    init(_ c: Int, mid: Int, leaky: Bool) throws {
        super.init()
        let act = { () -> Module in leaky ? LeakyReLU(0.2) : ReLU() }
        register(module: try Sequential(conv1x1(c, mid), BatchNorm2d(mid), act(), conv3x3(mid, mid), BatchNorm2d(mid), act(),
                                    conv3x3(mid, c), BatchNorm2d(c)), named: "block")
        register(module: act(), named: "relu")
    }
    override var typeName: String { "BottleneckBlock" }
    override func forward(_ x: Variable) throws -> Variable { try child("relu")!(x + child("block")!(x)) }
}

extension RandomGenerator {
    /// A normal draw with |x| ≤ 2 (rejection sampling; TF's `truncated_normal`).
    mutating func truncatedNormal() -> Float {
        while true {
            let (a, b) = nextNormalPair()
            if abs(a) <= 2 { return Float(a) }
            if abs(b) <= 2 { return Float(b) }
        }
    }
}

extension Tensor {
    /// TF's truncated normal: N(0, std²) draws outside ±2·std are redrawn.
    static func truncatedNormal(_ shape: [Int], std: Float = 1, generator: inout RandomGenerator) throws -> Tensor {
        var t = try Tensor(zeros: shape)
        try t.withUnsafeMutableBufferPointer { buf in
            for i in 0..<buf.count { buf[i] = generator.truncatedNormal() * std }
        }
        return t
    }
}

/// The official initialisation, children first (as `Module.apply`):
/// PT-v1 `weights_init`: conv and linear weights N(0, 0.02), linear bias 0, BN γ ~ N(1, 0.02), β 0;
/// the logit conv's bias keeps PyTorch's default. TF-v1: conv weights truncated N(0, 0.02),
/// FC weights N(0, 0.02) with bias 0, the same BN init.
func initializeV1(_ net: Module, flavour: StackGANv1Flavour, generator: inout RandomGenerator) throws {
    try net.apply { m in
        if let c = m as? Conv2d {
            if flavour == .tensorflow {
                c.weight.value = try Tensor.truncatedNormal(c.weight.shape, std: 0.02, generator: &generator)
            } else {
                try Init.normal(c.weight, std: 0.02, generator: &generator)
            }
        } else if let bn = m as? BatchNorm {
            try Init.stackganBatchNorm(bn, generator: &generator)
        } else if let l = m as? Linear {
            try Init.normal(l.weight, std: 0.02, generator: &generator)
            if let b = l.bias { try Init.constant(b, 0) }
        }
    }
}
