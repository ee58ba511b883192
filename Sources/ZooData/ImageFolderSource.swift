// A folder tree of images for unconditional models: class folders, an optional whitelist of them.
import Foundation
import ZooCore

/// Every `.png`, `.jpg` and `.jpeg` (any case) under `root`, recursively, in sorted path order.
/// The first-level folders are the classes (numbered in sorted order; images directly under the
/// root are class 0 when there is no folder, else -1). `classes` keeps only the named folders, as
/// PT-v2's ImageNet dog/cat subsets keep their wnid lists.
enum ImageFolderSource {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    static func load(_ config: DataConfig) -> DataIndex {
        var index = DataIndex()
        let root = config.root
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            index.fatal.append(DataProblem(file: root, reason: "image folder not found"))
            return index
        }
        let top = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        let folders = top.filter { fm.fileExists(atPath: root + "/" + $0, isDirectory: &isDir) && isDir.boolValue }
        var chosen = folders
        if let wanted = config.classes {
            guard !wanted.isEmpty else {
                index.fatal.append(DataProblem(file: root, reason: "data.classes is an empty list"))
                return index
            }
            for w in wanted where !folders.contains(w) {
                let hint = closestMatch(w, in: folders).map { " (did you mean '\($0)'?)" } ?? ""
                index.fatal.append(DataProblem(file: root + "/" + w, reason: "class folder listed in data.classes not found\(hint)"))
            }
            if !index.fatal.isEmpty { return index }
            chosen = wanted.sorted()
        }
        var files: [(path: String, classId: Int)] = []
        if config.classes == nil {
            for name in top where !folders.contains(name) && isImage(name) {
                files.append((name, folders.isEmpty ? 0 : -1))
            }
        }
        for (c, folder) in chosen.enumerated() {
            guard let walker = fm.enumerator(atPath: root + "/" + folder) else { continue }
            var found: [String] = []
            for case let rel as String in walker where isImage(rel) && !rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                found.append(folder + "/" + rel)
            }
            files += found.sorted().map { ($0, c) }
        }
        guard !files.isEmpty else {
            index.fatal.append(DataProblem(file: root, reason: "empty folder: no images (.png, .jpg, .jpeg)" + (config.classes == nil ? "" : " in the listed classes")))
            return index
        }
        index.samples = files.map { DataSample(id: $0.path, path: root + "/" + $0.path, classId: $0.classId) }
        if !chosen.isEmpty {
            index.classCount = chosen.count
            index.classNames = chosen
            index.notes.append("classes: \(chosen.count) folder\(chosen.count == 1 ? "" : "s")" + (config.classes == nil ? "" : " (data.classes)"))
        }
        index.notes.append("images: \(root)")
        return index
    }

    static func isImage(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: ".") else { return false }
        return extensions.contains(name[name.index(after: dot)...].lowercased())
    }
}
