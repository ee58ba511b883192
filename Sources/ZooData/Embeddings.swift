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
        return EmbeddingTable(file: path, storedType: t.dtype.rawValue.uppercased(), count: t.shape[0], captions: t.shape[1],
                              dimension: t.shape[2], values: try t.floats().scalars)
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
