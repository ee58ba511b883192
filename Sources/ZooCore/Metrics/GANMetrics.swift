// The standard GAN numbers from features: FID (Fréchet distance of Gaussians), KID (unbiased polynomial-kernel MMD over subsets), IS (exp of the mean KL over splits).
import Foundation

/// Mean [D] and covariance [D, D] (unbiased, N − 1, as numpy's `np.cov(rowvar=False)`) of
/// features [N, D], in Double: what FID compares, and what a dataset split's cache file holds.
public struct FeatureStatistics: Equatable {
    public var count: Int
    public var mean: [Double]
    /// Row-major [D, D].
    public var covariance: [Double]
    public var dimension: Int { mean.count }

    public init(count: Int, mean: [Double], covariance: [Double]) {
        self.count = count
        self.mean = mean
        self.covariance = covariance
    }

    public init(features: Tensor) throws {
        guard features.rank == 2, features.shape[0] >= 2 else {
            throw ZooError.shape(op: "feature statistics", message: "features must be [N ≥ 2, D], got \(shapeString(features.shape))")
        }
        let n = features.shape[0], d = features.shape[1]
        try MemoryGate.check(bytes: Double(d * d + n * d) * 8, for: "the covariance of \(shapeString(features.shape)) features")
        let x = features.scalars.map(Double.init)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += x[i * d + j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        var centred = x
        for i in 0..<n { for j in 0..<d { centred[i * d + j] -= mean[j] } }
        // C = Xcᵀ·Xc / (n − 1)
        var cov = dgemm(transA: true, m: d, n: d, k: n, centred, centred)
        for i in 0..<(d * d) { cov[i] /= Double(n - 1) }
        self.init(count: n, mean: mean, covariance: cov)
    }
}

public enum GANMetrics {
    /// Fréchet distance ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½. The trace of the square root is
    /// Σ √λ over the eigenvalues of Σ₁^½ Σ₂ Σ₁^½ (symmetric, the same spectrum as Σ₁Σ₂), which is
    /// what scipy's `sqrtm(Σ₁Σ₂)` gives up to rounding, without its complex-number detours.
    public static func fid(_ a: FeatureStatistics, _ b: FeatureStatistics) throws -> Double {
        guard a.dimension == b.dimension, a.dimension > 0 else {
            throw ZooError.shape(op: "fid", message: "features of \(a.dimension) and \(b.dimension) values")
        }
        let d = a.dimension
        var meanTerm = 0.0
        for j in 0..<d { meanTerm += (a.mean[j] - b.mean[j]) * (a.mean[j] - b.mean[j]) }
        var traceA = 0.0, traceB = 0.0
        for j in 0..<d { traceA += a.covariance[j * d + j]; traceB += b.covariance[j * d + j] }
        let rootA = try symmetricSquareRoot(a.covariance, d)
        let inner = symmetricProduct(rootA, b.covariance, rootA, d)
        var m = inner
        guard let eigen = symmetricEigen(&m, n: d) else { throw ZooError.numeric(message: "fid: the eigen-decomposition did not converge") }
        let traceRoot = eigen.reduce(0.0) { $0 + max($1, 0).squareRoot() }
        return meanTerm + traceA + traceB - 2 * traceRoot
    }

    /// V·diag(√max(λ, 0))·Vᵀ of a symmetric positive semi-definite matrix (row-major).
    static func symmetricSquareRoot(_ s: [Double], _ d: Int) throws -> [Double] {
        var v = s
        guard let w = symmetricEigen(&v, n: d) else { throw ZooError.numeric(message: "fid: the eigen-decomposition did not converge") }
        // Read row-major, v is Vᵀ (eigenvector k is row k); scaled is diag(√λ)·Vᵀ.
        var scaled = v
        for k in 0..<d {
            let r = max(w[k], 0).squareRoot()
            for i in 0..<d { scaled[k * d + i] *= r }
        }
        return dgemm(transA: true, m: d, n: d, k: d, scaled, v)  // (diag(√λ)·Vᵀ)ᵀ·Vᵀ = V·diag(√λ)·Vᵀ
    }

    /// A·B·C for d×d matrices (row-major).
    static func symmetricProduct(_ a: [Double], _ b: [Double], _ c: [Double], _ d: Int) -> [Double] {
        dgemm(m: d, n: d, k: d, dgemm(m: d, n: d, k: d, a, b), c)
    }

    /// KID as torch-fidelity computes it: over `subsets` draws of `subsetSize` rows (without
    /// replacement; at most each set's size) from each set, the unbiased MMD² with the kernel
    /// k(x, y) = (x·y / D + 1)³; returns the mean and the standard deviation (population, as numpy)
    /// over the subsets. Draws come from `seed` alone.
    public static func kid(_ a: Tensor, _ b: Tensor, subsets: Int = 100, subsetSize: Int = 1000, seed: UInt64 = 0) throws -> (mean: Double, std: Double) {
        guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[1] else {
            throw ZooError.shape(op: "kid", message: "features \(shapeString(a.shape)) and \(shapeString(b.shape))")
        }
        let m = min(subsetSize, a.shape[0], b.shape[0])
        guard m >= 2, subsets >= 1 else { throw ZooError.invalidArgument(op: "kid", message: "needs at least 2 features in each set and 1 subset") }
        let d = a.shape[1]
        let xa = a.scalars.map(Double.init), xb = b.scalars.map(Double.init)
        var rng = RandomGenerator(seed: seed)
        /// m rows drawn without replacement from x [n, d], as one [m, d] matrix.
        func draw(_ x: [Double], _ n: Int) -> [Double] {
            var idx = Array(0..<n)
            for i in 0..<m { idx.swapAt(i, i + rng.nextInt(below: n - i)) }
            return idx.prefix(m).flatMap { x[$0 * d..<($0 + 1) * d] }
        }
        /// Σ over the m×m kernel matrix (x·yᵀ/d + 1)³, and its trace: one GEMM for the dot products.
        func kernelSums(_ x: [Double], _ y: [Double]) -> (sum: Double, trace: Double) {
            let dots = dgemm(transB: true, m: m, n: m, k: d, x, y)
            var sum = 0.0, trace = 0.0
            for p in 0..<m {
                for q in 0..<m {
                    let v = dots[p * m + q] / Double(d) + 1
                    sum += v * v * v
                    if p == q { trace += v * v * v }
                }
            }
            return (sum, trace)
        }
        var values: [Double] = []
        for _ in 0..<subsets {
            let sa = draw(xa, a.shape[0]), sb = draw(xb, b.shape[0])
            let kaa = kernelSums(sa, sa), kbb = kernelSums(sb, sb), kab = kernelSums(sa, sb)
            let mm = Double(m)
            values.append((kaa.sum - kaa.trace) / (mm * (mm - 1)) + (kbb.sum - kbb.trace) / (mm * (mm - 1)) - 2 * kab.sum / (mm * mm))
        }
        return meanAndStd(values)
    }

    /// Inception Score of class probabilities [N, C] (rows sum to 1): over `splits` consecutive
    /// splits, exp(mean_i KL(p(y|xᵢ) ‖ p(y))); the mean and the population std over splits.
    public static func inceptionScore(_ probs: Tensor, splits: Int = 10) throws -> (mean: Double, std: Double) {
        guard probs.rank == 2, probs.shape[0] >= splits, splits >= 1 else {
            throw ZooError.shape(op: "inception score", message: "probabilities must be [N ≥ splits (\(splits)), C], got \(shapeString(probs.shape))")
        }
        let n = probs.shape[0], c = probs.shape[1]
        let p = probs.scalars.map(Double.init)
        var scores: [Double] = []
        for s in 0..<splits {
            let lo = s * n / splits, hi = (s + 1) * n / splits
            var marginal = [Double](repeating: 0, count: c)
            for i in lo..<hi { for j in 0..<c { marginal[j] += p[i * c + j] } }
            for j in 0..<c { marginal[j] /= Double(hi - lo) }
            var kl = 0.0
            for i in lo..<hi {
                for j in 0..<c where p[i * c + j] > 0 { kl += p[i * c + j] * (Foundation.log(p[i * c + j]) - Foundation.log(marginal[j])) }
            }
            scores.append(Foundation.exp(kl / Double(hi - lo)))
        }
        return meanAndStd(scores)
    }

    static func meanAndStd(_ v: [Double]) -> (mean: Double, std: Double) {
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)
        return (mean, variance.squareRoot())
    }
}
