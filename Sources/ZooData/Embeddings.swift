// Caption embeddings: the [N, K, D] array of a dataset and the per-step caption selection.
import ZooCore

/// `[N, K, D]` caption embeddings (N images, K captions each, D values per caption), as Float32.
public struct EmbeddingTable: Sendable {
    /// The file they came from (for messages).
    public let file: String
    /// The file's element type ("F16", "F32").
    public let storedType: String
    public let count: Int, captions: Int, dimension: Int
    /// Row-major `[N, K, D]`.
    let values: [Float]

    init(file: String, storedType: String, count: Int, captions: Int, dimension: Int, values: [Float]) {
        self.file = file
        self.storedType = storedType
        self.count = count
        self.captions = captions
        self.dimension = dimension
        self.values = values
    }

    /// Reads an `.npy` of float16 or float32 `[N, K, D]`; throws a `DataProblem` naming the file.
    static func read(path: String) throws -> EmbeddingTable {
        let t: SafeTensor
        do { t = try NPY.read(path: path) } catch {
            throw DataProblem(file: path, reason: "cannot read the embeddings: \(error)")
        }
        guard t.dtype == .f16 || t.dtype == .f32 else {
            throw DataProblem(file: path, reason: "embeddings must be float16 or float32, found \(t.dtype.rawValue)")
        }
        guard t.shape.count == 3, t.shape[1] >= 1, t.shape[2] >= 1 else {
            throw DataProblem(file: path, reason: "embeddings must be [images, captions, dimension], found \(shapeString(t.shape))")
        }
        let values = try t.floats().scalars
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let per = t.shape[1] * t.shape[2]
            throw DataProblem(file: path, reason: "embeddings hold a non-finite value (\(values[bad])) at image row \(bad / per), caption \(bad % per / t.shape[2])")
        }
        return EmbeddingTable(file: path, storedType: t.dtype.rawValue.uppercased(), count: t.shape[0], captions: t.shape[1],
                              dimension: t.shape[2], values: values)
    }

    /// Per-dimension mean and standard deviation (population) over every caption of `rows`,
    /// summed in Double. Each std is floored at a tenth of the dimensions' mean std (and 1e-6): a
    /// dimension that barely varies in the data carries no text, and dividing by its tiny spread
    /// would blow up any other embedding (the emoji set's MiniLM vectors have one dimension whose
    /// float16 values never change; standardised by its std, random text gave the CA an infinite σ).
    public func statistics(rows: [Int]) -> (mean: [Float], std: [Float]) {
        var sum = [Double](repeating: 0, count: dimension), square = sum
        values.withUnsafeBufferPointer { v in
            for r in rows {
                for k in 0..<captions {
                    let base = (r * captions + k) * dimension
                    for j in 0..<dimension {
                        let x = Double(v[base + j])
                        sum[j] += x
                        square[j] += x * x
                    }
                }
            }
        }
        let n = Double(max(1, rows.count * captions))
        let mean = sum.map { $0 / n }
        let raw = zip(square, mean).map { max($0 / n - $1 * $1, 0).squareRoot() }
        let floor = max(0.1 * raw.reduce(0, +) / Double(max(1, raw.count)), 1e-6)
        return (mean.map(Float.init), raw.map { Float(max($0, floor)) })
    }

    /// The shape as text: `[3711, 5, 384]`.
    public var shapeText: String { shapeString([count, captions, dimension]) }

    /// Writes the mean of captions `picked` of `row` into `out[0..<dimension]` (one caption: a copy).
    func write(row: Int, picked: [Int], into out: UnsafeMutablePointer<Float>) {
        let base = row * captions * dimension
        values.withUnsafeBufferPointer { v in
            for j in 0..<dimension { out[j] = v[base + picked[0] * dimension + j] }
            guard picked.count > 1 else { return }
            for p in picked.dropFirst() {
                for j in 0..<dimension { out[j] += v[base + p * dimension + j] }
            }
            let scale = 1 / Float(picked.count)
            for j in 0..<dimension { out[j] *= scale }
        }
    }
}

extension DataProblem: Error {}

/// Which captions of an image a step uses: `n` distinct ones of `k`, uniformly at random (PT-v2:
/// n = 1, `randint(0, K-1)`; TF-v1: n = 4 without replacement, averaged).
func pickCaptions(_ n: Int, of k: Int, _ rng: inout RandomGenerator) -> [Int] {
    if n == 1 { return [rng.nextInt(below: k)] }
    var pool = Array(0..<k)
    for i in 0..<n { pool.swapAt(i, i + rng.nextInt(below: k - i)) }  // partial Fisher–Yates
    return Array(pool[0..<n])
}
