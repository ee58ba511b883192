// `data prepare`: a folder of images and a captions file becomes a captioned dataset (meta.jsonl, splits.json, emb_<tag>.npy).
import Foundation
import ZooCore

/// Turns `DIR/images/*.{png,jpg,jpeg}` and `DIR/captions.txt` (lines `FILE<TAB>CAPTION`, or
/// `FILE<TAB>CAPTION<TAB>CLASS`; a file on several lines has several captions) into the captioned
/// format: `meta.jsonl` (records in file-name order, id = the file's name without extension),
/// `splits.json` (train/test), and `emb_<tag>.npy` [N, K, D] from the text encoder. An image with
/// fewer than K captions (K = the most any image has) repeats its own captions in turn.
public struct DatasetPrepare {
    public var root: String
    public var captionsFile: String
    /// The share of images held out for `test` (drawn with `seed`), 0 for none.
    public var testFraction: Double = 0.1
    public var seed: UInt64 = 0
    public var half = false
    /// Replace an earlier prepare's meta.jsonl, splits.json and embeddings.
    public var force = false

    public init(root: String, captionsFile: String? = nil) {
        self.root = root
        self.captionsFile = captionsFile ?? root + "/captions.txt"
    }

    public struct Result {
        public var images: Int, captionsPerImage: Int, train: Int, test: Int, classes: [String]
        public var written: [String]
    }

    struct Entry { var file: String; var captions: [String]; var label: String? }

    /// Reads and checks the images and captions (nothing is written when anything is wrong).
    func entries() throws -> [Entry] {
        let folder = root + "/images"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw ZooError.io(path: folder, message: "no images folder: put the images in \(folder)/ (png or jpg)")
        }
        let images = names.filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        guard !images.isEmpty else { throw ZooError.io(path: folder, message: "no .png or .jpg images") }
        var byStem: [String: String] = [:]
        for f in images {
            let stem = (f as NSString).deletingPathExtension
            if let other = byStem[stem] { throw ZooError.invalidArgument(op: "data prepare", message: "\(folder)/\(f) and \(other) have the same name: ids must be unique") }
            byStem[stem] = f
        }
        let imageSet = Set(images)
        var captions: [String: [String]] = [:], labels: [String: String] = [:]
        let lines = try CaptionEmbedding.readLines(path: captionsFile)
        for (i, line) in lines.enumerated() {
            let at = "\(captionsFile):\(i + 1)"
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 2 || fields.count == 3 else {
                throw ZooError.format(path: at, message: "expected FILE<TAB>CAPTION or FILE<TAB>CAPTION<TAB>CLASS, got \(fields.count) tab-separated fields")
            }
            let file = fields[0], caption = fields[1].trimmingCharacters(in: .whitespaces)
            guard imageSet.contains(file) else {
                let hint = closestMatch(file, in: images).map { " (did you mean '\($0)'?)" } ?? ""
                throw ZooError.format(path: at, message: "'\(file)' is not an image in \(folder)\(hint)")
            }
            guard !caption.isEmpty else { throw ZooError.format(path: at, message: "empty caption") }
            captions[file, default: []].append(caption)
            if fields.count == 3 {
                let label = fields[2].trimmingCharacters(in: .whitespaces)
                if let old = labels[file], old != label {
                    throw ZooError.format(path: at, message: "class '\(label)' for \(file), which an earlier line gave class '\(old)'")
                }
                labels[file] = label
            }
        }
        let missing = images.filter { captions[$0] == nil }
        guard missing.isEmpty else {
            throw ZooError.format(path: captionsFile, message: "\(missing.count) image(s) have no caption: \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", …" : "")")
        }
        if !labels.isEmpty, labels.count != images.count {
            let unlabelled = images.filter { labels[$0] == nil }
            throw ZooError.format(path: captionsFile, message: "some lines give a class and others do not: no class for \(unlabelled.prefix(3).joined(separator: ", "))")
        }
        return images.map { Entry(file: $0, captions: captions[$0]!, label: labels[$0]) }
    }

    /// Checks everything, then writes meta.jsonl, splits.json and the embeddings.
    public func run(encoder: TextEncoder, tag: String, progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        guard testFraction >= 0, testFraction < 1 else {
            throw ZooError.invalidArgument(op: "data prepare", message: "the test fraction must be in [0, 1), got \(testFraction)")
        }
        let all = try entries()
        let outputs = ["meta.jsonl", "splits.json", "emb_\(tag).npy"].map { root + "/" + $0 }
        if !force, let existing = outputs.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw ZooError.io(path: existing, message: "already exists (give --force to prepare the folder again)")
        }
        let k = all.map(\.captions.count).max()!
        let ids = all.map { ($0.file as NSString).deletingPathExtension }
        // Held-out images: a seeded shuffle of the ids, the first share of it.
        var rng = RandomGenerator(seed: seed)
        var order = Array(ids.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
        let testCount = Int((Double(ids.count) * testFraction).rounded())
        let test = Set(order.prefix(testCount))
        var meta = ""
        for (i, e) in all.enumerated() {
            var record: [String: Any] = ["id": ids[i], "file": e.file, "split": test.contains(i) ? "test" : "train",
                                         "captions": (0..<k).map { e.captions[$0 % e.captions.count] }]
            if let label = e.label { record["class"] = label }
            let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
            meta += String(decoding: data, as: UTF8.self) + "\n"
        }
        let splits: [String: [String]] = ["train": ids.indices.filter { !test.contains($0) }.map { ids[$0] },
                                          "test": ids.indices.filter { test.contains($0) }.map { ids[$0] }]
        let splitsData = try JSONSerialization.data(withJSONObject: splits, options: [.sortedKeys, .withoutEscapingSlashes])
        try FileIO.writeAtomically(Array(meta.utf8), to: outputs[0])
        try FileIO.writeAtomically(Array(splitsData) + [10], to: outputs[1])
        try CaptionEmbedding.embedDataset(root: root, encoder: encoder, tag: tag, half: half, force: true, progress: progress)
        return Result(images: all.count, captionsPerImage: k, train: all.count - test.count, test: test.count,
                      classes: Set(all.compactMap(\.label)).sorted(), written: outputs)
    }
}
