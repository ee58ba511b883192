// StackZoo's captioned format: meta.jsonl, png/<size>/<id>.png, emb_*.npy [N, K, D], splits.json.
import Foundation
import ZooCore

/// Reads a captioned dataset folder (the layout of the embedded emoji set):
///
/// - `meta.jsonl`: one JSON object per image, in dataset order: `id` (string, unique), `captions`
///   (list of strings, K of them when there are embeddings), optional `class` / `group` (string or
///   integer) for wrong-image sampling;
/// - images `png/<size>/<id>.png` (the folder of the smallest size ≥ the load size, else the
///   largest), or `<images>/<id>.png|.jpg` when the config names a folder;
/// - `emb_*.npy`: float16 or float32 `[N, K, D]`, row i = line i of meta.jsonl (optional: without
///   it the dataset is unconditional);
/// - `splits.json` (optional): `{"train": [ids], "test": [ids], ...}`.
enum CaptionedSource {
    /// The embeddings file of a captioned config: `data.embeddings` (relative to the root), else
    /// the one `emb_*.npy` in the root; nil when there is none; several is a problem to fix.
    static func embeddingsPath(_ config: DataConfig) throws(DataProblem) -> String? {
        let root = config.root
        if let e = config.embeddings { return e.hasPrefix("/") ? e : root + "/" + e }
        let found = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { $0.hasPrefix("emb_") && $0.hasSuffix(".npy") }.sorted()
        if found.count > 1 {
            throw DataProblem(file: root, reason: "several embedding files (\(found.joined(separator: ", "))): choose one with data.embeddings")
        }
        return found.first.map { root + "/" + $0 }
    }

    static func load(_ config: DataConfig, loadSize: Int) -> DataIndex {
        var index = DataIndex()
        let root = config.root
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            index.fatal.append(DataProblem(file: root, reason: "dataset folder not found"))
            return index
        }
        // Records.
        let metaPath = root + "/meta.jsonl"
        guard let metaBytes = try? FileIO.readAll(path: metaPath) else {
            index.fatal.append(DataProblem(file: metaPath, reason: "missing file (a captioned dataset needs meta.jsonl: one JSON object per image)"))
            return index
        }
        struct Record { var line: Int; var id: String; var captions: [String]; var fields: [String: Any] }
        var records: [Record?] = []
        var seen: [String: Int] = [:]
        let lines = metaBytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (n, raw) in lines.enumerated() {
            let text = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
            if text.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            let at = "\(metaPath):\(n + 1)"
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else {
                index.problems.append(DataProblem(file: at, reason: "not a JSON object"))
                records.append(nil)
                continue
            }
            guard let id = obj["id"] as? String, !id.isEmpty else {
                index.problems.append(DataProblem(file: at, reason: "record has no string 'id'"))
                records.append(nil)
                continue
            }
            if let first = seen[id] {
                index.problems.append(DataProblem(file: at, reason: "id '\(id)' repeats line \(first)"))
                records.append(nil)
                continue
            }
            seen[id] = n + 1
            let captions = (obj["captions"] as? [Any])?.compactMap { $0 as? String } ?? []
            records.append(Record(line: n + 1, id: id, captions: captions, fields: obj))
        }
        guard !records.isEmpty else {
            index.fatal.append(DataProblem(file: metaPath, reason: "no records (empty file)"))
            return index
        }

        // Embeddings: rows align with the records (including bad lines, which keep their row).
        let embeddingsPath: String?
        do { embeddingsPath = try CaptionedSource.embeddingsPath(config) } catch let p {
            index.fatal.append(p)
            return index
        }
        if let path = embeddingsPath {
            do {
                let table = try EmbeddingTable.read(path: path)
                guard table.count == records.count else {
                    index.fatal.append(DataProblem(file: path, reason: "embeddings \(table.shapeText) do not match meta.jsonl: \(records.count) images (\(table.count) rows)"))
                    return index
                }
                index.embeddings = table
                index.notes.append("embeddings: \((path as NSString).lastPathComponent) \(table.storedType) \(table.shapeText)")
            } catch let p as DataProblem {
                index.fatal.append(p)
                return index
            } catch {
                index.fatal.append(DataProblem(file: path, reason: "\(error)"))
                return index
            }
        } else {
            index.notes.append("embeddings: none (unconditional)")
        }

        // Image folder.
        let folder: String
        if let images = config.images {
            folder = images.hasPrefix("/") ? images : root + "/" + images
        } else if let sizes = try? fm.contentsOfDirectory(atPath: root + "/png") {
            let numeric = sizes.compactMap(Int.init).sorted()
            guard let pick = numeric.first(where: { $0 >= loadSize }) ?? numeric.last else {
                index.fatal.append(DataProblem(file: root + "/png", reason: "no png/<size> folders (e.g. png/128)"))
                return index
            }
            folder = root + "/png/\(pick)"
        } else if fm.fileExists(atPath: root + "/images") {
            folder = root + "/images"
        } else {
            index.fatal.append(DataProblem(file: root, reason: "no image folder: expected png/<size>/ or images/ (or set data.images)"))
            return index
        }
        guard let entries = try? fm.contentsOfDirectory(atPath: folder) else {
            index.fatal.append(DataProblem(file: folder, reason: "image folder not found"))
            return index
        }
        guard !entries.isEmpty else {
            index.fatal.append(DataProblem(file: folder, reason: "empty folder: no images"))
            return index
        }
        let names = Set(entries)
        index.notes.append("images: \(folder)")

        // Classes: `class_key`, else "class", else "group"; strings numbered in sorted order.
        let present = records.compactMap { $0 }
        let key = config.classKey ?? (present.contains { $0.fields["class"] != nil } ? "class" : present.contains { $0.fields["group"] != nil } ? "group" : nil)
        var classOf: (Record) -> Int? = { _ in nil }
        if let key {
            let strings = Set(present.compactMap { $0.fields[key] as? String }).sorted()
            let numbers = Dictionary(uniqueKeysWithValues: strings.enumerated().map { ($1, $0) })
            if !strings.isEmpty { index.classNames = strings }
            classOf = { r in
                if let s = r.fields[key] as? String { return numbers[s] }
                if let n = r.fields[key] as? NSNumber { return n.intValue }
                return nil
            }
            let distinct = Set(present.compactMap(classOf)).count
            index.classCount = distinct
            index.notes.append("classes: \(distinct) (meta.jsonl field '\(key)')")
        }

        // Splits.
        let splitsPath = root + "/splits.json"
        var members: Set<String>?
        if let bytes = try? FileIO.readAll(path: splitsPath) {
            guard let splits = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
                index.fatal.append(DataProblem(file: splitsPath, reason: "not a JSON object of split name → list of ids"))
                return index
            }
            let order = splits.keys.sorted { a, b in (a == "train" ? 0 : a == "test" ? 1 : 2, a) < (b == "train" ? 0 : b == "test" ? 1 : 2, b) }
            for name in order { index.splitSizes.append((name, (splits[name] as? [Any])?.count ?? 0)) }
            // A test image that is also a training image makes every test-split number a lie.
            let train = Set((splits["train"] as? [Any] ?? []).compactMap { $0 as? String })
            let shared = (splits["test"] as? [Any] ?? []).compactMap { $0 as? String }.filter(train.contains)
            if let first = shared.first {
                index.splitOverlap = DataProblem(file: splitsPath, reason: "\(shared.count) id(s) are in both 'train' and 'test' (first: '\(first)')")
            }
            let wanted = config.split ?? "train"
            if wanted != "all" {
                guard let list = splits[wanted] as? [Any] else {
                    index.fatal.append(DataProblem(file: splitsPath, reason: "no split '\(wanted)' (has: \(order.joined(separator: ", ")))"))
                    return index
                }
                var ids = Set<String>()
                for item in list {
                    guard let id = item as? String else { continue }
                    if seen[id] == nil {
                        index.problems.append(DataProblem(file: splitsPath, reason: "split '\(wanted)' lists id '\(id)', which meta.jsonl does not have"))
                    }
                    ids.insert(id)
                }
                members = ids
            }
        } else if let wanted = config.split, wanted != "all" {
            index.fatal.append(DataProblem(file: splitsPath, reason: "missing file, so there is no split '\(wanted)' (use split = \"all\")"))
            return index
        }

        // Samples.
        for (row, record) in records.enumerated() {
            guard let r = record, members?.contains(r.id) ?? true else { continue }
            var file: String?
            for ext in ["png", "jpg", "jpeg"] where names.contains("\(r.id).\(ext)") {
                file = "\(folder)/\(r.id).\(ext)"
                break
            }
            guard let path = file else {
                index.problems.append(DataProblem(file: "\(folder)/\(r.id).png", reason: "missing file (meta.jsonl line \(r.line))"))
                continue
            }
            if let e = index.embeddings, r.captions.count != e.captions {
                index.problems.append(DataProblem(file: "\(metaPath):\(r.line)", reason: "\(r.captions.count) captions, but the embeddings have \(e.captions) per image"))
                continue
            }
            index.samples.append(DataSample(id: r.id, path: path, classId: key == nil ? row : classOf(r) ?? -(row + 1), captions: r.captions,
                                            row: index.embeddings == nil ? -1 : row))
        }
        return index
    }
}
