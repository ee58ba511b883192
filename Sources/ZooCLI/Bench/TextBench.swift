// `stackzoo bench text`: the text encoder embedding emoji captions, beside sentence-transformers on PyTorch in the same run.
import Foundation
import ZooCore
import ZooData

struct TextBenchResult: Codable {
    var captions: Int
    var threads: Int
    var seconds: Double
    var captionsPerSecond: Double
    /// sentence-transformers on the same captions and threads (nil when it could not run).
    var torchSeconds: Double?
    var speedup: Double?
    var torchNote: String?
}

enum TextBench {
    /// The first caption of each emoji record, then the second, … : `count` diverse captions.
    static func captions(count: Int) throws -> [String] {
        let records = try CaptionEmbedding.datasetCaptions(metaPath: Project.root + "/zoo/datasets/emoji/meta.jsonl")
        var out: [String] = []
        var k = 0
        while out.count < count && k < (records.first?.count ?? 0) {
            for r in records where out.count < count { out.append(r[k]) }
            k += 1
        }
        return out
    }

    static func run(count: Int, repeats: Int, torch: Bool) throws -> TextBenchResult {
        let texts = try captions(count: count)
        let enc = try TextEncoderRegistry.shared.make(nil)
        _ = try enc.encode(Array(texts.prefix(32)))  // warm-up
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = Date()
            _ = try enc.encode(texts)
            times.append(Date().timeIntervalSince(start))
        }
        let median = times.sorted()[times.count / 2]
        var result = TextBenchResult(captions: texts.count, threads: Threads.count, seconds: median,
                                     captionsPerSecond: Double(texts.count) / median)
        if torch {
            do {
                let t = try torchSeconds(texts, repeats: repeats)
                result.torchSeconds = t
                result.speedup = t / median
            } catch {
                result.torchNote = "\(error)"
            }
        }
        return result
    }

    /// Runs scripts/bench_text_torch.py on the same captions; its median time.
    static func torchSeconds(_ texts: [String], repeats: Int) throws -> Double {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stackzoo-bench-captions-\(getpid()).txt")
        try (texts.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Project.root + "/scripts/bench_text_torch.py", file.path, "--threads", "\(Threads.count)", "--repeats", "\(repeats)"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        struct Row: Decodable { var seconds: [Double] }
        guard p.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let row = try? JSONDecoder().decode(Row.self, from: Data(line.utf8)), !row.seconds.isEmpty else {
            let last = errText.split(separator: "\n").last.map(String.init) ?? "exit \(p.terminationStatus)"
            throw ZooError.unsupported("sentence-transformers did not run (pip install sentence-transformers): \(last)")
        }
        return row.seconds.sorted()[row.seconds.count / 2]
    }

    static func table(_ r: TextBenchResult) -> String {
        var lines = [String(format: "stackzoo  %@: %d captions in %.2f s (%.0f captions/s)", TextEncoderRegistry.shared.defaultName ?? "?",
                            r.captions, r.seconds, r.captionsPerSecond)]
        if let t = r.torchSeconds, let s = r.speedup {
            lines.append(String(format: "pytorch   sentence-transformers: %.2f s (%.0f captions/s)", t, Double(r.captions) / t))
            lines.append(String(format: "speed-up  %.2f×", s))
        } else if let note = r.torchNote {
            lines.append("pytorch   not measured: \(note)")
        }
        return lines.joined(separator: "\n")
    }
}
