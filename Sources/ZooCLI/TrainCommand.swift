// `stackzoo train ENTRY`: runs a training recipe (default scripts/train.lua) for a zoo entry.
import ArgumentParser
import Foundation
import ZooCore
import ZooLua

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a zoo entry with a Lua recipe (default scripts/train.lua).",
        discussion: "Writes runs/NAME/: config.lua, log.jsonl, samples/, checkpoints/, report.html. Ctrl-C (SIGINT) or SIGTERM finishes the current step, writes a checkpoint and exits; --resume DIR continues exactly where it stopped.")

    @Argument(help: "A zoo entry (short name such as stackgan-v2/emoji, or a path). Not needed with --resume.")
    var entry: String?

    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set train.batch=8 (repeatable).")
    var overrides: [String] = []

    @Option(name: .long, help: "Run folder (default runs/<entry name>).")
    var out: String?

    @Option(name: .long, help: "Resume the run in this folder from its latest checkpoint.")
    var resume: String?

    @Option(name: .long, help: "Random seed (model noise, data order, augmentation).")
    var seed: Int?

    @Option(name: .long, help: "Stop after this many steps in all (counting steps before a resume).")
    var steps: Int?

    @Option(name: .long, help: "Stop after this many minutes of this session.")
    var minutes: Double?

    @Option(name: .long, help: "The training recipe (a Lua script; default scripts/train.lua, or with --resume the run's own recipe.lua).")
    var recipe: String?

    @Flag(name: .long, help: "Start afresh in an --out folder that already holds a run, moving that run aside to OUT.old-N.")
    var force = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        guard entry != nil || resume != nil else { throw ValidationError("give a zoo entry to train, or --resume DIR") }
        if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0") }
        if let minutes, minutes <= 0 { throw ValidationError("--minutes must be positive") }
        let lua = try Project.luaState()
        var options: [String: Any] = ["overrides": overrides, "threads": Threads.count]
        if let entry { options["entry"] = entry }
        if let out { options["out"] = out }
        if let resume { options["resume"] = resume }
        if let seed { options["seed"] = seed }
        if let steps { options["steps"] = steps }
        if let minutes { options["minutes"] = minutes }
        if force { options["force"] = true }
        if force, resume != nil { throw ValidationError("--force starts a run afresh; it cannot be combined with --resume") }
        let script = recipe ?? resume.flatMap(Self.runRecipe) ?? Project.root + "/scripts/train.lua"
        options["recipe"] = script
        try ScriptReport.run { try lua.runFile(script, options: options) }
    }

    /// The recipe a run folder was trained with (its recipe.lua), which --resume continues with.
    static func runRecipe(_ dir: String) -> String? {
        let path = (dir.hasSuffix("/") ? String(dir.dropLast()) : dir) + "/recipe.lua"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
