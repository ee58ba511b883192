// `stackzoo data check ENTRY`: validates an entry's dataset without training (counts, sizes, problems).
import ArgumentParser
import Foundation
import ZooCore
import ZooData
import ZooLua

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Dataset tools.", subcommands: [DataCheckCommand.self, DataPrepareCommand.self])
}

struct DataCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a zoo entry's dataset without training: counts, image sizes, split sizes, every problem.",
        discussion: "Exits non-zero when there is any problem (whatever data.on_error says).")

    @Argument(help: "A zoo entry (path or short name such as stackgan-v2/emoji).")
    var entry: String

    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set data.split=test (repeatable).")
    var overrides: [String] = []

    @Option(name: .customLong("image-size"), help: "The largest branch size (default: from arch.branches, 64·2^(branches−1), else 256).")
    var imageSize: Int?

    @Flag(name: .customLong("headers-only"), help: "Check headers and trailers only, without decoding every image.")
    var headersOnly = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let lua = try Project.luaState()
        // data.* overrides are applied here (the model schemas do not list the data table's keys).
        let dataOverrides = overrides.filter { $0.hasPrefix("data.") }
        var resolved: [Any?] = []
        var textDimension: Int?
        try ScriptReport.run {
            resolved = try lua.call("config", entry, overrides.filter { !$0.hasPrefix("data.") })
            // The model's embedding size, which a text model's dataset must provide.
            textDimension = try lua.call("text_dim", entry, overrides.filter { !$0.hasPrefix("data.") }).first as? Int
        }
        guard let cfg = resolved.first as? [String: Any] else { throw DataCommandError("\(entry): the entry did not resolve to a config table") }
        let path = resolved.count > 2 ? (resolved[2] as? String ?? entry) : entry
        var data = cfg["data"] as? [String: Any] ?? [:]
        for o in dataOverrides {
            guard let eq = o.firstIndex(of: "="), o.index(o.startIndex, offsetBy: 5) < eq else {
                throw ValidationError("--set \(o): expected data.key=value (e.g. data.split=test)")
            }
            let key = String(o[o.index(o.startIndex, offsetBy: 5)..<eq]), text = String(o[o.index(after: eq)...])
            if let i = Int(text) { data[key] = i } else if text == "true" || text == "false" { data[key] = text == "true" } else { data[key] = text }
        }
        guard !data.isEmpty else {
            throw DataCommandError("\(path): the entry has no data table (data = { kind = ..., root = ... })")
        }
        let config: DataConfig
        do { config = try DataConfig(data, baseDirectory: Project.root) } catch {
            throw DataCommandError("\(path): \(error)")
        }
        let arch = cfg["arch"] as? [String: Any]
        let branches = arch?["branches"] as? Int
        let size = imageSize ?? branches.map { 64 << max(0, $0 - 1) } ?? 256
        let batch = (cfg["train"] as? [String: Any])?["batch"] as? Int
        guard size >= 1 else { throw ValidationError("--image-size must be positive") }
        print("entry: \(path)")
        let report = DataCheck.run(config, imageSize: size, batchSize: batch, decode: !headersOnly, textDimension: textDimension,
                                   threads: Threads.count)
        print(report.text)
        if !report.problems.isEmpty { throw ExitCode.failure }
    }
}

/// A one-line failure of `stackzoo data` (printed as "Error: ...", without the usage text).
struct DataCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `stackzoo data prepare DIR`: a folder of images and captions becomes a captioned dataset.
struct DataPrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Make a captioned dataset of DIR/images/*.{png,jpg} and DIR/captions.txt (FILE<TAB>CAPTION[<TAB>CLASS] per line).",
        discussion: """
            Writes DIR/meta.jsonl, DIR/splits.json (train/test) and DIR/emb_<tag>.npy (the text \
            encoder's embeddings of every caption), so that `data = { kind = "captioned", root = "DIR" }` \
            trains on it. A file may have several lines (several captions); an image with fewer than \
            the most any image has repeats its own. Nothing is written when a line or an image is wrong.
            """)

    @Argument(help: "The dataset folder (with images/ and captions.txt).")
    var dir: String

    @Option(name: .long, help: "The captions file (default DIR/captions.txt).")
    var captions: String?

    @Option(name: .customLong("test-fraction"), help: "Share of the images held out as the test split.")
    var testFraction: Double = 0.1

    @Option(name: .long, help: "Seed of the train/test draw.")
    var seed: Int = 0

    @Option(name: .long, help: "The text encoder, by name or tag.")
    var encoder: String?

    @Flag(name: .long, help: "Store the embeddings as float16.")
    var half = false

    @Flag(name: .long, help: "Replace the files of an earlier prepare.")
    var force = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        guard seed >= 0 else { throw ValidationError("--seed must be at least 0") }
        BuiltinPlugins.registerAll()
        var job = DatasetPrepare(root: dir, captionsFile: captions)
        job.testFraction = testFraction
        job.seed = UInt64(seed)
        job.half = half
        job.force = force
        let (entry, enc) = try TextEncoderRegistry.shared.load(encoder)
        let r = try job.run(encoder: enc, tag: entry.tag, progress: EmbedCommand.progress)
        print("\(r.images) images, \(r.captionsPerImage) captions each, \(r.train) train / \(r.test) test"
              + (r.classes.isEmpty ? "" : ", \(r.classes.count) classes"))
        print("wrote " + r.written.joined(separator: ", "))
        print("train on it with:  data = { kind = \"captioned\", root = \"\(dir)\" }   (check it first: stackzoo data check ENTRY)")
    }
}
