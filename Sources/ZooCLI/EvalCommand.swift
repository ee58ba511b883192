// `stackzoo eval CHECKPOINT --metric text`: measures a checkpoint (scripts/eval.lua).
import ArgumentParser
import Foundation
import ZooCore
import ZooLua

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a checkpoint: --metric text (text sensitivity and caption-class accuracy).",
        discussion: """
            text: for captions spanning the dataset's classes (--per-class of each, from the test split) \
            × --noises noises, the pixel variance across captions at fixed noise over the variance across \
            noises at fixed caption (0 = the text is ignored), and the balanced accuracy of a classifier of \
            the dataset's classes (zoo/classifiers/; scripts/train_classifier.lua makes one) on the generated \
            64-px images against each caption's class, next to its accuracy on the real images and chance.
            """)

    @Argument(help: "A StackZoo checkpoint (.safetensors).")
    var checkpoint: String

    @Option(name: .long, help: "Metrics, comma-separated (text).")
    var metric: String = "text"

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
        try ScriptReport.run { try lua.runFile(Project.root + "/scripts/eval.lua", options: options) }
    }
}
