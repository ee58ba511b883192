// `stackzoo sample CHECKPOINT`: images from a checkpoint file alone (no zoo entry, no dataset),
// through a Lua sampling loop (default scripts/sample_grid.lua).
import ArgumentParser
import Foundation
import ZooCore
import ZooLua

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate image grids from a checkpoint (from captions or text embeddings for conditional models).",
        discussion: """
            Runs a sampling loop: scripts/sample_grid.lua (conditions × noise) by default, or --loop \
            scripts/interpolate.lua (spherical interpolation of z, then between two conditions) or \
            scripts/sweep.lua (one condition, many z), or your own. Writes OUT for the largest branch \
            and OUT-<size>.png for every branch. Image k's noise depends only on --seed and k, so the \
            same seed gives the same images whatever --n. Eval-mode batch norm and the EMA weights by default \
            (--live for the last trained weights, --train-bn for batch statistics).
            """)

    @Argument(help: "A StackZoo checkpoint (.safetensors).")
    var checkpoint: String

    @Option(name: .long, help: "Text embeddings, .npy [N, D] or [N, K, D], for conditional models.")
    var embeddings: String?

    @Option(name: .long, help: "A caption, any text (repeatable): one grid row each, embedded by the model's text encoder.")
    var text: [String] = []

    @Option(name: .long, help: "Captions, one per line (any text, as --text).")
    var captions: String?

    @Option(name: .long, help: "The text encoder for --text/--captions (default: the one that made the model's training embeddings).")
    var encoder: String?

    @Option(name: .long, help: "The captioned dataset whose precomputed embeddings --captions falls back to when the text encoder is not installed (default: the checkpoint config's data.root).")
    var dataset: String?

    @Option(name: .long, help: "Which caption of [N, K, D] embeddings to use (0-based).")
    var caption: Int = 0

    @Option(name: .long, help: "Number of images.")
    var n: Int = 16

    @Option(name: .long, help: "Noise seed.")
    var seed: Int = 0

    @Option(name: .long, help: "Images per grid row.")
    var nrow: Int = 8

    @Option(name: .long, help: "Output PNG (or a folder, which gets samples.png and its branch grids).")
    var out: String = "samples.png"

    @Option(name: .long, help: "The sampling loop (a Lua script).")
    var loop: String?

    /// Which generator weights to sample with.
    enum Weights: String, EnumerableFlag {
        case ema, live
        static func help(for value: Weights) -> ArgumentHelp? {
            value == .ema ? "The generator's parameter average, where the checkpoint has one (default)." : "The live (last trained) weights."
        }
    }

    @Flag var weights: Weights = .ema

    @Flag(name: .customLong("train-bn"), help: "Batch norm with batch statistics instead of running statistics.")
    var trainBN = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        guard n >= 1, nrow >= 1, seed >= 0, caption >= 0 else { throw ValidationError("--n and --nrow must be at least 1, --seed and --caption at least 0") }
        // A folder (existing, or written with a trailing slash) gets OUT/samples.png and its branch grids.
        var out = out
        var isFolder: ObjCBool = false
        if out.hasSuffix("/") || (FileManager.default.fileExists(atPath: out, isDirectory: &isFolder) && isFolder.boolValue) {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            out = (out.hasSuffix("/") ? String(out.dropLast()) : out) + "/samples.png"
        }
        let lua = try Project.luaState()
        var options: [String: Any] = ["checkpoint": checkpoint, "caption": caption, "n": n, "seed": seed, "nrow": nrow,
                                      "out": out, "ema": weights == .ema, "eval": !trainBN]
        guard [embeddings != nil, captions != nil, !text.isEmpty].filter({ $0 }).count <= 1 else {
            throw ValidationError("give one of --embeddings, --captions and --text")
        }
        if let embeddings { options["embeddings"] = embeddings }
        if let captions { options["captions"] = captions }
        if !text.isEmpty { options["texts"] = text }
        if let encoder { options["encoder"] = encoder }
        if let dataset { options["dataset"] = dataset }
        options["project"] = Project.root
        try ScriptReport.run { try lua.runFile(loop ?? Project.root + "/scripts/sample_grid.lua", options: options) }
    }
}
