// `stackzoo bench WORKLOAD`: the real networks on synthetic inputs — seconds per iteration,
// images/s, GFLOP/s and % of peak, the phase split of a training step, and peak memory.
import Foundation
import ZooCore

/// One benchmark workload (the cases of ../shared/reference/torch_bench.py).
struct ModelWorkload {
    var name: String
    var summary: String
    var model: String
    var values: [String: Any]
    var batch: Int
    /// true: one full training iteration; false: a generator forward (sampling, eval mode).
    var train: Bool

    static let all: [ModelWorkload] = {
        let birds: [String: Any] = [:]   // the stackgan-v2 defaults are birds_3stages
        let uncond: [String: Any] = ["arch.conditional": false, "loss.uncond": 0.0, "loss.colour": 50.0]
        let demo: [String: Any] = ["arch.gf": 16, "arch.df": 16, "arch.branches": 2, "arch.text": 384]
        let v1: [String: Any] = ["arch.stage": 1, "arch.gf": 128, "arch.df": 64]
        return [
            ModelWorkload(name: "v2c_train", summary: "StackGAN-v2 conditional, birds config, train iteration", model: "stackgan-v2", values: birds, batch: 8, train: true),
            ModelWorkload(name: "v2u_train", summary: "StackGAN-v2 unconditional, train iteration", model: "stackgan-v2", values: uncond, batch: 8, train: true),
            ModelWorkload(name: "v1s1_train", summary: "StackGAN-v1 Stage-I (GF 128, DF 64), train iteration", model: "stackgan-v1", values: v1, batch: 64, train: true),
            ModelWorkload(name: "v2c_gfwd", summary: "StackGAN-v2 conditional, birds config, generator forward", model: "stackgan-v2", values: birds, batch: 8, train: false),
            ModelWorkload(name: "demo_train", summary: "demo config (v2 cond, GF 16, DF 16, 2 branches, text 384), train", model: "stackgan-v2", values: demo, batch: 16, train: true),
        ]
    }()
}

struct ModelBenchResult: Codable {
    var workload: String
    var batch: Int
    var threads: Int
    var secondsPerIteration: Double
    var imagesPerSecond: Double
    var gflopPerImage: Double
    var gflops: Double
    var sgemmPeakGFLOPs: Double
    var percentOfPeak: Double
    var phases: [String: Double]
    /// Peak resident memory while the iterations ran (the high-water mark is reset after the
    /// model is built, as torch_bench.py's peak_rss_run_mb), and while building the model.
    var peakRSSMB: Double
    var buildPeakRSSMB: Double
}

enum ModelBench {
    /// The machine's attainable FP32 rate: bare sgemm on 2048³ with the same threads, measured
    /// once per process (the nominal FP32 peak depends on the CPU model and clocks a VM does not
    /// show reliably: on the 2-core EPYC here sgemm reaches ~200 GFLOP/s, well above the 80 once assumed).
    static let peakGFLOPs: Double = {
        let n = 2048
        return 2 * Double(n * n * n) / ((try? OpsBench.sgemmSeconds(m: n, n: n, k: n, repeats: 3)) ?? .infinity) * 1e-9
    }()

    static func syntheticBatch(_ model: ZooModel, batch: Int, generator: inout RandomGenerator) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for s in model.imageSizes {
            out["real.\(s)"] = try Tensor.uniform([batch, 3, s, s], low: -1, high: 1, generator: &generator)
            if model.textDimension != nil { out["wrong.\(s)"] = try Tensor.uniform([batch, 3, s, s], low: -1, high: 1, generator: &generator) }
        }
        if let t = model.textDimension { out["text"] = try Tensor.randn([batch, t], generator: &generator) }
        return out
    }

    /// A /proc/self/status field in MB (VmHWM: peak resident memory), or 0 where there is none.
    static func statusMB(_ field: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    /// Resets the peak-resident-memory mark to the current resident size (Linux ≥ 4.0).
    static func resetPeakRSS() -> Bool {
        FileManager.default.isWritableFile(atPath: "/proc/self/clear_refs")
            && (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
    }

    static func run(_ w: ModelWorkload, batch: Int, repeats: Int) throws -> ModelBenchResult {
        GlobalRandom.seed(0)
        let model = try ModelRegistry.shared.make(w.model, values: w.values)
        var g = RandomGenerator(seed: 1)
        let data = try syntheticBatch(model, batch: batch, generator: &g)
        let condition = try model.textDimension.map { try Tensor.randn([batch, $0], generator: &g) }
        // Sampling workloads hold what `stackzoo sample` holds: the generator, no discriminators.
        if !w.train { try model.releaseTrainingState() }
        let buildPeak = statusMB("VmHWM")
        let reset = resetPeakRSS()
        func once() throws {
            if w.train { _ = try model.trainStep(data) }
            else { _ = try model.sample(SampleRequest(n: batch, seed: 3, condition: condition, useAverage: false)) }
        }
        // FLOPs of one iteration: forward GEMM FLOPs counted; a training step's backward costs
        // about twice its forward (dX and dW), so train FLOPs ≈ 3 × the counted forward ones.
        let (_, counted) = try FlopCounter.measure { try once() }
        let flops = w.train ? 3 * counted : counted
        let phasesBefore = model.phaseTimes
        let seconds = try OpsBench.median(repeats) { try once() }
        var phases: [String: Double] = [:]
        for (k, v) in model.phaseTimes { phases[k] = (v - (phasesBefore[k] ?? 0)) / Double(repeats + 1) }
        let runPeak = statusMB("VmHWM")
        let gflops = flops / seconds * 1e-9
        return ModelBenchResult(workload: w.name, batch: batch, threads: Threads.count, secondsPerIteration: seconds,
                                imagesPerSecond: Double(batch) / seconds, gflopPerImage: flops / Double(batch) * 1e-9,
                                gflops: gflops, sgemmPeakGFLOPs: peakGFLOPs, percentOfPeak: 100 * gflops / peakGFLOPs, phases: phases,
                                peakRSSMB: reset ? runPeak : max(runPeak, buildPeak), buildPeakRSSMB: buildPeak)
    }

    static func table(_ rows: [ModelBenchResult]) -> String {
        func f(_ x: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", x) }
        var lines = ["| workload | batch | s/iter | img/s | GFLOP/img | GFLOP/s | % of sgemm peak | G fwd / D steps / G step (s) | peak RSS MB run (build) |",
                     "|---|---|---|---|---|---|---|---|---|"]
        for r in rows {
            let split = r.phases.isEmpty ? "—" : ["g_forward", "d_steps", "g_step"].map { f(r.phases[$0] ?? 0) }.joined(separator: " / ")
            lines.append("| \(r.workload) | \(r.batch) | \(f(r.secondsPerIteration, 3)) | \(f(r.imagesPerSecond)) | \(f(r.gflopPerImage, 1)) | \(f(r.gflops, 1)) | \(f(r.percentOfPeak, 0))% | \(split) | \(f(r.peakRSSMB, 0)) (\(f(r.buildPeakRSSMB, 0))) |")
        }
        if let p = rows.first?.sgemmPeakGFLOPs { lines.append("\nsgemm peak (2048³, same threads): \(f(p, 1)) GFLOP/s") }
        return lines.joined(separator: "\n")
    }
}
