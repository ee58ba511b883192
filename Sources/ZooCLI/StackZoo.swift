// Entry point of the `stackzoo` command: the subcommands and the options they share.
import ArgumentParser
import ZooCore

@main
struct StackZoo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackzoo",
        abstract: "Train, sample and evaluate StackGAN models on the CPU, scripted in Lua.",
        version: StackZooVersion.string,
        subcommands: [ListCommand.self, DescribeCommand.self, TrainCommand.self, RunCommand.self, SampleCommand.self, EvalCommand.self, EmbedCommand.self, ConvertCommand.self, ParityCommand.self, DataCommand.self, BenchCommand.self])

    @Flag(name: .customLong("no-plugins"),
          help: "Do not load zoo/plugins/*.lua (trusted code run by every command; also STACKZOO_PLUGINS=0).")
    var noPlugins = false

    /// Runs before the subcommand (the parser validates every command on the way down), so the
    /// flag is in force when the subcommand makes its Lua state.
    func validate() throws {
        if noPlugins { Project.loadsPlugins = false }
    }
}

/// Options every command that computes accepts.
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for GEMM and the engine's kernels (default: STACKZOO_THREADS or all cores).")
    var threads: Int?

    @Option(name: .customLong("memory-cap"),
            help: "Most memory the engine may hold at once, e.g. 8G or 512M (default: STACKZOO_MEMORY_CAP, else what the system has).")
    var memoryCap: String?

    func apply() throws {
        if let memoryCap {
            guard let bytes = MemoryGate.parseByteCount(memoryCap) else {
                throw ValidationError("--memory-cap must be a size such as 8G, 512M or a byte count (got '\(memoryCap)')")
            }
            MemoryGate.cap = bytes
        }
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
            Threads.set(threads)
        } else {
            _ = Threads.count
        }
    }
}
