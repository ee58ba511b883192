// `stackzoo bench`: throughput of the engine's kernels and (later) of the real networks.
import ArgumentParser
import Foundation
import ZooCore

struct BenchCommand: ParsableCommand {
    /// Runs one model workload in a child process (its own peak memory) and reads its JSON row.
    func childRun(_ name: String) throws -> ModelBenchResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var args = ["bench", name, "--json", "--repeats", "\(repeats)", "--threads", "\(Threads.count)"]
        if let batch { args += ["--batch", "\(batch)"] }
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let row = try JSONDecoder().decode([ModelBenchResult].self, from: data).first else {
            throw ValidationError("the \(name) benchmark failed (exit \(p.terminationStatus))")
        }
        return row
    }

    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark workloads (release builds only give meaningful numbers).",
        discussion: """
            Workloads: ops — conv2d forward and backward on the StackGAN GEMM shapes next to bare OpenBLAS sgemm; \
            text — the text encoder embedding --captions emoji captions, beside sentence-transformers on PyTorch; \
            \(ModelWorkload.all.map { "\($0.name) — \($0.summary) (batch \($0.batch))" }.joined(separator: "; ")); \
            models — all of those. Model workloads run one per process when several are asked for, so each \
            reports its own peak memory.
            """)

    @Argument(help: "Workloads to run (default: ops).")
    var workloads: [String] = ["ops"]

    @Option(name: .long, help: "Batch size for model workloads (default: the workload's).")
    var batch: Int?

    @Option(name: .long, help: "Timed repetitions per measurement (median reported).")
    var repeats: Int = 5

    @Option(name: .long, help: "Only run cases whose name contains this text.")
    var filter: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    @Option(name: .long, help: "text: how many emoji captions to embed.")
    var captions: Int = 2000

    @Flag(name: .customLong("no-torch"), help: "text: skip the sentence-transformers (PyTorch) side.")
    var noTorch = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
        let expanded = workloads.flatMap { $0 == "models" ? ModelWorkload.all.map(\.name) : [$0] }
        let models = expanded.filter { name in ModelWorkload.all.contains { $0.name == name } }
        if !models.isEmpty {
            BuiltinPlugins.registerAll()
            var rows: [ModelBenchResult] = []
            for name in models {
                let w = ModelWorkload.all.first { $0.name == name }!
                if models.count == 1 { rows.append(try ModelBench.run(w, batch: batch ?? w.batch, repeats: repeats)) }
                else { rows.append(try childRun(name)) }
                if !json { FileHandle.standardError.write("  \(name) done\n".data(using: .utf8)!) }
            }
            if json { print(String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)) }
            else {
                print("bench: real networks on synthetic inputs, \(Threads.count) thread(s), median of \(repeats) after a warm-up")
                print(ModelBench.table(rows))
            }
        }
        for w in expanded where !models.contains(w) {
            switch w {
            case "ops":
                GlobalRandom.seed(0)
                var rows: [OpsBenchRow] = []
                for c in ConvCase.stackgan where filter.map({ c.name.contains($0) }) ?? true {
                    let row = try OpsBench.run(c, repeats: repeats)
                    if !json { FileHandle.standardError.write("  \(c.name) done\n".data(using: .utf8)!) }
                    rows.append(row)
                }
                if json {
                    let data = try JSONEncoder().encode(rows)
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print("bench ops: conv2d vs bare sgemm, \(Threads.count) thread(s), median of \(repeats)")
                    print(OpsBench.table(rows))
                }
            case "text":
                guard captions >= 1 else { throw ValidationError("--captions must be at least 1") }
                BuiltinPlugins.registerAll()
                let r = try TextBench.run(count: captions, repeats: repeats, torch: !noTorch)
                if json { print(String(decoding: try JSONEncoder().encode([r]), as: UTF8.self)) }
                else {
                    print("bench text: sentence embeddings of emoji captions, \(Threads.count) thread(s), median of \(repeats)")
                    print(TextBench.table(r))
                }
            default:
                throw ValidationError("unknown workload '\(w)' (known: ops, text, models, \(ModelWorkload.all.map(\.name).joined(separator: ", ")))")
            }
        }
    }
}
