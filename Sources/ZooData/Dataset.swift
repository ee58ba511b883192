// Dataset: opens and validates a dataset, builds batches by (epoch, index), keeps a resumable position.
import Foundation
import ZooCore
import ZooImage

/// How a recipe iterates a dataset (the second argument of `zoo.data.open`).
public struct LoaderOptions: Sendable {
    /// Branch sizes, e.g. [64, 128, 256]; every smaller one is resized from the largest's crop.
    public var imageSizes: [Int] = [64]
    public var batchSize: Int = 16
    public var seed: UInt64 = 0
    /// Background loader threads; 0 builds each batch on the calling thread when it is asked for.
    public var threads: Int = 2
    /// Batches built ahead of the consumer (the bound of the prefetch queue).
    public var prefetch: Int = 4
    /// Reshuffle every epoch (false: dataset order).
    public var shuffle = true
    /// Random crop and flip (false: the centre crop, no flip — for evaluation).
    public var augment = true
    /// `text`: nil means when the dataset has caption embeddings; `wrong`: nil means as `text`.
    public var wrong: Bool?
    public var text: Bool?
    /// Overrides `DataConfig.averageCaptions`.
    public var averageCaptions: Int?
    /// The embedding size the model takes (a text model): the dataset must have embeddings of
    /// that width. nil: no requirement.
    public var textDimension: Int?

    public init(imageSizes: [Int] = [64], batchSize: Int = 16, seed: UInt64 = 0, threads: Int = 2, prefetch: Int = 4) {
        self.imageSizes = imageSizes
        self.batchSize = batchSize
        self.seed = seed
        self.threads = threads
        self.prefetch = prefetch
    }
}

/// A dataset opened for training: every image checked up front, then batches in epochs.
///
/// Batch `index` of `epoch` is a pure function of (seed, epoch, index): the epoch's order comes
/// from (seed, epoch), each image's draws (caption, wrong image, crops, flips) from (seed, epoch,
/// position). So batches are the same whatever the number of loader threads, and a run resumed
/// from `position` continues exactly. Epochs hold ⌊count / batch⌋ batches (the tail is dropped)
/// and are reshuffled.
public final class Dataset: @unchecked Sendable {
    public let config: DataConfig
    public let options: LoaderOptions
    let maker: BatchMaker
    private var loader: BatchLoader?
    /// The next batch to deliver, as a global step (epoch · batchesPerEpoch + index).
    private var step = 0

    /// Opens `config`'s dataset: reads the index, validates every image (header or full decode,
    /// `config.validate`), and applies `config.onError`. Throws a `ZooError` naming the first bad
    /// file when the dataset cannot be used.
    public init(config: DataConfig, options: LoaderOptions) throws {
        func fail(_ m: String) -> ZooError { ZooError.invalidArgument(op: "data", message: m) }
        var options = options
        guard !options.imageSizes.isEmpty, options.imageSizes.allSatisfy({ $0 >= 1 && $0 <= 8192 }) else {
            throw fail("image sizes must be between 1 and 8192, got \(options.imageSizes)")
        }
        options.imageSizes = Array(Set(options.imageSizes)).sorted()
        guard options.batchSize >= 1 else { throw fail("batch size must be at least 1, got \(options.batchSize)") }
        guard options.threads >= 0, options.threads <= 64 else { throw fail("loader threads must be 0...64, got \(options.threads)") }
        guard options.prefetch >= 1 else { throw fail("prefetch must be at least 1, got \(options.prefetch)") }
        self.config = config
        self.options = options

        let loadSize = Preprocess.loadSize(forImageSize: options.imageSizes.last!)
        let index = DataIndex.load(config, loadSize: loadSize)
        let hint = " — run 'stackzoo data check' for every problem"
        let fatal = index.fatal + index.textProblems(expected: options.textDimension, root: config.root)
        if !fatal.isEmpty { throw DataProblem.failure(fatal, hint: hint) }
        let checked = Validation.run(index.samples, decode: config.validate == .decode, threads: max(1, options.threads))
        let problems = index.problems + checked.problems
        if !problems.isEmpty && config.onError == .fail {
            throw DataProblem.failure(problems, hint: hint + " or set data.on_error = \"skip\"")
        }
        let samples = zip(index.samples, checked.headers).compactMap { $1 == nil ? nil : $0 }
        guard !samples.isEmpty else { throw fail("\(config.root): no usable images (\(problems.count) skipped)") }
        guard samples.count >= options.batchSize else {
            throw fail("\(config.root): \(samples.count) usable images, fewer than one batch of \(options.batchSize)")
        }
        let average = options.averageCaptions ?? config.averageCaptions
        if let e = index.embeddings, average > e.captions {
            throw fail("average_captions = \(average), but \(e.file) has \(e.captions) captions per image")
        }
        maker = BatchMaker(samples: samples, embeddings: index.embeddings, options: options, loadSize: loadSize,
                           average: average, onError: config.onError, cacheBytes: config.cacheMB << 20)
        self.skipped = problems
        self.notes = index.notes
        self.splitSizes = index.splitSizes
        self.classCount = index.classCount
        self.classNames = index.classNames
        if !problems.isEmpty {
            FileHandle.standardError.write(Data("data: skipped \(problems.count) bad file\(problems.count == 1 ? "" : "s") (on_error = \"skip\"), first: \(problems[0])\n".utf8))
        }
    }

    deinit { loader?.stop() }

    /// Problems skipped at open (`on_error = "skip"`); empty otherwise.
    public let skipped: [DataProblem]
    /// Where images and embeddings came from (for logs and `data check`).
    public let notes: [String]
    public let splitSizes: [(name: String, count: Int)]
    public let classCount: Int?
    /// The name of each class id, when the dataset names its classes.
    public let classNames: [String]?

    /// Per-dimension mean and std of the caption embeddings of this dataset's images (its split),
    /// for `arch.text_standardize`; nil without embeddings.
    public func textStatistics() -> (mean: [Float], std: [Float])? {
        embeddings?.statistics(rows: samples.map(\.row).filter { $0 >= 0 })
    }

    /// The same statistics from `config`'s index alone (records, splits and embeddings; no image
    /// is opened), for building a model outside a training run. Throws when the dataset cannot be
    /// read or has no embeddings.
    public static func textStatistics(_ config: DataConfig) throws -> (mean: [Float], std: [Float]) {
        let index = DataIndex.load(config, loadSize: 64)
        if let first = index.fatal.first { throw first }
        guard let e = index.embeddings else { throw DataProblem(file: config.root, reason: "the dataset has no caption embeddings") }
        return e.statistics(rows: index.samples.map(\.row).filter { $0 >= 0 })
    }

    /// The usable images, in dataset order.
    public var samples: [DataSample] { maker.samples }
    public var count: Int { maker.samples.count }
    public var batchesPerEpoch: Int { maker.batchesPerEpoch }
    public var imageSizes: [Int] { options.imageSizes }
    public var loadSize: Int { maker.loadSize }
    public var embeddings: EmbeddingTable? { maker.embeddings }
    public var hasWrongImages: Bool { maker.withWrong }
    public var hasText: Bool { maker.withText }
    /// Images that failed to load during iteration and were replaced (`on_error = "skip"`).
    public var runtimeProblems: [DataProblem] { maker.runtimeProblems }
    /// Images held by the decoded-image cache, and its bytes.
    public var cachedImages: Int { maker.cache.cachedCount }
    public var cachedBytes: Int { maker.cache.usedBytes }

    /// Batch `index` of `epoch`, built on the calling thread (the same batch `next()` delivers there).
    public func batch(epoch: Int, index: Int) throws -> Batch {
        guard epoch >= 0, index >= 0, index < batchesPerEpoch else {
            throw ZooError.invalidArgument(op: "data", message: "no batch \(index) in epoch \(epoch) (\(batchesPerEpoch) batches per epoch)")
        }
        return try maker.make(step: epoch * batchesPerEpoch + index)
    }

    /// The next batch (continuing into the next epoch after the last one of an epoch).
    public func next() throws -> Batch {
        let b: Batch
        if options.threads == 0 {
            b = try maker.make(step: step)
        } else {
            if loader == nil { loader = BatchLoader(start: step, threads: options.threads, prefetch: options.prefetch, maker: maker) }
            b = try loader!.take()
        }
        step += 1
        return b
    }

    /// The next batch to deliver: `(epoch, batch)` with the seed and sizes it belongs to.
    public var position: DataPosition {
        DataPosition(seed: options.seed, epoch: step / batchesPerEpoch, batch: step % batchesPerEpoch,
                     count: count, batchSize: options.batchSize)
    }

    /// Continues from a saved `position` (from this dataset, the same seed and batch size).
    public func restore(_ p: DataPosition) throws {
        func fail(_ m: String) -> ZooError { ZooError.invalidArgument(op: "data", message: "cannot restore the position: " + m) }
        guard p.seed == options.seed else { throw fail("it was saved with seed \(p.seed), this dataset was opened with seed \(options.seed)") }
        guard p.count == count, p.batchSize == options.batchSize else {
            throw fail("it was saved for \(p.count) images in batches of \(p.batchSize), this dataset has \(count) in batches of \(options.batchSize)")
        }
        guard p.epoch >= 0, p.batch >= 0, p.batch <= batchesPerEpoch else { throw fail("epoch \(p.epoch), batch \(p.batch) is out of range") }
        loader?.stop()
        loader = nil
        step = p.epoch * batchesPerEpoch + p.batch
    }

    /// Stops the loader threads (also done when the dataset is released).
    public func close() {
        loader?.stop()
        loader = nil
    }
}

/// Builds batches; immutable apart from the cache and the problem list, so loader threads share it.
final class BatchMaker: @unchecked Sendable {
    let samples: [DataSample]
    let embeddings: EmbeddingTable?
    let options: LoaderOptions
    let sizes: [Int]
    let loadSize: Int
    let average: Int
    let onError: DataConfig.OnError
    let withWrong: Bool, withText: Bool
    let batchesPerEpoch: Int
    let cache: ImageCache
    private let lock = NSLock()
    private var orders: [(epoch: Int, order: [Int])] = []
    private var problems: [Int: DataProblem] = [:]

    init(samples: [DataSample], embeddings: EmbeddingTable?, options: LoaderOptions, loadSize: Int, average: Int,
         onError: DataConfig.OnError, cacheBytes: Int) {
        self.samples = samples
        self.embeddings = embeddings
        self.options = options
        sizes = options.imageSizes
        self.loadSize = loadSize
        self.average = average
        self.onError = onError
        withText = options.text ?? (embeddings != nil)
        withWrong = options.wrong ?? withText
        batchesPerEpoch = samples.count / options.batchSize
        cache = ImageCache(count: samples.count, budgetBytes: cacheBytes)
    }

    var runtimeProblems: [DataProblem] {
        lock.lock()
        defer { lock.unlock() }
        return problems.keys.sorted().map { problems[$0]! }
    }

    /// The epoch's order (the last two epochs' are kept: loader threads straddle epoch ends).
    func order(_ epoch: Int) -> [Int] {
        lock.lock()
        if let o = orders.first(where: { $0.epoch == epoch }) { lock.unlock(); return o.order }
        lock.unlock()
        let o = SampleRandom.order(seed: options.seed, epoch: epoch, count: samples.count, shuffle: options.shuffle)
        lock.lock()
        orders.append((epoch, o))
        if orders.count > 2 { orders.removeFirst() }
        lock.unlock()
        return o
    }

    /// The loaded (bbox-cropped, scaled) image of sample `i`, through the cache.
    func loaded(_ i: Int) throws -> Image {
        if let img = cache.get(i) { return img }
        let s = samples[i]
        let img: Image
        do {
            img = try Preprocess.loaded(try Image.load(path: s.path), bbox: s.bbox, loadSize: loadSize, file: s.path)
        } catch let p as DataProblem {
            throw p
        } catch let e as ZooError {
            if case .format(let path, let m) = e, path == s.path { throw DataProblem(file: path, reason: m) }
            if case .io(let path, let m) = e, path == s.path { throw DataProblem(file: path, reason: m) }
            throw DataProblem(file: s.path, reason: e.description)
        }
        cache.put(i, img)
        return img
    }

    /// Sample `i`'s loaded image; under `skip`, a failing image is replaced by the next one that
    /// loads (i + 1, i + 2, ... — a choice that depends on the files only, never on timing).
    func resolve(_ i: Int) throws -> (Int, Image) {
        var j = i
        for _ in 0..<samples.count {
            do { return (j, try loaded(j)) } catch let p as DataProblem {
                guard onError == .skip else {
                    throw ZooError.format(path: p.file, message: p.reason + " (found while loading; set data.on_error = \"skip\" to skip such files)")
                }
                lock.lock()
                problems[j] = p
                lock.unlock()
                j = (j + 1) % samples.count
            }
        }
        throw ZooError.format(path: samples[i].path, message: "no image of the dataset can be loaded")
    }

    func make(step: Int) throws -> Batch {
        let epoch = step / batchesPerEpoch, index = step % batchesPerEpoch
        let order = order(epoch)
        let b = options.batchSize, n = samples.count, top = sizes.last!
        var real = try sizes.map { try Tensor(zeros: [b, 3, $0, $0]) }               // [B, 3, s, s] per size
        var wrong = withWrong ? try sizes.map { try Tensor(zeros: [b, 3, $0, $0]) } : []
        let d = embeddings?.dimension ?? 0
        var text = withText && embeddings != nil ? try Tensor(zeros: [b, d]) : nil  // [B, D]
        var batch = Batch(epoch: epoch, index: index, tensors: [:], ids: [], indices: [], classIds: [], captions: [],
                          captionIndices: [], wrongIndices: [])

        func write(_ pyramid: [Image], into tensors: inout [Tensor], slot: Int) throws {
            for (k, img) in pyramid.enumerated() {
                let s = sizes[k]
                try tensors[k].withUnsafeMutableBufferPointer { writeNormalized(img, into: $0.baseAddress! + slot * 3 * s * s) }
            }
        }

        for slot in 0..<b {
            let position = index * b + slot
            var rng = SampleRandom.sample(seed: options.seed, epoch: epoch, position: position)
            // Draw order: captions, wrong index (one redraw on the same class), real crop and
            // flip, wrong crop and flip.
            let (i, image) = try resolve(order[position])
            let sample = samples[i]
            var picked: [Int] = []
            if let e = embeddings, withText {
                picked = pickCaptions(average, of: e.captions, &rng)
                try text!.withUnsafeMutableBufferPointer { e.write(row: sample.row, picked: picked, into: $0.baseAddress! + slot * d) }
            }
            var w = -1
            if withWrong {
                w = rng.nextInt(below: n)
                if samples[w].classId == sample.classId { w = rng.nextInt(below: n) }
            }
            let r = Preprocess.draws(image, size: top, augment: options.augment, &rng)
            try write(Preprocess.pyramid(image, cropX: r.x, cropY: r.y, flip: r.flip, sizes: sizes), into: &real, slot: slot)
            if withWrong {
                let (wi, wimage) = try resolve(w)
                w = wi
                let q = Preprocess.draws(wimage, size: top, augment: options.augment, &rng)
                try write(Preprocess.pyramid(wimage, cropX: q.x, cropY: q.y, flip: q.flip, sizes: sizes), into: &wrong, slot: slot)
                batch.wrongIndices.append(w)
            }
            batch.ids.append(sample.id)
            batch.indices.append(i)
            batch.classIds.append(sample.classId)
            batch.captionIndices.append(picked)
            let texts = picked.compactMap { $0 < sample.captions.count ? sample.captions[$0] : nil }
            batch.captions.append(texts.joined(separator: " | "))
        }
        for (k, s) in sizes.enumerated() {
            batch.tensors["real.\(s)"] = real[k]
            if withWrong { batch.tensors["wrong.\(s)"] = wrong[k] }
        }
        if let text { batch.tensors["text"] = text }
        return batch
    }
}
