// Variable: a tensor in the autograd graph (value, gradient, and the op that produced it).

/// A node of the reverse-mode tape. Leaves are inputs and parameters; every op result records
/// its op and inputs when gradients are enabled and some input requires them.
public final class Variable {
    /// The current value. Optimisers update parameters in place through this property.
    public var value: Tensor { didSet { provenance = nil } }
    /// Accumulated gradient (leaves only; nil until a backward pass reaches this leaf).
    public var grad: Tensor?
    /// Whether gradients flow to this variable.
    public var requiresGrad: Bool
    /// Optional label used in messages and module printing.
    public var name: String

    /// The op and inputs that produced this variable; cleared once a backward pass has used them,
    /// so the graph's intermediate values are freed as the pass goes (as PyTorch frees saved
    /// tensors), and `graphReleased` is set.
    private(set) var record: OpRecord?
    private(set) var inputs: [Variable]
    private(set) var graphReleased = false

    /// How the value was assembled, when an op downstream can exploit it (not part of the graph;
    /// cleared when the value is replaced): a spatial replicate of `code`, or a channel concat of
    /// such a replicate and `rest` (the replicate first or last), which conv2d computes without
    /// convolving the constant planes.
    enum Provenance {
        case replicated(code: Variable)
        case joinedWithReplicated(code: Variable, rest: Variable, codeFirst: Bool)
    }
    var provenance: Provenance?

    /// Drops the op record and the references to the inputs (after their gradients are computed).
    func releaseGraph() {
        guard record != nil else { return }
        record = nil
        inputs = []
        graphReleased = true
    }

    public init(_ value: Tensor, requiresGrad: Bool = false, name: String = "") {
        self.value = value
        self.requiresGrad = requiresGrad
        self.name = name
        record = nil
        inputs = []
    }

    init(result value: Tensor, record: OpRecord, inputs: [Variable]) {
        self.value = value
        requiresGrad = true
        name = ""
        self.record = record
        self.inputs = inputs
    }

    public var shape: [Int] { value.shape }
    public var isLeaf: Bool { record == nil && !graphReleased }
    /// The op that produced this variable (nil for leaves).
    public var op: Op? { record?.op }

    /// A new leaf sharing this value, cut from the graph.
    public func detach() -> Variable { Variable(value, requiresGrad: false, name: name) }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Builds an op result: records the op only when grad mode is on and an input needs gradients.
    @inline(__always)
    static func result(_ value: Tensor, _ inputs: [Variable], _ record: @autoclosure () -> OpRecord) -> Variable {
        if GradMode.isEnabled && inputs.contains(where: { $0.requiresGrad }) {
            return Variable(result: value, record: record(), inputs: inputs)
        }
        return Variable(value)
    }
}

/// Whether ops record the graph. `withNoGrad` turns recording off for a scope.
public enum GradMode {
    nonisolated(unsafe) public private(set) static var isEnabled = true

    /// Turns recording on or off (the Lua bridge's `set_grad_enabled`; prefer the scoped forms).
    public static func setEnabled(_ on: Bool) { isEnabled = on }

    /// Runs `body` with graph recording off (sampling, optimiser updates, EMA).
    public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
        let previous = isEnabled
        isEnabled = false
        defer { isEnabled = previous }
        return try body()
    }

    /// Runs `body` with graph recording on (inside a no-grad scope).
    public static func withGrad<R>(_ body: () throws -> R) rethrows -> R {
        let previous = isEnabled
        isEnabled = true
        defer { isEnabled = previous }
        return try body()
    }
}

/// Shorthand for `GradMode.withNoGrad`.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R { try GradMode.withNoGrad(body) }
