// Captions of a dataset (every split) and their precomputed embeddings, looked up by text.
import ZooCore

/// Every caption of a dataset's images, with its row of the dataset's embedding table (the one
/// its config names with `data.embeddings`, else its only one), for `stackzoo sample --captions`.
public struct CaptionIndex {
    /// The embeddings file the rows come from.
    public let file: String
    /// The embedding size D.
    public let dimension: Int
    /// Every distinct caption, in dataset order.
    public let captions: [String]
    private let table: EmbeddingTable
    private let position: [String: (row: Int, caption: Int)]

    /// Reads the dataset of `config` (all of its splits; images are not opened). Throws a
    /// `DataProblem` when it has no usable embeddings.
    public init(_ config: DataConfig) throws {
        var all = config
        all.split = "all"
        let index = DataIndex.load(all, loadSize: 64)
        if let first = index.fatal.first { throw first }
        guard let table = index.embeddings else {
            throw DataProblem(file: config.root, reason: "the dataset has no caption embeddings")
        }
        var position: [String: (row: Int, caption: Int)] = [:]
        var captions: [String] = []
        for s in index.samples where s.row >= 0 {
            for (k, c) in s.captions.enumerated() where position[c] == nil {
                position[c] = (s.row, k)
                captions.append(c)
            }
        }
        self.file = table.file
        self.dimension = table.dimension
        self.captions = captions
        self.table = table
        self.position = position
    }

    /// The embedding of `caption` (its first occurrence), or nil when no image has that caption.
    public func embedding(_ caption: String) -> [Float]? {
        guard let at = position[caption] else { return nil }
        var out = [Float](repeating: 0, count: dimension)
        out.withUnsafeMutableBufferPointer { table.write(row: at.row, picked: [at.caption], into: $0.baseAddress!) }
        return out
    }
}
