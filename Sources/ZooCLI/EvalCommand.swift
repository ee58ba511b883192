// `stackzoo eval CHECKPOINT --metric text,fid,kid,is`: measures a checkpoint (scripts/eval.lua).
import ArgumentParser
import Foundation
import ZooCore
import ZooLua

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a checkpoint: --metric text (text sensitivity, caption-class accuracy), fid, kid, is.",
        discussion: """
            text: for captions spanning the dataset's classes (--per-class of each, from the test split) \
            × --noises noises, the pixel variance across captions at fixed noise over the variance across \
            noises at fixed caption (0 = the text is ignored), and the balanced accuracy of a classifier of \
            the dataset's classes (zoo/classifiers/; scripts/train_classifier.lua makes one) on the generated \
            64-px images against each caption's class, next to its accuracy on the real images and chance. \
            fid, kid, is: --n generated 64-px images (text models: one per real image of the split, from its \
            caption) against the split's real images, on the features and classes of that classifier \
            (comparable between runs on the dataset, not with papers' Inception numbers).
            """)

    @Argument(help: "A StackZoo checkpoint (.safetensors).")
    var checkpoint: String

    @Option(name: .long, help: "Metrics, comma-separated: text, fid, kid, is.")
    var metric: String = "text"

    @Option(name: .long, help: "fid/kid/is: generated images (default: as many as the split's real images).")
    var n: Int?

    @Option(name: .long, help: "The dataset (default: the checkpoint config's data.root).")
    var dataset: String?

    @Option(name: .long, help: "The split whose captions and images are used.")
    var split: String = "test"

    @Option(name: .customLong("per-class"), help: "Captions per class.")
    var perClass: Int = 4

    @Option(name: .long, help: "Noises per caption.")
    var noises: Int = 8

    @Option(name: .long, help: "Noise seed.")
    var seed: Int = 0

    @Option(name: .long, help: "The classifier file (default: zoo/classifiers/ for the dataset).")
    var classifier: String?

    @Flag(name: .long, help: "Print the numbers as one JSON object.")
    var json = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        guard (1...64).contains(perClass), (2...256).contains(noises), seed >= 0 else {
            throw ValidationError("--per-class must be 1...64, --noises 2...256 and --seed at least 0")
        }
        let lua = try Project.luaState()
        var options: [String: Any] = ["checkpoint": checkpoint, "metric": metric, "split": split, "per_class": perClass,
                                      "noises": noises, "seed": seed, "json": json, "project": Project.root]
        if let dataset { options["dataset"] = dataset }
        if let classifier { options["classifier"] = classifier }
        if let n {
            guard n >= 2 else { throw ValidationError("--n must be at least 2") }
            options["n"] = n
        }
        try ScriptReport.run { try lua.runFile(Project.root + "/scripts/eval.lua", options: options) }
    }
}
