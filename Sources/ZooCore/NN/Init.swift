// Weight initialisers: normal, orthogonal (as torch.nn.init.orthogonal_), PyTorch defaults, StackGAN's BN init.

public enum Init {
    /// While true, every initialiser leaves its tensor zero and draws nothing: networks built for
    /// their structure alone (parameter counts, `describe`, FLOP counts) skip the random fills.
    nonisolated(unsafe) public static var structureOnly = false

    /// Runs `body` (which builds networks) with `structureOnly` set; restores it afterwards.
    public static func withStructureOnly<T>(_ body: () throws -> T) rethrows -> T {
        let previous = structureOnly
        structureOnly = true
        defer { structureOnly = previous }
        return try body()
    }

    /// Fills `v` with N(mean, std²) draws.
    public static func normal(_ v: Variable, mean: Float = 0, std: Float, generator: inout RandomGenerator) throws {
        if structureOnly { return }
        v.value = try Tensor.randn(v.shape, mean: mean, std: std, generator: &generator)
    }

    public static func normal(_ v: Variable, mean: Float = 0, std: Float) throws {
        try normal(v, mean: mean, std: std, generator: &GlobalRandom.generator)
    }

    public static func constant(_ v: Variable, _ value: Float) throws { v.value = try Tensor(shape: v.shape, repeating: value) }

    public static func uniform(_ v: Variable, low: Float, high: Float, generator: inout RandomGenerator) throws {
        if structureOnly { return }
        v.value = try Tensor.uniform(v.shape, low: low, high: high, generator: &generator)
    }

    /// Orthogonal init as torch.nn.init.orthogonal_: the weight viewed as rows = dim 0,
    /// cols = the rest; a standard-normal matrix (transposed when rows < cols) is QR-factorised,
    /// Q's columns are multiplied by sign(diag(R)), transposed back, and scaled by `gain`.
    public static func orthogonal(_ v: Variable, gain: Float = 1, generator: inout RandomGenerator) throws {
        guard v.shape.count >= 2 else {
            throw ZooError.invalidArgument(op: "orthogonal", message: "needs a tensor with at least 2 dimensions, got \(shapeString(v.shape))")
        }
        let rows = v.shape[0], cols = v.value.count / max(rows, 1)
        if rows == 0 || cols == 0 || structureOnly { return }
        let flat = try Tensor.randn([rows, cols], generator: &generator)
        // Work on the tall orientation m × n (m ≥ n), stored column-major for LAPACK.
        let tall = rows >= cols
        let m = tall ? rows : cols, n = tall ? cols : rows
        // The Double matrix and LAPACK's work space (about as large) are Swift arrays.
        try MemoryGate.check(bytes: 2 * 8 * Double(m) * Double(n), for: "orthogonal init of \(shapeString(v.shape))")
        var a = [Double](repeating: 0, count: m * n)
        for r in 0..<rows {
            for c in 0..<cols {
                let x = Double(flat[flat: r * cols + c])
                // tall: A = flat (m=rows, n=cols), column-major index c*m + r; else A = flatᵀ.
                if tall { a[c * m + r] = x } else { a[r * m + c] = x }
            }
        }
        guard orthonormalColumns(&a, m: m, n: n) else {
            throw ZooError.numeric(message: "orthogonal init: QR factorisation failed for \(shapeString(v.shape))")
        }
        let out = try Tensor(uninitialized: v.shape)
        for r in 0..<rows {
            for c in 0..<cols {
                let q = tall ? a[c * m + r] : a[r * m + c]
                out.ptr[r * cols + c] = Float(q) * gain
            }
        }
        v.value = out
    }

    public static func orthogonal(_ v: Variable, gain: Float = 1) throws {
        try orthogonal(v, gain: gain, generator: &GlobalRandom.generator)
    }

    /// StackGAN's batch-norm init: γ ~ N(1, 0.02), β = 0.
    public static func stackganBatchNorm(_ bn: BatchNorm, generator: inout RandomGenerator) throws {
        if let w = bn.weight { try normal(w, mean: 1, std: 0.02, generator: &generator) }
        if let b = bn.bias { try constant(b, 0) }
    }

    /// A layer's default weight or bias, U(low, high) from the global generator (zeros while
    /// `structureOnly`).
    public static func layerDefault(_ shape: [Int], low: Float, high: Float) throws -> Tensor {
        try structureOnly ? Tensor(shape: shape, repeating: 0) : Tensor.uniform(shape, low: low, high: high)
    }

    /// PyTorch's default (kaiming-uniform, a = √5) for a weight and its bias:
    /// both ~ U(−1/√fan_in, 1/√fan_in), fan_in = size of dims 1... of the weight.
    public static func pytorchDefault(weight: Variable, bias: Variable?, generator: inout RandomGenerator) throws {
        let fanIn = weight.value.count / max(weight.shape[0], 1)
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        try uniform(weight, low: -bound, high: bound, generator: &generator)
        if let bias { try uniform(bias, low: -bound, high: bound, generator: &generator) }
    }
}
