// `stackzoo parity PREFIX`: reproduce a PyTorch reference export and report every tensor's error.
import ArgumentParser
import Foundation
import ZooCore

struct ParityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity",
        abstract: "Check StackZoo against a PyTorch reference export (PREFIX.io.safetensors and its weight files).",
        discussion: "Rebuilds the model from the config in the metadata, loads the weights, replays the protocol (eval and train forwards, BN buffers, discriminator outputs, two training steps with losses and gradients) and prints the error of every tensor. Exits 0 only when all are within tolerance. Runs on one thread unless --threads is given, as the fixtures were made: another thread split sums in another order, and the two-image batch norms of the small fixtures can amplify that past the second step's tolerance.")

    @Argument(help: "Fixture prefix, e.g. Tests/Fixtures/parity/shared_v2_cond")
    var prefix: String

    @Flag(name: .long, help: "Only print failing tensors and the summary.")
    var quiet = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        if engine.threads == nil { Threads.set(1) }
        BuiltinPlugins.registerAll()
        let report = try ParityRunners.run(prefix: prefix)
        print("parity \(prefix)")
        print(report.table(verbose: !quiet))
        if !report.passed { throw ExitCode.failure }
    }
}
