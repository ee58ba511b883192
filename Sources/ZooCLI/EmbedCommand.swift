// `stackzoo embed`: captions → sentence embeddings with a text encoder (a captions file → [N, D] .npy; a captioned dataset → its emb_<tag>.npy).
import ArgumentParser
import Foundation
import ZooCore
import ZooData

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed captions with a text encoder (default all-MiniLM-L6-v2).",
        discussion: """
            CAPTIONS.txt (one caption per line) gives [N, D] float32, row i = line i, in --out (default \
            CAPTIONS.npy). A captioned dataset (its folder or its meta.jsonl) gives [N, K, D] in the \
            dataset's emb_<tag>.npy (e.g. emb_minilm.npy), the file training reads. Get the encoder's \
            weights once with scripts/get_text_encoder.sh.
            """)

    @Argument(help: "A captions file (.txt), or a captioned dataset's folder or meta.jsonl.")
    var input: String

    @Option(name: .long, help: "The output .npy (default: CAPTIONS.npy, or the dataset's emb_<tag>.npy).")
    var out: String?

    @Option(name: .long, help: "The text encoder, by name or tag (see `stackzoo list`).")
    var encoder: String?

    @Flag(name: .long, help: "Store float16 (half the size; the emoji set's embeddings are stored so).")
    var half = false

    @Flag(name: .long, help: "Replace an existing output file.")
    var force = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        BuiltinPlugins.registerAll()
        let (entry, enc) = try TextEncoderRegistry.shared.load(encoder)
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: input, isDirectory: &isDir)
        let start = Date()
        if (exists && isDir.boolValue) || input.hasSuffix("meta.jsonl") {
            let root = isDir.boolValue ? input : (input as NSString).deletingLastPathComponent
            let path = try CaptionEmbedding.embedDataset(root: root.isEmpty ? "." : root, encoder: enc, tag: entry.tag, half: half,
                                                         force: force, out: out, progress: EmbedCommand.progress)
            print("wrote \(path) (\(enc.name), \(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
        } else {
            let captions = try CaptionEmbedding.readLines(path: input)
            let path = out ?? (input.hasSuffix(".txt") ? String(input.dropLast(4)) : input) + ".npy"
            try CaptionEmbedding.refuseExisting(path, force: force)
            let e = try CaptionEmbedding.embed(captions, with: enc, progress: EmbedCommand.progress)
            try NPY.write(try SafeTensor(e, as: half ? .f16 : .f32), to: path)
            print("wrote \(path): [\(captions.count), \(enc.width)] (\(enc.name), \(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
        }
    }

    /// "embedded 512/3711 captions" on a terminal's one line.
    static func progress(_ done: Int, _ total: Int) {
        guard isatty(2) != 0 else { return }
        FileHandle.standardError.write(Data("\rembedded \(done)/\(total) captions\(done == total ? "\n" : "")".utf8))
    }
}
