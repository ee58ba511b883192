// The report of `stackzoo data check`: counts, image sizes, split sizes and every problem found.
import Foundation
import ZooCore

/// The result of checking a dataset without training.
public struct DataReport: Sendable {
    /// Summary lines (what was found).
    public var lines: [String]
    /// Every problem, fatal ones first.
    public var problems: [DataProblem]
    /// Images that passed.
    public var goodImages: Int

    /// The whole report as printed: summary, then "problems: none" or one line per problem.
    public var text: String {
        var out = lines
        if problems.isEmpty {
            out.append("problems: none")
        } else {
            out.append("problems: \(problems.count)")
            out += problems.map { "  \($0)" }
        }
        return out.joined(separator: "\n")
    }
}

public enum DataCheck {
    /// Reads `config`'s index and checks every image of its split (a full decode unless
    /// `decode` is false), whatever `on_error` says. `imageSize` (the largest branch) picks the
    /// image folder of a captioned dataset; `batchSize` gives the batches per epoch.
    /// `textDimension`: the embedding size of the entry's text model (nil: unconditional), which
    /// the dataset's embeddings must have.
    public static func run(_ config: DataConfig, imageSize: Int = 256, batchSize: Int? = nil, decode: Bool = true,
                           textDimension: Int? = nil,
                           threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)) -> DataReport {
        let loadSize = Preprocess.loadSize(forImageSize: imageSize)
        var index = DataIndex.load(config, loadSize: loadSize)
        index.fatal += index.textProblems(expected: textDimension, root: config.root)
        if let overlap = index.splitOverlap { index.problems.insert(overlap, at: 0) }
        var lines = ["dataset: \(config.kind.rawValue) at \(config.root)" + (config.kind == .images ? "" : ", split '\(config.split ?? "train")'")]
        lines += index.notes
        if !index.splitSizes.isEmpty {
            lines.append("splits: " + index.splitSizes.map { "\($0.name) \($0.count)" }.joined(separator: ", "))
        }
        guard index.fatal.isEmpty else {
            return DataReport(lines: lines, problems: index.fatal + index.problems, goodImages: 0)
        }
        let checked = Validation.run(index.samples, decode: decode, threads: threads)
        let good = checked.headers.compactMap { $0 }
        lines.append("checked: \(index.samples.count) images (\(decode ? "decoded" : "headers")): \(good.count) good, \(checked.problems.count) bad"
            + (index.problems.isEmpty ? "" : "; \(index.problems.count) records without a usable image"))
        if !good.isEmpty {
            var histogram: [String: Int] = [:]
            var formats: [String: Int] = [:]
            for h in good {
                histogram["\(h.width)x\(h.height)", default: 0] += 1
                formats[h.format.rawValue, default: 0] += 1
            }
            let top = histogram.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
            let widths = good.map(\.width), heights = good.map(\.height)
            lines.append("image sizes: " + top.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
                + (histogram.count > 5 ? ", … \(histogram.count) sizes, width \(widths.min()!)…\(widths.max()!), height \(heights.min()!)…\(heights.max()!)" : ""))
            lines.append("formats: " + formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            let short = zip(widths, heights).filter { min($0, $1) < loadSize }.count
            var load = "load size \(loadSize) for \(imageSize)-px crops"
            if short > 0 { load += "; \(short) images have a shorter side below it (upscaled)" }
            if let b = batchSize, b > 0 { load += "; batches of \(b): \(good.count / b) per epoch" }
            lines.append(load)
        }
        return DataReport(lines: lines, problems: index.problems + checked.problems, goodImages: good.count)
    }
}
