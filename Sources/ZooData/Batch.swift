// A batch: named tensors (real.<s>, wrong.<s>, text) plus the ids, captions and classes behind them.
import ZooCore

/// One batch of a dataset.
///
/// `tensors` holds exactly what a train step takes: `real.<s>` `[B, 3, s, s]` for every branch
/// size s, and for text-conditioned datasets `wrong.<s>` `[B, 3, s, s]` (mismatched images,
/// augmented like the real ones) and `text` `[B, D]` (the selected caption embedding of each image).
public struct Batch {
    /// Where it is in the iteration: its epoch and index in that epoch (both from 0).
    public var epoch: Int
    public var index: Int
    public var tensors: [String: Tensor]
    /// Per image: dataset id, dataset position (index into `Dataset.samples`), class id.
    public var ids: [String]
    public var indices: [Int]
    public var classIds: [Int]
    /// Per image: the selected caption (captions joined by " | " when several are averaged),
    /// and the indices (0-based) of the captions whose embeddings make `text`.
    public var captions: [String]
    public var captionIndices: [[Int]]
    /// Per image: the dataset position of its wrong image (empty without wrong images).
    public var wrongIndices: [Int]

    public var size: Int { ids.count }

    /// `real.<s>` `[B, 3, s, s]`.
    public func real(_ s: Int) -> Tensor? { tensors["real.\(s)"] }
    /// `wrong.<s>` `[B, 3, s, s]`.
    public func wrong(_ s: Int) -> Tensor? { tensors["wrong.\(s)"] }
    /// `text` `[B, D]`.
    public var text: Tensor? { tensors["text"] }
}

/// Where an iteration stands: the next batch to deliver is batch `batch` of epoch `epoch` of the
/// order drawn from `seed`. `count` (usable images) and `batchSize` guard against restoring it
/// on a different dataset or batch size.
public struct DataPosition: Equatable, Sendable {
    public var seed: UInt64
    public var epoch: Int
    public var batch: Int
    public var count: Int
    public var batchSize: Int

    public init(seed: UInt64, epoch: Int, batch: Int, count: Int, batchSize: Int) {
        self.seed = seed
        self.epoch = epoch
        self.batch = batch
        self.count = count
        self.batchSize = batchSize
    }
}
