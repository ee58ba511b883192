// Module: the base of every layer and network — named parameters, buffers and children, train/eval, printing.

/// A non-trainable tensor a module keeps in its state dict (running statistics, counters).
public final class Buffer {
    public var value: Tensor
    /// Stored as I64 in safetensors (PyTorch's `num_batches_tracked`).
    public let isInteger: Bool
    public init(_ value: Tensor, isInteger: Bool = false) {
        self.value = value
        self.isInteger = isInteger
    }
}

/// The base class of layers and networks, after torch.nn.Module.
///
/// Parameters, buffers and children are registered by name in construction order, so
/// `namedParameters()` yields PyTorch `state_dict` keys (`h_net1.fc.0.weight`) in PyTorch's order.
open class Module: CustomStringConvertible {
    public private(set) var parameterSlots: [(name: String, value: Variable?)] = []
    public private(set) var bufferSlots: [(name: String, value: Buffer)] = []
    public private(set) var childSlots: [(name: String, module: Module)] = []
    /// True in training mode (batch-norm uses batch statistics); see `train()` / `eval()`.
    public private(set) var isTraining = true

    public init() {}

    // MARK: - Registration

    /// Registers (or replaces) a parameter under `name`; nil keeps the slot empty (e.g. `bias=False`).
    public func register(parameter: Variable?, named name: String) {
        parameter?.requiresGrad = true
        if parameter?.name.isEmpty == true { parameter?.name = name }
        if let i = parameterSlots.firstIndex(where: { $0.name == name }) { parameterSlots[i].value = parameter }
        else { parameterSlots.append((name, parameter)) }
    }

    public func register(buffer: Buffer, named name: String) {
        if let i = bufferSlots.firstIndex(where: { $0.name == name }) { bufferSlots[i].value = buffer }
        else { bufferSlots.append((name, buffer)) }
    }

    /// Registers (or replaces, keeping its position) a child module under `name`.
    @discardableResult
    public func register<M: Module>(module: M, named name: String) -> M {
        if let i = childSlots.firstIndex(where: { $0.name == name }) { childSlots[i].module = module }
        else { childSlots.append((name, module)) }
        if !isTraining { module.eval() }
        return module
    }

    public func child(_ name: String) -> Module? { childSlots.first { $0.name == name }?.module }
    public func parameter(_ name: String) -> Variable? { parameterSlots.first { $0.name == name }?.value ?? nil }
    public func buffer(_ name: String) -> Buffer? { bufferSlots.first { $0.name == name }?.value }

    // MARK: - Forward

    /// The computation of this module. Subclasses override it.
    open func forward(_ x: Variable) throws -> Variable {
        throw ZooError.unsupported("\(typeName) has no single-input forward")
    }

    public func callAsFunction(_ x: Variable) throws -> Variable { try forward(x) }

    // MARK: - Traversal

    /// Every parameter with its dotted name, depth first in registration order.
    public func namedParameters(prefix: String = "") -> [(String, Variable)] {
        var out: [(String, Variable)] = []
        for (n, p) in parameterSlots { if let p { out.append((prefix + n, p)) } }
        for (n, m) in childSlots { out += m.namedParameters(prefix: prefix + n + ".") }
        return out
    }

    /// Every buffer with its dotted name.
    public func namedBuffers(prefix: String = "") -> [(String, Buffer)] {
        var out: [(String, Buffer)] = []
        for (n, b) in bufferSlots { out.append((prefix + n, b)) }
        for (n, m) in childSlots { out += m.namedBuffers(prefix: prefix + n + ".") }
        return out
    }

    /// Every submodule (self first) with its dotted path ("" for self).
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var out: [(String, Module)] = [(prefix, self)]
        for (n, m) in childSlots { out += m.namedModules(prefix: prefix.isEmpty ? n : prefix + "." + n) }
        return out
    }

    public func parameters() -> [Variable] { namedParameters().map(\.1) }

    /// True once `releaseWeights` has emptied this module's parameters and buffers.
    public private(set) var weightsReleased = false

    /// Replaces every parameter and buffer with an empty tensor, freeing their memory (a network a
    /// sampling-only model does not need); the module can no longer run.
    public func releaseWeights() throws {
        let empty = try Tensor(zeros: [0])
        for (_, p) in namedParameters() { p.value = empty; p.grad = nil }
        for (_, b) in namedBuffers() { b.value = empty }
        weightsReleased = true
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.value.count } }

    /// Applies `fn` to every module, children first, then self (as torch's `Module.apply`).
    public func apply(_ fn: (Module) throws -> Void) rethrows {
        for (_, m) in childSlots { try m.apply(fn) }
        try fn(self)
    }

    // MARK: - Modes and gradients

    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, m) in childSlots { m.train(on) }
    }

    public func eval() { train(false) }

    public func zeroGrad() { for p in parameters() { p.grad = nil } }

    /// Freezes or unfreezes every parameter (requiresGrad).
    public func requiresGrad(_ on: Bool) { for p in parameters() { p.requiresGrad = on } }

    // MARK: - Printing

    /// Type name shown in the printed tree.
    open var typeName: String { String(describing: type(of: self)) }
    /// Constructor arguments shown in the printed tree, e.g. `64, 128, kernel_size=3`.
    open var extraDescription: String { "" }

    /// The module tree, formatted as PyTorch prints it.
    public var description: String {
        if childSlots.isEmpty { return "\(typeName)(\(extraDescription))" }
        var lines = ["\(typeName)(" + extraDescription]
        if !extraDescription.isEmpty { lines[0] += "," }
        for (n, m) in childSlots {
            let sub = m.description.split(separator: "\n", omittingEmptySubsequences: false)
            lines.append("  (\(n)): " + sub[0])
            for l in sub.dropFirst() { lines.append("  " + l) }
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }
}

/// A module made of modules applied in order; children are named "0", "1", ….
public final class Sequential: Module {
    public init(_ modules: [Module] = []) {
        super.init()
        for m in modules { add(m) }
    }

    public convenience init(_ modules: Module...) { self.init(modules) }

    /// Appends `module` (named by its index) and returns self, for chaining.
    @discardableResult
    public func add(_ module: Module) -> Sequential {
        register(module: module, named: String(childSlots.count))
        return self
    }

    public var count: Int { childSlots.count }
    public subscript(i: Int) -> Module { childSlots[i].module }

    /// Runs the children in order; a batch norm followed by ReLU, LeakyReLU or GLU runs as one
    /// fused op (same values, without keeping the normalised tensor).
    public override func forward(_ x: Variable) throws -> Variable {
        var h = x
        var k = 0
        while k < childSlots.count {
            let (name, m) = childSlots[k]
            if let bn = m as? BatchNorm, k + 1 < childSlots.count,
               let act = Sequential.fusable(childSlots[k + 1].module, after: h) {
                do { h = try bn.forward(h, activation: act) } catch let e as ZooError {
                    throw e.prefixed("(\(name)) \(m.typeName)")
                }
                k += 2
                continue
            }
            do { h = try m.forward(h) } catch let e as ZooError {
                throw e.prefixed("(\(name)) \(m.typeName)")
            }
            k += 1
        }
        return h
    }

    /// The fused form of activation module `m` on a batch norm's input `x`, if it has one (a GLU
    /// on an odd channel count runs on its own, so that its error names it).
    static func fusable(_ m: Module, after x: Variable) -> FusedActivation? {
        switch m {
        case is ReLU: return .relu
        case let l as LeakyReLU: return .leakyRelu(l.negativeSlope)
        case is GLU: return x.shape.count >= 2 && x.shape[1] % 2 == 0 ? .glu : nil
        default: return nil
        }
    }
}
