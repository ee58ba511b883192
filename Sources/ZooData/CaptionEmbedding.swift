// Embedding captions with a text encoder: a captions file → [N, D], a captioned dataset's meta.jsonl → its emb_<tag>.npy [N, K, D].
import Foundation
import ZooCore

public enum CaptionEmbedding {
    /// The captions of a text file, one per line (a final newline ends the last one); a blank
    /// line is refused, naming it, since rows must line up with lines.
    public static func readLines(path: String) throws -> [String] {
        let bytes = try FileIO.readAll(path: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ZooError.format(path: path, message: "not UTF-8 text")
        }
        // "\r\n" is one Character in Swift: split on either.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw ZooError.format(path: path, message: "no captions (the file is empty)") }
        if let i = lines.firstIndex(where: { $0.allSatisfy(\.isWhitespace) }) {
            throw ZooError.format(path: "\(path):\(i + 1)", message: "blank caption: every line is one caption (row \(i + 1) of the output)")
        }
        return lines
    }

    /// The `captions` of every record of a captioned dataset's meta.jsonl, K per record (the same K
    /// for all: a record with another count is refused, naming its line).
    public static func datasetCaptions(metaPath: String) throws -> [[String]] {
        let bytes = try FileIO.readAll(path: metaPath)
        var out: [[String]] = []
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (n, raw) in lines.enumerated() {
            let text = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
            if text.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            let at = "\(metaPath):\(n + 1)"
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else {
                throw ZooError.format(path: at, message: "not a JSON object")
            }
            guard let list = obj["captions"] as? [Any], !list.isEmpty, list.allSatisfy({ $0 is String }) else {
                throw ZooError.format(path: at, message: "the record has no 'captions' list of strings")
            }
            let captions = list.map { $0 as! String }
            if let k = out.first?.count, k != captions.count {
                throw ZooError.format(path: at, message: "\(captions.count) captions where the first record has \(k): every record needs the same number")
            }
            out.append(captions)
        }
        guard !out.isEmpty else { throw ZooError.format(path: metaPath, message: "no records") }
        return out
    }

    /// Embeds `captions` in chunks (so progress can be reported), [N, width].
    public static func embed(_ captions: [String], with encoder: TextEncoder, chunk: Int = 512,
                             progress: ((Int, Int) -> Void)? = nil) throws -> Tensor {
        var values: [Float] = []
        values.reserveCapacity(captions.count * encoder.width)
        var start = 0
        while start < captions.count {
            let end = min(start + chunk, captions.count)
            let e = try encoder.encode(Array(captions[start..<end]))
            guard e.shape == [end - start, encoder.width] else {
                throw ZooError.shape(op: "text encoder \(encoder.name)", message: "returned \(e.shape) for \(end - start) captions")
            }
            values += e.scalars
            start = end
            progress?(end, captions.count)
        }
        return try Tensor(shape: [captions.count, encoder.width], data: values)
    }

    /// Throws when `path` exists and `force` is off (an embeddings file is never replaced by accident).
    public static func refuseExisting(_ path: String, force: Bool) throws {
        if !force && FileManager.default.fileExists(atPath: path) {
            throw ZooError.io(path: path, message: "already exists (give --force to replace it)")
        }
    }

    /// `emb_<tag>.npy` [N, K, width] for a captioned dataset folder, written atomically (float16
    /// when `half`, as the emoji set ships, else float32). Refuses to replace an existing file
    /// unless `force`. Returns the path.
    @discardableResult
    public static func embedDataset(root: String, encoder: TextEncoder, tag: String, half: Bool = false, force: Bool = false,
                                    out: String? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> String {
        let records = try datasetCaptions(metaPath: root + "/meta.jsonl")
        let path = out ?? root + "/emb_\(tag).npy"
        try refuseExisting(path, force: force)
        let k = records[0].count
        let flat = try embed(records.flatMap { $0 }, with: encoder, progress: progress)
        let table = try flat.reshaped([records.count, k, encoder.width])
        try NPY.write(try SafeTensor(table, as: half ? .f16 : .f32), to: path)
        return path
    }
}
