// One image of a dataset (id, file, class, bounding box, captions) and the index a source builds.
import ZooCore

/// A CUB bounding box in integer pixels: `[x, y, width, height]` as in `bounding_boxes.txt`.
public struct BoundingBox: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// One image as the dataset index holds it.
public struct DataSample: Equatable, Sendable {
    /// The image's id: meta.jsonl `id`, the official key (`002.Laysan_Albatross/...`), or the
    /// path relative to an image folder.
    public var id: String
    /// The image file.
    public var path: String
    /// Class for wrong-image sampling (a different class is wanted); the sample's own row when
    /// the dataset has no classes (every image its own class, as PT-v2's fallback).
    public var classId: Int
    public var bbox: BoundingBox?
    /// Caption texts (may be empty where the dataset ships none).
    public var captions: [String]
    /// Row of this image in the embeddings array, or -1.
    public var row: Int

    public init(id: String, path: String, classId: Int, bbox: BoundingBox? = nil, captions: [String] = [], row: Int = -1) {
        self.id = id
        self.path = path
        self.classId = classId
        self.bbox = bbox
        self.captions = captions
        self.row = row
    }
}

/// What a source finds under a dataset root, before images are validated.
struct DataIndex {
    var samples: [DataSample] = []
    /// `[N, K, D]` caption embeddings (rows indexed by `DataSample.row`), if the dataset has any.
    var embeddings: EmbeddingTable?
    /// Problems with single images or records: skipped under `on_error = "skip"`.
    var problems: [DataProblem] = []
    /// Problems that make the dataset unusable whatever `on_error` says (no images, a missing
    /// index file, embeddings that do not match the images).
    var fatal: [DataProblem] = []
    /// Report lines: where images and embeddings come from.
    var notes: [String] = []
    /// Image count of every split the dataset defines, in order.
    var splitSizes: [(name: String, count: Int)] = []
    /// Number of distinct classes, when the dataset has classes.
    var classCount: Int?
    /// The name of class id i (string classes of a captioned set, class folders), when known.
    var classNames: [String]?
    /// Images in both the train and the test split (`data check` reports it; training does not
    /// depend on it).
    var splitOverlap: DataProblem?

    /// What keeps a text model of embedding size `expected` from training on this dataset: no
    /// embeddings, or embeddings of another width. Empty when `expected` is nil.
    func textProblems(expected: Int?, root: String) -> [DataProblem] {
        guard let expected, fatal.isEmpty else { return [] }
        guard let e = embeddings else {
            return [DataProblem(file: root, reason: "the model is text-conditioned (embeddings of \(expected) values), but the dataset has no caption embeddings")]
        }
        guard e.dimension == expected else {
            return [DataProblem(file: e.file, reason: "embeddings \(e.shapeText) have \(e.dimension) values per caption, but the model takes \(expected) (arch.text)")]
        }
        return []
    }

    /// Loads the index of `config`'s dataset; `loadSize` picks among image folders of several sizes.
    static func load(_ config: DataConfig, loadSize: Int) -> DataIndex {
        var index: DataIndex
        switch config.kind {
        case .captioned: index = CaptionedSource.load(config, loadSize: loadSize)
        case .stackgan: index = StackGANSource.load(config)
        case .images: index = ImageFolderSource.load(config)
        }
        if index.fatal.isEmpty && index.samples.isEmpty && index.problems.isEmpty {
            let which = config.kind == .images ? "" : " (split '\(config.split ?? "train")')"
            index.fatal.append(DataProblem(file: config.root, reason: "no images\(which)"))
        }
        return index
    }
}
