// The standard layers: Linear, Conv2d, activations (GELU among them), GLU, nearest Upsample (PyTorch names and defaults).

/// y = x·Wᵀ + b. Shapes: (*, in) → (*, out). Parameters `weight` [out, in], `bias` [out].
public final class Linear: Module {
    public let inFeatures: Int, outFeatures: Int
    public var weight: Variable { parameter("weight")! }
    public var bias: Variable? { parameter("bias") }

    /// PyTorch's default init: weight and bias ~ U(−1/√in, 1/√in).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) throws {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        super.init()
        let bound = 1 / Float(max(inFeatures, 1)).squareRoot()
        try attributingMemory(to: "Linear(\(inFeatures), \(outFeatures)) weight [\(outFeatures), \(inFeatures)]") {
            register(parameter: Variable(try Init.layerDefault([outFeatures, inFeatures], low: -bound, high: bound)), named: "weight")
            register(parameter: bias ? Variable(try Init.layerDefault([outFeatures], low: -bound, high: bound)) : nil, named: "bias")
        }
    }

    public override func forward(_ x: Variable) throws -> Variable {
        try x.linear(weight: weight, bias: bias)
    }

    public override var extraDescription: String {
        "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias != nil ? "True" : "False")"
    }
}

/// 2-D convolution with zero padding. Shapes: (B, C, H, W) → (B, O, H', W').
/// Parameters `weight` [O, C, k, k], `bias` [O].
public final class Conv2d: Module {
    public let inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int
    public var weight: Variable { parameter("weight")! }
    public var bias: Variable? { parameter("bias") }

    /// PyTorch's default init: U(−1/√fan_in, 1/√fan_in), fan_in = C·k·k.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true) throws {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        super.init()
        let bound = 1 / Float(max(inChannels * kernelSize * kernelSize, 1)).squareRoot()
        let shape = [outChannels, inChannels, kernelSize, kernelSize]
        try attributingMemory(to: "Conv2d(\(inChannels), \(outChannels), kernel_size=\(kernelSize)) weight \(shapeString(shape))") {
            register(parameter: Variable(try Init.layerDefault(shape, low: -bound, high: bound)), named: "weight")
            register(parameter: bias ? Variable(try Init.layerDefault([outChannels], low: -bound, high: bound)) : nil, named: "bias")
        }
    }

    public override func forward(_ x: Variable) throws -> Variable {
        try x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
    }

    public override var extraDescription: String {
        "\(inChannels), \(outChannels), kernel_size=(\(kernelSize), \(kernelSize)), stride=(\(stride), \(stride))"
            + (padding > 0 ? ", padding=(\(padding), \(padding))" : "") + (bias == nil ? ", bias=False" : "")
    }
}

public final class ReLU: Module {
    public override init() { super.init() }
    public override func forward(_ x: Variable) throws -> Variable { try x.relu() }
}

public final class LeakyReLU: Module {
    public let negativeSlope: Float
    public init(_ negativeSlope: Float = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }
    public override func forward(_ x: Variable) throws -> Variable { try x.leakyRelu(negativeSlope) }
    public override var extraDescription: String { "negative_slope=\(negativeSlope)" }
}

public final class Sigmoid: Module {
    public override init() { super.init() }
    public override func forward(_ x: Variable) throws -> Variable { try x.sigmoid() }
}

public final class Tanh: Module {
    public override init() { super.init() }
    public override func forward(_ x: Variable) throws -> Variable { try x.tanh() }
}

/// Exact GELU, 0.5·x·(1 + erf(x/√2)) (PyTorch's `nn.GELU()`, approximate='none').
public final class GELU: Module {
    public override init() { super.init() }
    public override func forward(_ x: Variable) throws -> Variable { try x.gelu() }
    public override var extraDescription: String { "approximate='none'" }
}

/// Gated linear unit over the channel/feature axis. Shapes: (B, 2C, ...) → (B, C, ...).
public final class GLU: Module {
    public override init() { super.init() }
    public override func forward(_ x: Variable) throws -> Variable { try x.glu() }
}

/// Nearest-neighbour upsampling by an integer factor. Shapes: (B, C, H, W) → (B, C, sH, sW).
public final class Upsample: Module {
    public let scaleFactor: Int
    public init(scaleFactor: Int = 2) {
        self.scaleFactor = scaleFactor
        super.init()
    }
    public override func forward(_ x: Variable) throws -> Variable { try x.upsampleNearest(scale: scaleFactor) }
    public override var extraDescription: String { "scale_factor=\(Float(scaleFactor)), mode='nearest'" }
}
