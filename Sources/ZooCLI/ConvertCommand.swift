// `stackzoo convert NETG.pth --entry ENTRY [--netD D.pth...] --out F.safetensors`: official PyTorch checkpoints → a StackZoo checkpoint, natively.
import ArgumentParser
import Foundation
import ZooCore
import ZooLua

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert official StackGAN .pth checkpoints (generator, optionally discriminators) into one StackZoo checkpoint.",
        discussion: """
            Does what scripts/convert_official.py does, without Python: reads the .pth files with a safe \
            reader (no code in them runs), strips nn.DataParallel's 'module.' prefix, adds the batch norms' \
            num_batches_tracked that PyTorch < 0.4.1 did not save, loads each file strictly into the \
            entry's network (netG; the discriminators in order: StackGAN-v2's netsD.0-2, v1's netD), \
            makes the generator's weights the average sampled with, and writes a checkpoint \
            `stackzoo sample` reads. Networks given no file keep their initial weights (seed 0).
            """)

    @Argument(help: "The official generator checkpoint (netG_<iter>.pth, netG_epoch_<n>.pth); or give --netG.")
    var input: String?

    @Option(name: .customLong("netG"), help: "The generator checkpoint (as scripts/convert_official.py takes it).")
    var netG: String?

    @Option(name: .customLong("netD"), parsing: .upToNextOption, help: "Discriminator checkpoints in order (netD0.pth netD1.pth netD2.pth; v1: netD_epoch_last.pth).")
    var netD: [String] = []

    @Option(name: .long, help: "The zoo entry whose networks the files hold, e.g. stackgan-v2/birds, stackgan-v1/coco-stage1.")
    var entry: String?

    @Option(name: .long, help: "As scripts/convert_official.py: birds (stackgan-v2/birds) or uncond (stackgan-v2/dog).")
    var preset: String?

    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set arch.branches=2 (repeatable).")
    var overrides: [String] = []

    @Option(name: .long, help: "The output .safetensors.")
    var out: String

    @Flag(name: .long, help: "Replace an existing output file.")
    var force = false

    @OptionGroup var engine: EngineOptions

    static let presets = ["birds": "stackgan-v2/birds", "uncond": "stackgan-v2/dog"]

    func validate() throws {
        guard (input == nil) != (netG == nil) else { throw ValidationError("give the generator checkpoint once: as the argument or as --netG") }
        guard (entry == nil) != (preset == nil) else { throw ValidationError("give one of --entry ENTRY and --preset birds|uncond") }
        if let preset, Self.presets[preset] == nil { throw ValidationError("--preset must be birds or uncond (got '\(preset)')") }
    }

    func run() throws {
        try engine.apply()
        if !force && FileManager.default.fileExists(atPath: out) {
            throw ZooError.io(path: out, message: "already exists (give --force to replace it)")
        }
        let generator = netG ?? input!
        for path in [generator] + netD where !FileManager.default.fileExists(atPath: path) {   // before building the model
            throw ZooError.io(path: path, message: "no such file")
        }
        let entryName = entry ?? Self.presets[preset!]!
        let lua = try Project.luaState()
        var resolved: [Any?] = []
        try ScriptReport.run { resolved = try lua.call("flat_config", entryName, overrides) }
        guard let name = resolved.first as? String, let values = resolved.dropFirst().first as? [String: Any] else {
            throw ZooError.unsupported("\(entryName): could not resolve its config")
        }
        guard (try? ModelRegistry.shared.entry(name))?.origin == "compiled" else {
            throw ZooError.unsupported("\(entryName): model '\(name)' is written in Lua; convert builds compiled models (stackgan-v1, stackgan-v2)")
        }
        GlobalRandom.seed(0)
        let model = try ModelRegistry.shared.make(name, values: values)
        let file = try OfficialCheckpoint.convert(model, modelName: name, config: values, netG: generator, netD: netD, out: out)
        try file.write(path: out)
        let given = model.networks.prefix(1 + netD.count).map(\.0), initial = model.networks.dropFirst(1 + netD.count).map(\.0)
        print("wrote \(out): \(file.names.count) tensors, \(name) as \(entryName) (from .pth: \(given.joined(separator: ", "))"
              + (initial.isEmpty ? ")" : "; initial weights: \(initial.joined(separator: ", ")))"))
    }
}
