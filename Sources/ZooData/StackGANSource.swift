// The official CUB-200 / Oxford-102 / COCO layouts (SPEC §7) after scripts/convert_stackgan_data.py.
import Foundation
import ZooCore

/// Reads `ROOT/<split>/` as written by `scripts/convert_stackgan_data.py` from the official
/// Python-2 pickles:
///
/// - `filenames.txt`: one key per line (`002.Laysan_Albatross/Laysan_Albatross_0002_1027`,
///   `jpg/image_06734`), in the order of the embeddings' rows;
/// - `class_info.txt` (optional): one integer class id per line (absent: every image its own
///   class, as PT-v2 falls back to `arange(N)`);
/// - `<name>-embeddings.npy`: float32 `[N, K, D]` (`char-CNN-RNN` by default).
///
/// Images are `<images>/<key>.jpg` with `<images>` = `CUB_200_2011/images` (cub), the root
/// (flowers) or `images` (coco). For CUB, `CUB_200_2011/images.txt` and `bounding_boxes.txt`
/// give each image's box (SPEC §5.7). Captions are read from `text_c10/<key>.txt` or
/// `text/<key>.txt` when those folders exist.
enum StackGANSource {
    static func load(_ config: DataConfig) -> DataIndex {
        var index = DataIndex()
        let root = config.root
        let fm = FileManager.default
        let split = config.split ?? "train"
        let dir = root + "/" + split
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            index.fatal.append(DataProblem(file: root, reason: "dataset folder not found"))
            return index
        }
        for name in ["train", "test"] {
            if let text = try? String(contentsOfFile: "\(root)/\(name)/filenames.txt", encoding: .utf8) {
                index.splitSizes.append((name, text.split(whereSeparator: \.isNewline).count))
            }
        }
        let namesPath = dir + "/filenames.txt"
        guard let namesText = try? String(contentsOfFile: namesPath, encoding: .utf8) else {
            let pickled = fm.fileExists(atPath: dir + "/filenames.pickle")
            index.fatal.append(DataProblem(file: namesPath, reason: pickled
                ? "missing file: the split still holds the official pickles; convert them once with scripts/convert_stackgan_data.py \(root)"
                : "missing file (split '\(split)' not found)"))
            return index
        }
        let keys = namesText.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !keys.isEmpty else {
            index.fatal.append(DataProblem(file: namesPath, reason: "no file names (empty file)"))
            return index
        }

        // Classes.
        var classes: [Int]?
        let classPath = dir + "/class_info.txt"
        if let text = try? String(contentsOfFile: classPath, encoding: .utf8) {
            let values = text.split(whereSeparator: \.isNewline).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == keys.count, values.allSatisfy({ $0 != nil }) else {
                index.fatal.append(DataProblem(file: classPath, reason: "expected \(keys.count) integer class ids (one per file name), found \(values.count) lines"
                    + (values.contains(nil) ? " with non-integers" : "")))
                return index
            }
            classes = values.map { $0! }
            index.classCount = Set(classes!).count
            index.notes.append("classes: \(index.classCount!) (class_info.txt)")
        } else {
            index.notes.append("classes: none (class_info.txt absent: every image its own class)")
        }

        // Embeddings.
        let name = config.embeddings ?? "char-CNN-RNN"
        let embPath = name.hasSuffix(".npy") ? (name.hasPrefix("/") ? name : dir + "/" + name) : "\(dir)/\(name)-embeddings.npy"
        do {
            let table = try EmbeddingTable.read(path: embPath)
            guard table.count == keys.count else {
                index.fatal.append(DataProblem(file: embPath, reason: "embeddings \(table.shapeText) do not match filenames.txt: \(keys.count) images (\(table.count) rows)"))
                return index
            }
            index.embeddings = table
            index.notes.append("embeddings: \((embPath as NSString).lastPathComponent) \(table.storedType) \(table.shapeText)")
        } catch let p as DataProblem {
            let pickled = (embPath as NSString).deletingPathExtension + ".pickle"
            index.fatal.append(fm.fileExists(atPath: pickled) && !fm.fileExists(atPath: embPath)
                ? DataProblem(file: embPath, reason: "missing file: convert \((pickled as NSString).lastPathComponent) once with scripts/convert_stackgan_data.py \(root)")
                : p)
            return index
        } catch {
            index.fatal.append(DataProblem(file: embPath, reason: "\(error)"))
            return index
        }

        // Images and boxes.
        let imagesDir: String
        if let images = config.images {
            imagesDir = images.hasPrefix("/") ? images : root + "/" + images
        } else {
            switch config.dataset {
            case "cub": imagesDir = root + "/CUB_200_2011/images"
            case "coco": imagesDir = root + "/images"
            default: imagesDir = root
            }
        }
        guard fm.fileExists(atPath: imagesDir, isDirectory: &isDir), isDir.boolValue else {
            index.fatal.append(DataProblem(file: imagesDir, reason: "image folder not found"))
            return index
        }
        index.notes.append("images: \(imagesDir)")
        var boxes: [String: BoundingBox]?
        if config.bbox ?? (config.dataset == "cub") {
            switch readBoxes(root + "/CUB_200_2011") {
            case .success(let b):
                boxes = b
                index.notes.append("bounding boxes: \(b.count) (CUB_200_2011/bounding_boxes.txt)")
            case .failure(let p):
                index.fatal.append(p)
                return index
            }
        }
        let textDir = ["text_c10", "text"].map { root + "/" + $0 }.first { fm.fileExists(atPath: $0) }

        for (row, key) in keys.enumerated() {
            let path = "\(imagesDir)/\(key).jpg"
            var box: BoundingBox?
            if let boxes {
                guard let b = boxes[key] else {
                    index.problems.append(DataProblem(file: path, reason: "no bounding box for key '\(key)' in bounding_boxes.txt"))
                    continue
                }
                box = b
            }
            var captions: [String] = []
            if let textDir, let text = try? String(contentsOfFile: "\(textDir)/\(key).txt", encoding: .utf8) {
                captions = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
            }
            index.samples.append(DataSample(id: key, path: path, classId: classes?[row] ?? row, bbox: box, captions: captions, row: row))
        }
        return index
    }

    /// `images.txt` (`<id> <relative path>`) and `bounding_boxes.txt` (`<id> <x> <y> <w> <h>`), joined
    /// by image id; keys are the relative paths without ".jpg", values truncated to integers as
    /// the reference does (`astype(int)`).
    static func readBoxes(_ cubDir: String) -> Result<[String: BoundingBox], DataProblem> {
        let imagesPath = cubDir + "/images.txt", boxesPath = cubDir + "/bounding_boxes.txt"
        guard let imagesText = try? String(contentsOfFile: imagesPath, encoding: .utf8) else {
            return .failure(DataProblem(file: imagesPath, reason: "missing file (needed for the CUB bounding boxes)"))
        }
        guard let boxesText = try? String(contentsOfFile: boxesPath, encoding: .utf8) else {
            return .failure(DataProblem(file: boxesPath, reason: "missing file (needed for the CUB bounding boxes)"))
        }
        var pathOf: [String: String] = [:]
        for (n, line) in imagesText.split(whereSeparator: \.isNewline).enumerated() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count == 2 else { return .failure(DataProblem(file: "\(imagesPath):\(n + 1)", reason: "expected '<id> <path>'")) }
            var p = String(f[1])
            if p.hasSuffix(".jpg") { p.removeLast(4) }
            pathOf[String(f[0])] = p
        }
        var out: [String: BoundingBox] = [:]
        for (n, line) in boxesText.split(whereSeparator: \.isNewline).enumerated() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            let v = f.dropFirst().compactMap { Double($0) }
            guard f.count == 5, v.count == 4, v.allSatisfy({ $0 >= 0 && $0 < 1e9 }) else {
                return .failure(DataProblem(file: "\(boxesPath):\(n + 1)", reason: "expected '<id> <x> <y> <w> <h>' with non-negative numbers"))
            }
            guard let key = pathOf[String(f[0])] else {
                return .failure(DataProblem(file: "\(boxesPath):\(n + 1)", reason: "image id \(f[0]) is not in images.txt"))
            }
            out[key] = BoundingBox(x: Int(v[0]), y: Int(v[1]), width: Int(v[2]), height: Int(v[3]))
        }
        return .success(out)
    }
}
