// `stackzoo sample CHECKPOINT`: images from a checkpoint file alone (no zoo entry, no dataset).
import ArgumentParser
import Foundation
import ZooCore
import ZooImage

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate image grids from a checkpoint (with text embeddings for conditional models).",
        discussion: "Writes one grid per branch: OUT for the largest, OUT with -<size> before .png for every size. Rows are conditions; each image's noise depends only on --seed and its index, so the same seed gives the same images whatever --n.")

    @Argument(help: "A StackZoo checkpoint (.safetensors).")
    var checkpoint: String

    @Option(name: .long, help: "Text embeddings, .npy [N, D] or [N, K, D] (caption --caption of each), for conditional models.")
    var embeddings: String?

    @Option(name: .long, help: "Which caption of [N, K, D] embeddings to use (0-based).")
    var caption: Int = 0

    @Option(name: .long, help: "Number of images.")
    var n: Int = 16

    @Option(name: .long, help: "Noise seed.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Images per grid row.")
    var nrow: Int = 8

    @Option(name: .long, help: "Output PNG.")
    var out: String = "samples.png"

    @Flag(name: .long, inversion: .prefixedNo, help: "Use the generator's parameter average (EMA) when the checkpoint has one.")
    var ema = true

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        guard n >= 1, nrow >= 1 else { throw ValidationError("--n and --nrow must be at least 1") }
        BuiltinPlugins.registerAll()
        let file = try SafeTensorsFile.read(path: checkpoint)
        let (name, values) = try Checkpoint.config(of: file)
        let model = try ModelRegistry.shared.make(name, values: values)
        try Checkpoint.restore(file, into: model)
        var request = SampleRequest(n: n, seed: seed, useAverage: ema)
        if let embeddings { request.condition = try conditions(embeddings) }
        let images = try model.sample(request)
        guard let last = images.last else { throw ValidationError("the model produced no images") }
        for (branch, t) in images {
            let size = branch.drop { !$0.isNumber }
            if images.count > 1 { try saveGrid(t, path: suffixed(out, String(size)), nrow: nrow, padding: 2) }
        }
        try saveGrid(last.1, path: out, nrow: nrow, padding: 2)
        print("wrote \(out)" + (images.count > 1 ? " (and \(images.map { suffixed(out, String($0.0.drop { !$0.isNumber })) }.joined(separator: ", ")))" : ""))
    }

    /// n condition rows from an embeddings file, cycling through its entries.
    func conditions(_ path: String) throws -> Tensor {
        let e = try NPY.read(path: path).floats()
        let rows: Tensor
        switch e.shape.count {
        case 2: rows = e
        case 3:
            guard caption >= 0, caption < e.shape[1] else { throw ValidationError("--caption \(caption) out of range 0..<\(e.shape[1]) for \(path)") }
            let (count, k, d) = (e.shape[0], e.shape[1], e.shape[2])
            rows = try Tensor(shape: [count, d], data: (0..<count).flatMap { i in (0..<d).map { e[flat: (i * k + caption) * d + $0] } })
        default:
            throw ValidationError("\(path): embeddings must be [N, D] or [N, K, D], got \(shapeString(e.shape))")
        }
        let count = rows.shape[0], d = rows.shape[1]
        guard count > 0 else { throw ValidationError("\(path) holds no embeddings") }
        return try Tensor(shape: [n, d], data: (0..<n).flatMap { i in (0..<d).map { rows[flat: (i % count) * d + $0] } })
    }

    func suffixed(_ path: String, _ size: String) -> String {
        path.hasSuffix(".png") ? String(path.dropLast(4)) + "-\(size).png" : path + "-\(size).png"
    }
}
