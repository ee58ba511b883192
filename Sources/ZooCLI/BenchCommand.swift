// `stackzoo bench`: throughput of the engine's kernels and (later) of the real networks.
import ArgumentParser
import Foundation
import ZooCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark workloads (release builds only give meaningful numbers).",
        discussion: "Workloads: ops — conv2d forward and backward on the StackGAN GEMM shapes next to bare OpenBLAS sgemm.")

    @Argument(help: "Workloads to run (default: ops).")
    var workloads: [String] = ["ops"]

    @Option(name: .long, help: "Timed repetitions per measurement (median reported).")
    var repeats: Int = 5

    @Option(name: .long, help: "Only run cases whose name contains this text.")
    var filter: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        for w in workloads {
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
            default:
                throw ValidationError("unknown workload '\(w)' (known: ops)")
            }
        }
    }
}
