// DataConfig: the `data` table of a zoo entry, parsed from Lua values with strict key and type checks.
import Foundation
import ZooCore

/// What a zoo entry's `data = { ... }` table says about its dataset.
///
/// Keys (all kinds): `kind` (required), `root` (required), `on_error` ("fail" | "skip"),
/// `validate` ("header" | "decode"), `cache_mb`. Per kind:
/// - `captioned`: `split`, `images`, `embeddings`, `class_key`, `average_captions`;
/// - `stackgan`: `split`, `dataset` ("cub" | "flowers" | "coco"), `images`, `embeddings`, `bbox`,
///   `average_captions`;
/// - `images`: `classes` (a whitelist of class folders).
/// An unknown key, or a key of another kind, is an error naming it and the closest valid key.
public struct DataConfig: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable { case captioned, stackgan, images }
    public enum OnError: String, CaseIterable, Sendable { case fail, skip }
    public enum Validation: String, CaseIterable, Sendable { case header, decode }

    public var kind: Kind
    /// The dataset folder; relative paths are resolved against the base directory given to `init`.
    public var root: String
    /// `train`, `test`, ... or `all`; nil: `train` where the dataset has splits, else every image.
    public var split: String?
    /// `stackgan` only: "cub" (bounding boxes, CUB_200_2011/images), "flowers" or "coco".
    public var dataset: String = "cub"
    /// Image folder override (relative to `root`).
    public var images: String?
    /// Embeddings: a file relative to `root` (captioned), or an embedding name such as
    /// "char-CNN-RNN" (stackgan: `<split>/<name>-embeddings.npy`).
    public var embeddings: String?
    /// The text encoder that made the embeddings (a registered name or tag, e.g. "minilm"); nil:
    /// the `<tag>` of an `emb_<tag>.npy` file name (see `textEncoder`).
    public var textEncoderName: String?
    /// `images` only: the class folders to use (as the reference's ImageNet dog/cat wnid lists).
    public var classes: [String]?
    /// `captioned` only: the meta.jsonl field holding the class; nil: "class", else "group".
    public var classKey: String?
    /// `stackgan` only: crop to the CUB bounding boxes (default: dataset == "cub").
    public var bbox: Bool?
    /// Caption embeddings averaged per image per step: 1 (PT-v1/v2) or 4 (TF-v1).
    public var averageCaptions: Int = 1
    public var onError: OnError = .fail
    /// What is checked up front for every image: its header and trailer, or a full decode.
    public var validate: Validation = .header
    /// Memory for decoded images (MB); 0 turns the cache off.
    public var cacheMB: Int = 1024

    static let common = ["kind", "root", "on_error", "validate", "cache_mb"]
    static let perKind: [Kind: [String]] = [
        .captioned: ["split", "images", "embeddings", "text_encoder", "class_key", "average_captions"],
        .stackgan: ["split", "dataset", "images", "embeddings", "bbox", "average_captions"],
        .images: ["classes"],
    ]
    /// Every key any kind accepts.
    public static var allKeys: [String] { (common + perKind.values.flatMap { $0 }).uniqued() }

    public init(kind: Kind, root: String) {
        self.kind = kind
        self.root = root
    }

    /// Parses a `data` table converted from Lua (`[String: Any]`, sequences as `[Any?]`).
    /// - Parameter baseDirectory: what a relative `root` is relative to (the project folder).
    public init(_ values: [String: Any], baseDirectory: String? = nil) throws {
        func fail(_ message: String) -> ZooError { ZooError.invalidArgument(op: "data", message: message) }
        guard let kindValue = values["kind"] else {
            throw fail("the data table needs a 'kind' (\(Kind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")))")
        }
        guard let kindText = kindValue as? String, let kind = Kind(rawValue: kindText) else {
            let hint = (kindValue as? String).flatMap { closestMatch($0, in: Kind.allCases.map(\.rawValue)) }.map { " (did you mean '\($0)'?)" } ?? ""
            throw fail("'kind' must be one of \(Kind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \(describe(kindValue))\(hint)")
        }
        let valid = DataConfig.common + DataConfig.perKind[kind]!
        for key in values.keys.sorted() where !valid.contains(key) {
            if DataConfig.allKeys.contains(key) {
                throw fail("key '\(key)' does not apply to kind '\(kind.rawValue)' (its keys: \(valid.joined(separator: ", ")))")
            }
            let hint = closestMatch(key, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
            throw fail("unknown key '\(key)'\(hint); valid keys for kind '\(kind.rawValue)': \(valid.joined(separator: ", "))")
        }
        guard let root = try DataConfig.string(values, "root") else { throw fail("the data table needs a 'root' folder") }
        guard !root.isEmpty else { throw fail("'root' must not be empty") }
        self.init(kind: kind, root: DataConfig.resolve(root, base: baseDirectory))
        split = try DataConfig.string(values, "split")
        if let d = try DataConfig.string(values, "dataset") {
            let names = ["cub", "flowers", "coco"]
            guard names.contains(d) else {
                let hint = closestMatch(d, in: names).map { " (did you mean '\($0)'?)" } ?? ""
                throw fail("'dataset' must be \"cub\", \"flowers\" or \"coco\", got \"\(d)\"\(hint)")
            }
            dataset = d
        }
        images = try DataConfig.string(values, "images")
        embeddings = try DataConfig.string(values, "embeddings")
        textEncoderName = try DataConfig.string(values, "text_encoder")
        classKey = try DataConfig.string(values, "class_key")
        if let v = values["classes"] {
            if let d = v as? [String: Any], d.isEmpty {
                classes = []  // an empty Lua table
            } else if let list = v as? [Any?], list.allSatisfy({ $0 is String }) {
                classes = list.map { $0 as! String }
            } else {
                throw fail("'classes' must be a list of folder names, got \(describe(v))")
            }
        }
        if let v = values["bbox"] {
            guard let b = v as? Bool else { throw fail("'bbox' must be true or false, got \(describe(v))") }
            bbox = b
        }
        if let n = try DataConfig.int(values, "average_captions") {
            guard n >= 1 else { throw fail("'average_captions' must be at least 1, got \(n)") }
            averageCaptions = n
        }
        if let n = try DataConfig.int(values, "cache_mb") {
            guard n >= 0 else { throw fail("'cache_mb' must be ≥ 0, got \(n)") }
            cacheMB = n
        }
        if let s = try DataConfig.string(values, "on_error") {
            guard let e = OnError(rawValue: s) else { throw fail("'on_error' must be \"fail\" or \"skip\", got \"\(s)\"") }
            onError = e
        }
        if let s = try DataConfig.string(values, "validate") {
            guard let v = Validation(rawValue: s) else { throw fail("'validate' must be \"header\" or \"decode\", got \"\(s)\"") }
            validate = v
        }
    }

    /// Which text encoder made this dataset's caption embeddings: `text_encoder`, else the `<tag>`
    /// of its embeddings file `emb_<tag>.npy` (captioned datasets); nil when neither says.
    public var textEncoder: String? {
        if let name = textEncoderName { return name }
        guard kind == .captioned, let path = try? CaptionedSource.embeddingsPath(self) else { return nil }
        let file = (path as NSString).lastPathComponent
        guard file.hasPrefix("emb_"), file.hasSuffix(".npy"), file.count > 8 else { return nil }
        return String(file.dropFirst(4).dropLast(4))
    }

    /// `path` joined to `base` unless it is absolute.
    static func resolve(_ path: String, base: String?) -> String {
        guard let base, !path.hasPrefix("/") else { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    private static func string(_ values: [String: Any], _ key: String) throws -> String? {
        guard let v = values[key] else { return nil }
        guard let s = v as? String else {
            throw ZooError.invalidArgument(op: "data", message: "'\(key)' must be a string, got \(describe(v))")
        }
        return s
    }

    private static func int(_ values: [String: Any], _ key: String) throws -> Int? {
        guard let v = values[key] else { return nil }
        if let i = v as? Int { return i }
        if let d = v as? Double, d.rounded() == d, abs(d) < 1e15 { return Int(d) }
        throw ZooError.invalidArgument(op: "data", message: "'\(key)' must be an integer, got \(describe(v))")
    }
}

/// A Lua-ish rendering of a value for messages.
func describe(_ v: Any) -> String {
    switch v {
    case let s as String: return "\"\(s)\""
    case let b as Bool: return b ? "true" : "false"
    case let i as Int: return "\(i)"
    case let d as Double: return "\(d)"
    case is [Any?], is [String: Any]: return "a table"
    default: return "\(type(of: v))"
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
